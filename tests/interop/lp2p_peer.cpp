// lp2p_peer: the C++ counterpart of peer.mjs (README.md in this folder), written against lp2p's PUBLIC API
// only (lp2p::Host), so that run_interop.sh can drive lp2p and js-libp2p with the same flags and compare
// the same JSON-lines events. Roles:
//
//   lp2p_peer --listen MA [--seed N] [--agent STR] [--timeout SECS]
//       serves /echo/1.0.0, /lp2p-test/sink/1.0.0 and /lp2p-test/reset/1.0.0 until SIGINT/SIGTERM
//   lp2p_peer --dial MA [--expect-peer ID] [--ping N] [--echo-bytes B [--streams S] [--data-seed D]]
//             [--half-close-test] [--reset-test] [--no-identify] [--hold SECS] [--listen MA] [--seed N] [--timeout SECS]
//       MA may be a circuit address <relay>/p2p-circuit/p2p/<id> (Host::dial goes through the relay)
//   lp2p_peer --relay-listen RELAY_MA    reserve at a Circuit Relay v2 server (Host::listen_via_relay),
//       print `reserved` with the circuit addresses, then serve (or dial) as above
//   lp2p_peer --listen MA --relay [--relay-no-limits | --relay-data-limit BYTES --relay-duration-limit SECS]
//       also act as a relay server (HostConfig::relay_server); `relay` events per reservation/circuit
//   --dcutr enables lp2p's DCUtR (off here by default, like peer.mjs, so relayed tests stay relayed)
//   lp2p-only: --ping-interval-ms N (the host's keep-alive ping period), --hold SECS (dialer: keep the
//   connection SECS after the tasks, then check it is still up: exercises both sides' periodic pings)
//
// Echo data is peer.mjs's generator (AES-128-CTR keystream, key = sha256("lp2p-interop-data:D:i")[0..16],
// zero IV), so both implementations send the same bytes for the same (D, i).
// Exit codes: 0 ok, 1 failure (an `error` event says why), 2 bad arguments, 3 overall timeout.
#include "lp2p/codec/noise/error.hpp"
#include "lp2p/host/host.hpp"
#include "lp2p/io/error.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>

#include <openssl/evp.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LP2P_PEER_LSAN 1
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using namespace lp2p;
namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* echo_protocol = "/echo/1.0.0";
constexpr const char* sink_protocol = "/lp2p-test/sink/1.0.0";
constexpr const char* reset_protocol = "/lp2p-test/reset/1.0.0";
constexpr std::size_t chunk_size = 64 * 1024;

// ------------------------------------------------------------------------------------------ JSON output
std::string json_str(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          out += b;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

/// Builds one JSON object: Json("ping").num("seq", 1).str(...).
class Json {
 public:
  explicit Json(std::string_view event) { out_ = "{\"event\":" + json_str(event); }
  Json& raw(std::string_view key, std::string_view value) {
    out_ += "," + json_str(key) + ":";
    out_ += value;
    return *this;
  }
  Json& str(std::string_view key, std::string_view v) { return raw(key, json_str(v)); }
  Json& num(std::string_view key, double v) {
    std::ostringstream o;
    o.precision(15);
    o << v;
    return raw(key, o.str());
  }
  Json& boolean(std::string_view key, bool v) { return raw(key, v ? "true" : "false"); }
  Json& strs(std::string_view key, const std::vector<std::string>& v) {
    std::string a = "[";
    for (std::size_t i = 0; i < v.size(); ++i) a += (i ? "," : "") + json_str(v[i]);
    return raw(key, a + "]");
  }
  /// Writes the line to stdout and flushes: the test script reads the file while we run.
  void print() {
    out_ += "}\n";
    std::fwrite(out_.data(), 1, out_.size(), stdout);
    std::fflush(stdout);
  }

 private:
  std::string out_;
};

/// A short, stable name for the errors the tests look for; category:value otherwise.
std::string code_name(const error_code& ec) {
  if (ec == noise::error::peer_id_mismatch) return "peer_id_mismatch";
  if (ec == asio::error::connection_reset) return "stream_reset";
  if (ec == asio::error::eof) return "eof";
  if (ec == io::error::timeout) return "timeout";
  return std::string(ec.category().name()) + ":" + std::to_string(ec.value());
}

Json& conn_fields(Json& j, const ConnectionInfo& c) {
  return j.str("peerId", c.peer.to_base58())
      .str("remoteAddr", c.remote_addr.to_string())
      .str("localAddr", c.local_addr.to_string())
      .str("direction", c.direction == Direction::inbound ? "inbound" : "outbound")
      .boolean("relayed", c.relayed)
      .boolean("limited", c.relayed)
      .str("encryption", "/noise")
      .str("multiplexer", "/yamux/1.0.0");
}

// ----------------------------------------------------------------------------------------- crypto helpers
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void update(BytesView b) { EVP_DigestUpdate(ctx_.get(), b.data(), b.size()); }
  std::string hex() {
    std::uint8_t d[32];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_.get(), d, &n);
    return to_hex(BytesView(d, n));
  }
  static std::string of(BytesView b) {
    Sha256 h;
    h.update(b);
    return h.hex();
  }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
};

/// peer.mjs's dataGenerator: the AES-128-CTR keystream for (data seed, stream index).
class DataGen {
 public:
  DataGen(std::uint64_t data_seed, std::uint64_t index) : ctx_(EVP_CIPHER_CTX_new()) {
    std::string label = "lp2p-interop-data:" + std::to_string(data_seed) + ":" + std::to_string(index);
    std::uint8_t key[32];
    unsigned int n = 0;
    EVP_Digest(label.data(), label.size(), key, &n, EVP_sha256(), nullptr);
    const std::uint8_t iv[16] = {};
    EVP_EncryptInit_ex(ctx_.get(), EVP_aes_128_ctr(), nullptr, key, iv);
  }
  Bytes next(std::size_t n) {
    Bytes zeros(n), out(n);
    int len = 0;
    EVP_EncryptUpdate(ctx_.get(), out.data(), &len, zeros.data(), static_cast<int>(n));
    return out;
  }

 private:
  struct Free {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
  };
  std::unique_ptr<EVP_CIPHER_CTX, Free> ctx_;
};

// ---------------------------------------------------------------------------------------------- options
struct Options {
  std::vector<std::string> listen;
  std::optional<int> seed;
  std::optional<std::string> dial, expect_peer, agent;
  long ping = 0;
  std::uint64_t echo_bytes = 0, streams = 1, data_seed = 1;
  bool half_close = false, reset = false, no_identify = false;
  long timeout_secs = 0;
  long hold_secs = 0;
  std::optional<long> ping_interval_ms;
  std::optional<std::string> relay_listen;
  bool relay = false, relay_no_limits = false, dcutr = false;
  std::optional<std::uint64_t> relay_data_limit, relay_duration_limit;
};

[[noreturn]] void bad_args(const std::string& message) {
  Json("error").str("code", "bad_arguments").str("message", message).print();
  std::fprintf(stderr,
               "usage: lp2p_peer [--listen MA]... [--seed N] [--agent STR] [--timeout SECS]\n"
               "  [--dial MA [--expect-peer ID] [--ping N] [--echo-bytes B [--streams S] [--data-seed D]]\n"
               "             [--half-close-test] [--reset-test] [--no-identify] [--hold SECS]]\n"
               "  [--ping-interval-ms N] [--relay-listen RELAY_MA] [--dcutr]\n"
               "  [--relay [--relay-no-limits | --relay-data-limit BYTES --relay-duration-limit SECS]]\n");
  std::exit(2);
}

std::uint64_t parse_uint(const std::string& flag, const std::string& v, std::uint64_t lo, std::uint64_t hi) {
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 15)
    bad_args(flag + " must be a non-negative integer, got '" + v + "'");
  auto n = std::stoull(v);
  if (n < lo || n > hi) bad_args(flag + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return n;
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string f = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) bad_args(f + " needs a value");
      return argv[++i];
    };
    if (f == "--listen") o.listen.push_back(value());
    else if (f == "--seed") o.seed = static_cast<int>(parse_uint(f, value(), 0, 255));
    else if (f == "--dial") o.dial = value();
    else if (f == "--expect-peer") o.expect_peer = value();
    else if (f == "--agent") o.agent = value();
    else if (f == "--ping") o.ping = static_cast<long>(parse_uint(f, value(), 0, 100000));
    else if (f == "--echo-bytes") o.echo_bytes = parse_uint(f, value(), 0, std::uint64_t(1) << 40);
    else if (f == "--streams") o.streams = parse_uint(f, value(), 1, 1024);
    else if (f == "--data-seed") o.data_seed = parse_uint(f, value(), 0, std::uint64_t(1) << 32);
    else if (f == "--timeout") o.timeout_secs = static_cast<long>(parse_uint(f, value(), 1, 86400));
    else if (f == "--hold") o.hold_secs = static_cast<long>(parse_uint(f, value(), 0, 3600));
    else if (f == "--ping-interval-ms") o.ping_interval_ms = static_cast<long>(parse_uint(f, value(), 100, 3600000));
    else if (f == "--half-close-test") o.half_close = true;
    else if (f == "--reset-test") o.reset = true;
    else if (f == "--no-identify") o.no_identify = true;
    else if (f == "--relay-listen") o.relay_listen = value();
    else if (f == "--relay") o.relay = true;
    else if (f == "--relay-no-limits") o.relay_no_limits = true;
    else if (f == "--relay-data-limit") o.relay_data_limit = parse_uint(f, value(), 1, std::uint64_t(1) << 50);
    else if (f == "--relay-duration-limit") o.relay_duration_limit = parse_uint(f, value(), 1, 86400);
    else if (f == "--dcutr") o.dcutr = true;
    else bad_args("unknown flag " + f);
  }
  if (!o.dial && o.listen.empty() && !o.relay_listen) bad_args("nothing to do: give --listen, --relay-listen or --dial");
  if (o.relay && o.listen.empty()) bad_args("--relay needs --listen");
  if (o.relay_no_limits && (o.relay_data_limit || o.relay_duration_limit))
    bad_args("--relay-no-limits conflicts with --relay-data-limit/--relay-duration-limit");
  if (!o.relay && (o.relay_no_limits || o.relay_data_limit || o.relay_duration_limit))
    bad_args("--relay-no-limits/--relay-data-limit/--relay-duration-limit need --relay");
  if (!o.dial && (o.expect_peer || o.ping || o.echo_bytes || o.half_close || o.reset || o.hold_secs))
    bad_args("--expect-peer/--ping/--echo-bytes/--half-close-test/--reset-test/--hold need --dial");
  if (o.timeout_secs == 0) o.timeout_secs = o.dial ? 60 : 600;
  return o;
}

// ------------------------------------------------------------------------------------------------ peer
class Peer {
 public:
  Peer(asio::io_context& ioc, Options opts) : ioc_(ioc), opts_(std::move(opts)) {}

  /// Sets up the host; false (after an error event) if the configuration is unusable.
  bool init() {
    HostConfig cfg;
    if (opts_.seed) cfg.identity = Keypair::from_secret_key_seed(static_cast<std::uint8_t>(*opts_.seed));
    for (const auto& l : opts_.listen) {
      std::string detail;
      auto ma = Multiaddr::parse(l, &detail);
      if (!ma) bad_args("--listen " + l + ": " + detail);
      cfg.listen.push_back(*ma);
    }
    if (opts_.agent) cfg.agent_version = *opts_.agent;
    if (opts_.ping_interval_ms) cfg.ping.interval = std::chrono::milliseconds(*opts_.ping_interval_ms);
    cfg.dcutr.enabled = opts_.dcutr;
    if (opts_.relay) {
      cfg.relay_server.enabled = true;
      auto& l = cfg.relay_server.limits;
      if (opts_.relay_no_limits) {
        l.max_circuit_bytes = 0;
        l.max_circuit_duration = {};
      }
      if (opts_.relay_data_limit) l.max_circuit_bytes = *opts_.relay_data_limit;
      if (opts_.relay_duration_limit) l.max_circuit_duration = std::chrono::seconds(*opts_.relay_duration_limit);
    }
    auto h = Host::create(ioc_.get_executor(), std::move(cfg));
    if (!h) {
      Json("error").str("code", code_name(h.error())).str("message", h.error().message()).print();
      return false;
    }
    host_ = std::move(*h);
    host_->set_handler(echo_protocol, [this](Stream s) { return serve_echo(std::move(s)); });
    host_->set_handler(sink_protocol, [this](Stream s) { return serve_sink(std::move(s)); });
    host_->set_handler(reset_protocol, [this](Stream s) { return serve_reset(std::move(s)); });
    // Synchronous: the circuit addresses are known when listen_via_relay() returns.
    host_->add_observer([this](const HostEvent& ev) {
      if (auto* r = std::get_if<ReservationChanged>(&ev); r && !r->circuit_addrs.empty()) circuit_addrs_ = r->circuit_addrs;
    });
    return true;
  }

  asio::awaitable<void> main() {
    asio::co_spawn(ioc_, timeout_watch(), asio::detached);
    asio::co_spawn(ioc_, signal_watch(), asio::detached);
    asio::co_spawn(ioc_, event_pump(), asio::detached);
    auto started = co_await host_->start();
    if (!started) co_await finish(1, Json("error").str("code", code_name(started.error()))
                                         .str("message", "listen: " + started.error().message()));
    if (!opts_.listen.empty()) {
      std::vector<std::string> addrs;
      for (const auto& a : host_->listen_addrs()) addrs.push_back(a.with_peer_id(host_->id()).to_string());
      Json("listening").str("peerId", host_->id().to_base58()).strs("addrs", addrs).boolean("relay", opts_.relay).print();
    }
    if (opts_.relay_listen) {
      std::string detail;
      auto relay = Multiaddr::parse(*opts_.relay_listen, &detail);
      if (!relay) bad_args("--relay-listen " + *opts_.relay_listen + ": " + detail);
      if (!relay->peer_id()) bad_args("--relay-listen needs the relay address with /p2p/<relay id>");
      auto r = co_await host_->listen_via_relay(*relay);
      if (!r || circuit_addrs_.empty())
        co_await finish(1, fail(r ? "no_circuit_addrs" : code_name(r.error()),
                                "no reservation on " + *opts_.relay_listen + ": " +
                                    (r ? std::string("no circuit address") : r.error().message())));
      std::vector<std::string> addrs;
      for (const auto& a : circuit_addrs_) addrs.push_back(a.to_string());
      Json("reserved").str("peerId", host_->id().to_base58()).str("relay", *opts_.relay_listen).strs("addrs", addrs).print();
    }
    if (!opts_.dial) co_return;  // serve until a signal or the timeout
    auto err = co_await run_dialer();
    if (err) co_await finish(1, std::move(*err));
    co_await finish(0, Json("done").boolean("ok", true));
  }

 private:
  // ---- lifetime ------------------------------------------------------------------------------------
  /// Prints the last event, stops the host (GoAway to every peer) and exits the process.
  asio::awaitable<void> finish(int code, Json last) {
    if (finishing_) co_return;
    finishing_ = true;
    last.print();
    co_await host_->stop();
    std::fflush(stdout);
#ifdef LP2P_PEER_LSAN
    __lsan_do_leak_check();  // std::_Exit skips LeakSanitizer's exit-time check; a leak exits non-zero here
#endif
    std::_Exit(code);
  }

  asio::awaitable<void> timeout_watch() {
    asio::steady_timer t(ioc_, std::chrono::seconds(opts_.timeout_secs));
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    co_await finish(3, Json("error").str("code", "timeout").str(
                           "message", "overall timeout of " + std::to_string(opts_.timeout_secs) + "s reached"));
  }

  asio::awaitable<void> signal_watch() {
    asio::signal_set signals(ioc_, SIGINT, SIGTERM);
    auto r = co_await signals.async_wait(asio::as_tuple(asio::use_awaitable));
    const int sig = std::get<1>(r);
    co_await finish(0, Json("done").boolean("ok", true).str("reason", sig == SIGINT ? "SIGINT" : "SIGTERM"));
  }

  /// Prints the host's events and remembers identify results (the dialer waits for the remote's).
  asio::awaitable<void> event_pump() {
    for (;;) {
      auto ev = co_await host_->next_event();
      if (!ev) co_return;
      if (auto* e = std::get_if<ConnectionEstablished>(&*ev)) {
        Json j("connected");
        conn_fields(j, e->connection).print();
      } else if (auto* c = std::get_if<ConnectionClosed>(&*ev)) {
        Json j("disconnected");
        conn_fields(j, c->connection).str("reason", c->reason ? c->reason.message() : "").print();
      } else if (auto* i = std::get_if<IdentifyReceived>(&*ev)) {
        auto protocols = i->info.protocols;
        std::sort(protocols.begin(), protocols.end());
        std::vector<std::string> listen;
        for (const auto& a : i->info.listen_addrs) listen.push_back(a.to_string());
        Json j("identify");
        j.str("peerId", i->connection.peer.to_base58())
            .str("agentVersion", i->info.agent_version)
            .str("protocolVersion", i->info.protocol_version)
            .strs("protocols", protocols)
            .strs("listenAddrs", listen);
        if (i->info.observed_addr) j.str("observedAddr", i->info.observed_addr->to_string());
        j.boolean("relayed", i->connection.relayed).print();
        identified_[i->connection.peer.to_base58()] = i->info;
      } else if (auto* f = std::get_if<OutgoingConnectionFailed>(&*ev)) {
        Json("dial_failed").str("address", f->address.to_string()).str("code", code_name(f->error))
            .str("message", f->error.message()).str("detail", f->detail).print();
        dial_failure_detail_ = f->detail;
      } else if (auto* in = std::get_if<IncomingConnectionFailed>(&*ev)) {
        Json("incoming_failed").str("remoteAddr", in->remote_addr.to_string()).str("code", code_name(in->error))
            .str("message", in->error.message()).str("detail", in->detail).print();
      } else if (auto* ps = std::get_if<PingSucceeded>(&*ev)) {
        // The host's keep-alive pings, and the ones Host::ping() sends for --ping.
        Json("host_ping").str("peerId", ps->connection.peer.to_base58())
            .num("rttMs", static_cast<double>(ps->rtt.count()) / 1000.0).print();
      } else if (auto* pf = std::get_if<PingFailed>(&*ev)) {
        Json("ping_failed").str("peerId", pf->connection.peer.to_base58()).str("code", code_name(pf->error))
            .str("message", pf->error.message()).print();
      } else if (auto* rc = std::get_if<ReservationChanged>(&*ev)) {
        std::vector<std::string> addrs;
        for (const auto& a : rc->circuit_addrs) addrs.push_back(a.to_string());
        Json("reservation_changed").str("kind", to_string(rc->kind)).str("relay", rc->relay.to_string())
            .strs("addrs", addrs).str("reason", rc->reason).print();
      } else if (auto* rs = std::get_if<RelayServerEvent>(&*ev)) {
        static const char* kinds[] = {"reservation_accepted", "reservation_refused", "reservation_ended",
                                      "circuit_accepted", "circuit_refused", "circuit_ended"};
        Json j("relay");
        j.str("kind", kinds[static_cast<int>(rs->kind)]).str("peerId", rs->peer.to_base58());
        if (rs->dst) j.str("dst", rs->dst->to_base58());
        j.str("detail", rs->detail).print();
      } else if (auto* hs = std::get_if<HolePunchSucceeded>(&*ev)) {
        Json j("direct");
        conn_fields(j, hs->direct).num("attempts", hs->attempts).print();
      } else if (auto* hf = std::get_if<HolePunchFailed>(&*ev)) {
        Json("hole_punch_failed").str("peerId", hf->relayed.peer.to_base58()).num("attempts", hf->attempts)
            .str("message", hf->error.message()).str("diagnosis", hf->diagnosis).print();
      }
    }
  }

  asio::awaitable<void> sleep(std::chrono::milliseconds d) {
    asio::steady_timer t(ioc_, d);
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  // ---- server handlers ---------------------------------------------------------------------------
  asio::awaitable<void> serve_echo(Stream s) {
    const auto peer = s.remote_peer().to_base58();
    std::vector<std::uint8_t> buf(chunk_size);
    std::uint64_t n = 0;
    for (;;) {
      auto r = co_await s.read_some(buf);
      if (!r && r.error() == asio::error::eof) break;
      if (!r) co_return stream_error(s, echo_protocol, peer, n, r.error());
      n += *r;
      auto w = co_await s.write(BytesView(buf.data(), *r));
      if (!w) co_return stream_error(s, echo_protocol, peer, n, w.error());
    }
    auto c = co_await s.close_write();
    if (!c) co_return stream_error(s, echo_protocol, peer, n, c.error());
    Json("served").str("protocol", echo_protocol).str("peerId", peer).num("bytes", static_cast<double>(n)).print();
  }

  asio::awaitable<void> serve_sink(Stream s) {
    const auto peer = s.remote_peer().to_base58();
    std::vector<std::uint8_t> buf(chunk_size);
    std::uint64_t n = 0;
    Sha256 h;
    for (;;) {
      auto r = co_await s.read_some(buf);
      if (!r && r.error() == asio::error::eof) break;
      if (!r) co_return stream_error(s, sink_protocol, peer, n, r.error());
      n += *r;
      h.update(BytesView(buf.data(), *r));
    }
    const auto hex = h.hex();
    auto w = co_await s.write(as_bytes(hex));
    if (!w) co_return stream_error(s, sink_protocol, peer, n, w.error());
    auto c = co_await s.close_write();
    if (!c) co_return stream_error(s, sink_protocol, peer, n, c.error());
    Json("served").str("protocol", sink_protocol).str("peerId", peer).num("bytes", static_cast<double>(n))
        .str("sha256", hex).print();
  }

  asio::awaitable<void> serve_reset(Stream s) {
    const auto peer = s.remote_peer().to_base58();
    std::uint8_t b[1];
    auto r = co_await s.read_some(b);
    if (!r) co_return stream_error(s, reset_protocol, peer, 0, r.error());
    s.reset();
    Json("served").str("protocol", reset_protocol).str("peerId", peer).boolean("reset", true).print();
  }

  void stream_error(Stream& s, const char* protocol, const std::string& peer, std::uint64_t n, error_code ec) {
    Json("stream_error").str("protocol", protocol).str("peerId", peer).num("bytes", static_cast<double>(n))
        .str("code", code_name(ec)).str("message", ec.message()).print();
    s.reset();
  }

  // ---- dialer -------------------------------------------------------------------------------------
  static Json fail(std::string code, std::string message) {
    Json j("error");
    j.str("code", code).str("message", message);
    return j;
  }

  asio::awaitable<std::optional<Json>> run_dialer() {
    std::string detail;
    auto target = Multiaddr::parse(*opts_.dial, &detail);
    if (!target) bad_args("--dial " + *opts_.dial + ": " + detail);
    Multiaddr addr = *target;
    if (opts_.expect_peer) {
      auto want = PeerId::parse(*opts_.expect_peer);
      if (!want) bad_args("--expect-peer " + *opts_.expect_peer + ": not a PeerId");
      addr = addr.with_peer_id(*want);  // the Noise handshake checks it
    }
    auto conn = co_await host_->dial(addr);
    if (!conn) {
      // The detail (expected and actual PeerId) comes with the OutgoingConnectionFailed event.
      for (int i = 0; i < 50 && !dial_failure_detail_; ++i) co_await sleep(std::chrono::milliseconds(10));
      co_return fail(code_name(conn.error()), "dial " + addr.to_string() + ": " +
                                                  dial_failure_detail_.value_or(conn.error().message()));
    }
    const PeerId remote = conn->peer;
    Json d("dialed");
    conn_fields(d, *conn).print();

    if (!opts_.no_identify) {
      const auto deadline = Clock::now() + std::chrono::seconds(15);
      while (!identified_.count(remote.to_base58()) && Clock::now() < deadline)
        co_await sleep(std::chrono::milliseconds(20));
      if (!identified_.count(remote.to_base58()))
        co_return fail("no_identify", "no identify from " + remote.to_base58() + " within 15s");
    }
    for (long i = 0; i < opts_.ping; ++i) {
      auto rtt = co_await host_->ping(remote);
      if (!rtt) co_return fail(code_name(rtt.error()), "ping " + std::to_string(i) + ": " + rtt.error().message());
      Json("ping").num("seq", static_cast<double>(i)).num("rttMs", static_cast<double>(rtt->count()) / 1000.0).print();
    }
    if (opts_.echo_bytes > 0) {
      if (auto e = co_await echo_all(remote)) co_return e;
    }
    if (opts_.half_close) {
      if (auto e = co_await half_close_test(remote)) co_return e;
    }
    if (opts_.reset) {
      if (auto e = co_await reset_test(remote)) co_return e;
    }
    if (opts_.hold_secs > 0) {
      co_await sleep(std::chrono::seconds(opts_.hold_secs));
      const auto conns = host_->connections();
      if (std::none_of(conns.begin(), conns.end(), [&](const ConnectionInfo& c) { return c.id == conn->id; }))
        co_return fail("connection_lost", "the connection to " + remote.to_base58() + " ended during --hold");
      Json("held").num("seconds", static_cast<double>(opts_.hold_secs)).print();
    }
    co_return std::nullopt;
  }

  asio::awaitable<result<Stream>> open(const PeerId& peer, const char* protocol) {
    std::vector<std::string> protocols{protocol};  // named: GCC 12 and initializer lists across co_await
    co_return co_await host_->open_stream(peer, std::move(protocols));
  }

  /// S concurrent echo streams; the first failure wins.
  asio::awaitable<std::optional<Json>> echo_all(PeerId remote) {
    const auto start = Clock::now();
    std::size_t running = opts_.streams;
    std::optional<std::string> first_error;
    asio::steady_timer all_done(ioc_, std::chrono::hours(24 * 365));
    for (std::uint64_t i = 0; i < opts_.streams; ++i) {
      asio::co_spawn(ioc_, echo_one(remote, i), [&](std::exception_ptr e, std::string err) {
        if (e) err = "exception in echo stream";
        if (!err.empty() && !first_error) first_error = err;
        if (--running == 0) all_done.cancel();
      });
    }
    co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
    if (first_error) co_return fail("echo_failed", *first_error);
    const auto ms = std::max<long long>(
        1, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
    const double total = static_cast<double>(opts_.echo_bytes * opts_.streams);
    Json("echo_total").num("streams", static_cast<double>(opts_.streams)).num("bytes", total)
        .num("ms", static_cast<double>(ms)).num("mibPerSec", total / 1048576.0 / (static_cast<double>(ms) / 1000.0))
        .print();
    co_return std::nullopt;
  }

  /// One echo stream: writes B generated bytes while reading them back; "" on success, else why not.
  asio::awaitable<std::string> echo_one(PeerId remote, std::uint64_t index) {
    const auto start = Clock::now();
    const auto name = "echo stream " + std::to_string(index);
    auto s = co_await open(remote, echo_protocol);
    if (!s) co_return name + ": open: " + s.error().message();
    auto results = co_await (echo_write(*s, index) && echo_read(*s, index));
    if (!std::get<0>(results).ok) co_return name + ": " + std::get<0>(results).error;
    if (!std::get<1>(results).ok) co_return name + ": " + std::get<1>(results).error;
    const auto sha = std::get<0>(results).sha256;
    if (std::get<1>(results).sha256 != sha) co_return name + ": sha256 mismatch";
    Json("echo_done").num("stream", static_cast<double>(index)).num("bytes", static_cast<double>(opts_.echo_bytes))
        .str("sha256", sha)
        .num("ms", static_cast<double>(
                       std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()))
        .print();
    co_return std::string();
  }

  struct HalfResult {
    bool ok = false;
    std::string error;
    std::string sha256;
  };

  asio::awaitable<HalfResult> echo_write(Stream& s, std::uint64_t index) {
    DataGen gen(opts_.data_seed, index);
    Sha256 h;
    for (std::uint64_t sent = 0; sent < opts_.echo_bytes;) {
      auto c = gen.next(static_cast<std::size_t>(std::min<std::uint64_t>(chunk_size, opts_.echo_bytes - sent)));
      h.update(c);
      auto w = co_await s.write(c);
      if (!w) {
        s.reset();  // unblocks the reader
        co_return HalfResult{false, "write after " + std::to_string(sent) + " bytes: " + w.error().message(), {}};
      }
      sent += c.size();
    }
    auto f = co_await s.close_write();
    if (!f) {
      s.reset();
      co_return HalfResult{false, "close_write: " + f.error().message(), {}};
    }
    co_return HalfResult{true, {}, h.hex()};
  }

  asio::awaitable<HalfResult> echo_read(Stream& s, std::uint64_t index) {
    DataGen expected(opts_.data_seed, index);
    Sha256 h;
    std::vector<std::uint8_t> buf(chunk_size);
    std::uint64_t received = 0;
    for (;;) {
      auto r = co_await s.read_some(buf);
      if (!r && r.error() == asio::error::eof) break;
      if (!r) co_return HalfResult{false, "read after " + std::to_string(received) + " bytes: " + r.error().message(), {}};
      auto want = expected.next(*r);
      if (received + *r > opts_.echo_bytes || std::memcmp(want.data(), buf.data(), *r) != 0) {
        s.reset();  // unblocks the writer
        co_return HalfResult{false, "data mismatch within bytes [" + std::to_string(received) + ", " +
                                        std::to_string(received + *r) + ")", {}};
      }
      h.update(BytesView(buf.data(), *r));
      received += *r;
    }
    if (received != opts_.echo_bytes)
      co_return HalfResult{false, "EOF after " + std::to_string(received) + " of " +
                                      std::to_string(opts_.echo_bytes) + " bytes", {}};
    co_return HalfResult{true, {}, h.hex()};
  }

  /// Reads until EOF; nullopt on any other error (`why` says which).
  asio::awaitable<std::optional<Bytes>> read_all(Stream& s, std::string& why) {
    Bytes all;
    std::vector<std::uint8_t> buf(chunk_size);
    for (;;) {
      auto r = co_await s.read_some(buf);
      if (!r && r.error() == asio::error::eof) co_return all;
      if (!r) {
        why = "read after " + std::to_string(all.size()) + " bytes: " + r.error().message();
        co_return std::nullopt;
      }
      all.insert(all.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*r));
    }
  }

  asio::awaitable<std::optional<Json>> half_close_test(PeerId remote) {
    std::string why;
    // 1. echo: after our FIN the remote must still send everything back, then FIN.
    const auto echo_payload = DataGen(opts_.data_seed, 100000).next(1000);
    auto s1 = co_await open(remote, echo_protocol);
    if (!s1) co_return fail("half_close_failed", "echo: open: " + s1.error().message());
    auto w1 = co_await s1->write(echo_payload);
    auto f1 = co_await s1->close_write();
    if (!w1 || !f1) co_return fail("half_close_failed", "echo: write/close_write failed");
    auto back = co_await read_all(*s1, why);
    if (!back) co_return fail("half_close_failed", "echo: " + why);
    if (*back != echo_payload)
      co_return fail("half_close_failed", "echo: got " + std::to_string(back->size()) +
                                              " bytes back, want the same 1000 bytes");
    // 2. sink: the remote writes only after our FIN (its reply depends on seeing EOF).
    const auto sink_payload = DataGen(opts_.data_seed, 100001).next(100000);
    auto s2 = co_await open(remote, sink_protocol);
    if (!s2) co_return fail("half_close_failed", "sink: open: " + s2.error().message());
    auto w2 = co_await s2->write(sink_payload);
    auto f2 = co_await s2->close_write();
    if (!w2 || !f2) co_return fail("half_close_failed", "sink: write/close_write failed");
    auto reply = co_await read_all(*s2, why);
    if (!reply) co_return fail("half_close_failed", "sink: " + why);
    const auto want = Sha256::of(sink_payload);
    const std::string got(reply->begin(), reply->end());
    if (got != want) co_return fail("half_close_failed", "sink: reply '" + got.substr(0, 80) + "', want '" + want + "'");
    Json("half_close").boolean("ok", true).num("echoBytes", 1000).num("sinkBytes", 100000).str("sha256", want).print();
    co_return std::nullopt;
  }

  asio::awaitable<std::optional<Json>> reset_test(PeerId remote) {
    auto s = co_await open(remote, reset_protocol);
    if (!s) co_return fail("reset_failed", "open: " + s.error().message());
    const std::uint8_t one[1] = {0x2a};
    auto w = co_await s->write(BytesView(one, 1));
    if (!w) co_return fail("reset_failed", "write: " + w.error().message());
    std::vector<std::uint8_t> buf(1024);
    std::uint64_t got = 0;
    for (;;) {
      auto r = co_await s->read_some(buf);
      if (r) {
        got += *r;
        continue;
      }
      if (r.error() == asio::error::eof)
        co_return fail("reset_failed", "stream ended cleanly after " + std::to_string(got) + " bytes, expected a reset");
      Json("reset").boolean("ok", r.error() == asio::error::connection_reset).str("error", code_name(r.error()))
          .str("message", r.error().message()).num("bytesBeforeReset", static_cast<double>(got)).print();
      if (r.error() != asio::error::connection_reset)
        co_return fail("reset_failed", "read failed with " + r.error().message() + ", expected a stream reset");
      co_return std::nullopt;
    }
  }

  asio::io_context& ioc_;
  Options opts_;
  std::unique_ptr<Host> host_;
  std::map<std::string, IdentifyInfo> identified_;
  std::optional<std::string> dial_failure_detail_;
  std::vector<Multiaddr> circuit_addrs_;
  bool finishing_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  auto opts = parse_options(argc, argv);
  asio::io_context ioc(1);
  Peer peer(ioc, std::move(opts));
  if (!peer.init()) return 1;
  asio::co_spawn(ioc, peer.main(), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      Json("error").str("code", "exception").str("message", ex.what()).print();
    }
    std::_Exit(1);
  });
  ioc.run();
  return 0;
}
