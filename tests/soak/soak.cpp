// lp2p-soak: the soak run of issue #6 part 5 (a long-running command, not a unit test; docs/soak.md).
//
//   lp2p-soak [--peers N] [--streams S] [--duration SECS] [--rate BYTES] [--chunk BYTES] [--sample SECS]
//             [--rss-bound FRACTION] [--no-rss-check] [--seed N] [--json]
//
// One Circuit Relay v2 server (limits off) runs in a child process (this binary with --role relay); this
// process holds one listener, reserved at the relay, and N peers that each dial the listener through
// <relay>/p2p-circuit/p2p/<listener> and open S streams. For --duration seconds every stream carries data
// in both directions (each direction paced at --rate bytes/s, 0 = as fast as possible, in chunks of
// 1..--chunk bytes); the data is a seekable pseudo-random pattern seeded per stream and direction, and the
// receiving end checks every byte against it. Then each writer half-closes, each reader must see EOF after
// exactly the bytes that were sent, and everything is shut down.
//
// Why two processes: the relay's memory (per circuit) is what a relay operator sizes a machine by, and in
// its own process its RSS is measured alone; it also gets its own core, like a real relay. All endpoints
// stay in this process on one io_context thread, so sent and received byte counts are compared directly.
//
// Memory: RSS (VmRSS) of both processes is sampled before the hosts exist, after the N relayed connections
// are up, after the streams have carried data for a warm-up period (the "post-ramp" sample) and every
// --sample seconds. Per connection = (connected - hosts created) / N; per stream = (post-ramp - connected)
// / (N*S) minus the test's own buffers; at the relay, per circuit = (connected - before) / N idle and
// (post-ramp - before) / N carrying data. RSS is stable when no later sample exceeds the post-ramp one by
// more than --rss-bound (and 4 MiB of allocator slack). Under AddressSanitizer the check is off (its quarantine grows RSS on purpose).
//
// Exit 0: no error (every byte verified, no connection lost, no dial/stream failure) and RSS stable;
// 1 otherwise; 2 bad arguments; 3 the run hung past its watchdog.
#include <lp2p/host/host.hpp>
#include <lp2p/log.hpp>

#include "soak/soak_support.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <map>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define LP2P_SOAK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LP2P_SOAK_ASAN 1
#endif
#endif

namespace asio = boost::asio;
using namespace lp2p;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* soak_protocol = "/lp2p-soak/1.0.0";
/// Each reader's buffer. The test's own buffers (2 readers and 2 writers per stream) are subtracted from
/// the per-stream memory figure, which is meant to be lp2p's.
constexpr std::size_t read_buffer = 16 * 1024;

struct Options {
  int peers = 200;
  int streams = 10;
  double duration = 60;
  /// Per stream and direction, bytes/s; 0 = unpaced. 200 x 10 streams at 1 KiB/s each way offer 4 MiB/s,
  /// well inside what one thread carries (through two Noise layers) on a loaded 2-core machine: a soak
  /// tests staying power, not throughput. At saturation the yamux windows fill (RSS up to
  /// streams x 2 x 256 KiB) and keep-alive pings queue behind data until they time out.
  std::uint64_t rate = 1024;
  std::size_t chunk = 16 * 1024;
  double sample = 2;
  double rss_bound = 0.10;
  bool rss_check = true;
  std::uint64_t seed = 1;
  bool json = false;
  int dial_concurrency = 16;
  double drain_timeout = 30;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "lp2p-soak: %s\nusage: lp2p-soak [--peers N] [--streams S] [--duration SECS] [--rate BYTES] "
               "[--chunk BYTES] [--sample SECS] [--rss-bound FRACTION] [--no-rss-check] [--seed N] [--json]\n",
               why.c_str());
  std::exit(2);
}

double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double mib(std::uint64_t kib) { return static_cast<double>(kib) / 1024.0; }

asio::awaitable<void> sleep_for(Clock::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

// ------------------------------------------------------------------------------------------ the run
/// One stream's two directions: 0 = dialer -> listener, 1 = listener -> dialer.
struct StreamState {
  std::uint64_t seed[2]{};
  std::uint64_t sent[2]{};
  std::uint64_t received[2]{};
  bool eof[2]{};
  bool opened = false;
};

struct Sample {
  double t;
  std::uint64_t rss_kib, relay_rss_kib, bytes;
};

class Soak {
 public:
  Soak(asio::io_context& ioc, Options o, std::string relay_addr)
      : ioc_(ioc), o_(std::move(o)), relay_addr_(Multiaddr::parse(relay_addr).value()) {}

  pid_t relay_pid = 0;

  asio::awaitable<void> run() {
    const std::size_t n = static_cast<std::size_t>(o_.peers);
    const std::size_t total_streams = n * static_cast<std::size_t>(o_.streams);
    states_.resize(total_streams);
    for (std::size_t i = 0; i < total_streams; ++i) {
      states_[i].seed[0] = soak::pattern_block(o_.seed, 2 * i);
      states_[i].seed[1] = soak::pattern_block(o_.seed, 2 * i + 1);
    }
    t0_ = Clock::now();
    rss_base_ = soak::rss_kib();
    relay_base_ = soak::rss_kib(relay_pid);

    // Hosts (no network yet).
    HostConfig lc;
    lc.dcutr.enabled = false;  // keep every connection relayed: the relay is what is being soaked
    lc.limits.max_connections = n + 64;
    lc.limits.max_pending_handshakes = 256;
    lc.limits.max_inbound_streams_per_protocol = std::max<std::size_t>(256, n + 16);
    listener_ = Host::create(ioc_.get_executor(), std::move(lc)).value();
    listener_->set_handler(soak_protocol, [this](Stream s) { return serve(std::move(s)); });
    listener_->add_observer([this](const HostEvent& ev) {
      if (auto* r = std::get_if<ReservationChanged>(&ev); r && !r->circuit_addrs.empty()) circuit_ = r->circuit_addrs[0];
    });
    watch(*listener_, "listener");
    for (std::size_t i = 0; i < n; ++i) {
      HostConfig pc;
      pc.dcutr.enabled = false;
      peers_.push_back(Host::create(ioc_.get_executor(), std::move(pc)).value());
      watch(*peers_.back(), "peer");
    }
    rss_hosts_ = soak::rss_kib();
    relay_hosts_ = soak::rss_kib(relay_pid);

    // The listener's reservation.
    if (auto r = co_await listener_->start(); !r) co_return fail("listener start: " + r.error().message());
    if (auto r = co_await listener_->listen_via_relay(relay_addr_); !r || !circuit_)
      co_return fail("reservation at the relay failed: " + (r ? std::string("no circuit address") : r.error().message()));
    progress("listener reserved: " + circuit_->to_string());

    // N relayed connections, --dial-concurrency at a time.
    const auto ramp_start = Clock::now();
    std::size_t next = 0, busy = 0;
    for (int w = 0; w < o_.dial_concurrency; ++w) {
      ++busy;
      asio::co_spawn(
          ioc_,
          [this, &next, &busy, n]() -> asio::awaitable<void> {
            while (next < n) {
              const std::size_t i = next++;
              co_await connect(i);
            }
            --busy;
          },
          asio::detached);
    }
    while (busy > 0) co_await sleep_for(std::chrono::milliseconds(20));
    if (errors_ > 0) co_return fail("not every peer connected");
    connect_secs_ = secs(Clock::now() - ramp_start);
    co_await sleep_for(std::chrono::seconds(1));  // identify and the first pings settle
    rss_conns_ = soak::rss_kib();
    relay_conns_ = soak::rss_kib(relay_pid);
    progress(std::to_string(n) + " relayed connections in " + fmt1(connect_secs_) + " s; RSS " +
             fmt1(mib(rss_conns_)) + " MiB, relay " + fmt1(mib(relay_conns_)) + " MiB");

    // Streams and traffic until the deadline.
    data_start_ = Clock::now();
    deadline_ = data_start_ + std::chrono::milliseconds(static_cast<long>(o_.duration * 1000));
    for (std::size_t i = 0; i < n; ++i)
      for (int s = 0; s < o_.streams; ++s)
        asio::co_spawn(ioc_, open_and_run(i, i * static_cast<std::size_t>(o_.streams) + static_cast<std::size_t>(s)),
                       asio::detached);
    const double warmup = std::min(10.0, o_.duration / 3);
    bool post_ramp_taken = false;
    for (;;) {
      const auto now = Clock::now();
      if (!post_ramp_taken && secs(now - data_start_) >= warmup) {
        post_ramp_taken = true;
        rss_post_ramp_ = soak::rss_kib();
        relay_post_ramp_ = soak::rss_kib(relay_pid);
        post_ramp_index_ = samples_.size();
      }
      take_sample();
      if (now >= deadline_) break;
      co_await sleep_for(std::min<Clock::duration>(std::chrono::milliseconds(static_cast<long>(o_.sample * 1000)),
                                                   deadline_ - now + std::chrono::milliseconds(1)));
    }
    data_secs_ = secs(Clock::now() - data_start_);

    // Drain: every writer half-closed at the deadline; each reader must reach EOF.
    const auto drain_deadline = Clock::now() + std::chrono::milliseconds(static_cast<long>(o_.drain_timeout * 1000));
    while (active_ > 0 && Clock::now() < drain_deadline) co_await sleep_for(std::chrono::milliseconds(20));
    if (active_ > 0) error(std::to_string(active_) + " stream tasks still running " + fmt1(o_.drain_timeout) +
                           " s after the deadline (hang)");
    take_sample();
    for (std::size_t i = 0; i < states_.size(); ++i) {
      const auto& st = states_[i];
      if (!st.opened) continue;  // already counted as an error
      for (int d = 0; d < 2; ++d)
        if (!st.eof[d] || st.sent[d] != st.received[d])
          error("stream " + std::to_string(i) + " dir " + std::to_string(d) + ": sent " + std::to_string(st.sent[d]) +
                ", received " + std::to_string(st.received[d]) + (st.eof[d] ? "" : " without EOF"));
    }

    // Shutdown.
    stopping_ = true;
    for (auto& p : peers_) co_await p->stop();
    co_await listener_->stop();
    if (!listener_->connections().empty())
      error("listener still has " + std::to_string(listener_->connections().size()) + " connections after stop");
    done_ = true;
  }

  void report(int relay_status, const std::string& relay_stats) {
    const std::size_t n = peers_.size();
    const double streams = static_cast<double>(n) * o_.streams;
    auto per = [](std::uint64_t a, std::uint64_t b, double count) {
      return count > 0 && a > b ? static_cast<double>(a - b) / count : 0.0;
    };
    const double kib_per_conn = per(rss_conns_, rss_hosts_, static_cast<double>(n));
    const double kib_per_host = per(rss_hosts_, rss_base_, static_cast<double>(n + 1));
    const double harness_kib_per_stream = 2.0 * static_cast<double>(read_buffer + o_.chunk) / 1024.0;
    const double kib_per_stream = std::max(0.0, per(rss_post_ramp_, rss_conns_, streams) - harness_kib_per_stream);
    const double relay_kib_per_circuit = per(relay_conns_, relay_hosts_, static_cast<double>(n));
    const double relay_kib_per_circuit_busy = per(relay_post_ramp_, relay_hosts_, static_cast<double>(n));
    std::uint64_t max_after = 0, relay_max_after = 0;
    for (std::size_t i = post_ramp_index_ + 1; i < samples_.size(); ++i) {
      max_after = std::max(max_after, samples_[i].rss_kib);
      relay_max_after = std::max(relay_max_after, samples_[i].relay_rss_kib);
    }
    const double growth = rss_post_ramp_ ? (static_cast<double>(max_after) - rss_post_ramp_) / rss_post_ramp_ : 0;
    const double relay_growth =
        relay_post_ramp_ ? (static_cast<double>(relay_max_after) - relay_post_ramp_) / relay_post_ramp_ : 0;
    const std::uint64_t slack = 4096;
    bool stable = max_after <= rss_post_ramp_ * (1 + o_.rss_bound) + slack &&
                  relay_max_after <= relay_post_ramp_ * (1 + o_.rss_bound) + slack;
#ifdef LP2P_SOAK_ASAN
    const bool asan = true;
#else
    const bool asan = false;
#endif
    const bool checked = o_.rss_check && !asan;
    if (relay_status != 0) error("relay exited with " + soak::describe_status(relay_status));
    ok_ = errors_ == 0 && done_ && (stable || !checked);
    const double mbytes = static_cast<double>(bytes_) / (1024.0 * 1024.0);
    double loadavg[3] = {0, 0, 0};
    if (getloadavg(loadavg, 3) < 0) loadavg[0] = loadavg[1] = loadavg[2] = -1;

    if (o_.json) {
      std::string s;
      for (const auto& x : samples_)
        s += (s.empty() ? "" : ",") + fmt("{\"t\":%.1f,\"rss_kib\":%llu,\"relay_rss_kib\":%llu,\"bytes\":%llu}", x.t,
                                           ull(x.rss_kib), ull(x.relay_rss_kib), ull(x.bytes));
      std::printf(
          "{\"ok\":%s,\"peers\":%zu,\"streams_per_peer\":%d,\"streams\":%.0f,\"duration_s\":%.1f,\"rate_per_stream\":%llu,"
          "\"connect_s\":%.2f,\"bytes\":%llu,\"mib_per_s\":%.2f,\"errors\":%llu,\"first_errors\":[%s],\"error_kinds\":{%s},"
          "\"rss_kib\":{\"base\":%llu,\"hosts\":%llu,\"connected\":%llu,\"post_ramp\":%llu,\"max_after\":%llu},"
          "\"relay_rss_kib\":{\"base\":%llu,\"connected\":%llu,\"post_ramp\":%llu,\"max_after\":%llu},"
          "\"kib_per_host\":%.1f,\"kib_per_connection\":%.1f,\"kib_per_stream\":%.1f,"
          "\"harness_kib_per_stream\":%.1f,\"relay_kib_per_circuit\":%.1f,\"relay_kib_per_circuit_busy\":%.1f,"
          "\"rss_growth\":%.4f,\"relay_rss_growth\":%.4f,\"rss_stable\":%s,\"rss_checked\":%s,\"asan\":%s,"
          "\"relay\":\"%s\",\"loadavg\":[%.2f,%.2f,%.2f],\"samples\":[%s]}\n",
          ok_ ? "true" : "false", n, o_.streams, streams, data_secs_, ull(o_.rate), connect_secs_, ull(bytes_),
          mbytes / std::max(data_secs_, 1e-9), ull(errors_), joined_errors().c_str(), error_kinds_json().c_str(), ull(rss_base_), ull(rss_hosts_),
          ull(rss_conns_), ull(rss_post_ramp_), ull(max_after), ull(relay_base_), ull(relay_conns_),
          ull(relay_post_ramp_), ull(relay_max_after), kib_per_host, kib_per_conn, kib_per_stream,
          harness_kib_per_stream, relay_kib_per_circuit, relay_kib_per_circuit_busy, growth, relay_growth, stable ? "true" : "false",
          checked ? "true" : "false", asan ? "true" : "false", relay_stats.c_str(), loadavg[0], loadavg[1],
          loadavg[2], s.c_str());
    } else {
      std::printf("lp2p-soak: %zu peers x %d streams through one relay, %.1f s of data (%llu B/s per stream and "
                  "direction)\n",
                  n, o_.streams, data_secs_, ull(o_.rate));
      std::printf("  connect   %zu relayed connections in %.2f s\n", n, connect_secs_);
      std::printf("  data      %.1f MiB verified end to end (%.2f MiB/s), errors %llu\n", mbytes,
                  mbytes / std::max(data_secs_, 1e-9), ull(errors_));
      for (const auto& e : first_errors_) std::printf("    error: %s\n", e.c_str());
      for (const auto& [k, v] : error_kinds_) std::printf("    %8llu x %s\n", ull(v), k.c_str());
      std::printf("  RSS       this process: base %.1f, hosts %.1f, connected %.1f, post-ramp %.1f, max after %.1f MiB "
                  "(%+.1f%%)\n",
                  mib(rss_base_), mib(rss_hosts_), mib(rss_conns_), mib(rss_post_ramp_), mib(max_after), growth * 100);
      std::printf("            relay: base %.1f, connected %.1f, post-ramp %.1f, max after %.1f MiB (%+.1f%%)\n",
                  mib(relay_base_), mib(relay_conns_), mib(relay_post_ramp_), mib(relay_max_after), relay_growth * 100);
      std::printf("  memory    per host %.1f KiB; per relayed connection (dialer's relay connection + both ends of "
                  "the relayed one) %.1f KiB;\n            per stream (both ends, data in flight, without the test's "
                  "%.0f KiB of buffers) %.1f KiB\n",
                  kib_per_host, kib_per_conn, harness_kib_per_stream, kib_per_stream);
      std::printf("            relay: per circuit (its 2 connections + the circuit) idle %.1f KiB, carrying data %.1f KiB\n",
                  relay_kib_per_circuit, relay_kib_per_circuit_busy);
      std::printf("  RSS %s%s; relay %s; load average %.2f %.2f %.2f\n", stable ? "stable" : "NOT stable",
                  checked ? "" : (asan ? " (not checked under ASan)" : " (not checked)"), relay_stats.c_str(),
                  loadavg[0], loadavg[1], loadavg[2]);
      std::printf("%s\n", ok_ ? "PASS" : "FAIL");
    }
    std::fflush(stdout);
  }

  bool ok() const noexcept { return ok_; }

 private:
  static unsigned long long ull(std::uint64_t v) { return static_cast<unsigned long long>(v); }
  template <class... A>
  static std::string fmt(const char* f, A... a) {
    char buf[512];
    std::snprintf(buf, sizeof buf, f, a...);
    return buf;
  }
  static std::string fmt1(double v) { return fmt("%.1f", v); }
  std::string error_kinds_json() const {
    std::string s;
    for (const auto& [k, v] : error_kinds_) {
      std::string q;
      for (char c : k) q += (c == '"' || c == '\\') ? '\'' : c;
      s += (s.empty() ? "\"" : ",\"") + q + "\":" + std::to_string(v);
    }
    return s;
  }
  std::string joined_errors() const {
    std::string s;
    for (const auto& e : first_errors_) {
      std::string q;
      for (char c : e) q += (c == '"' || c == '\\') ? '\'' : c;
      s += (s.empty() ? "\"" : ",\"") + q + "\"";
    }
    return s;
  }
  void progress(const std::string& s) const {
    std::fprintf(stderr, "lp2p-soak [%6.1f s]: %s\n", secs(Clock::now() - t0_), s.c_str());
  }
  void error(const std::string& e) {
    ++errors_;
    // Grouped by kind: numbers and PeerIds left out.
    static const std::regex ids("12D3KooW[1-9A-HJ-NP-Za-km-z]+|[0-9]+");
    ++error_kinds_[std::regex_replace(e, ids, "#")];
    if (first_errors_.size() < 10) first_errors_.push_back(e);
    if (errors_ <= 10) progress("ERROR " + e);
  }
  void fail(const std::string& e) {
    error(e);
    done_ = false;
  }

  void take_sample() {
    Sample s{secs(Clock::now() - data_start_), soak::rss_kib(), soak::rss_kib(relay_pid), bytes_};
    samples_.push_back(s);
    progress(fmt("data %5.1f s: %9.1f MiB verified, RSS %.1f MiB, relay %.1f MiB, errors %llu", s.t,
                 static_cast<double>(s.bytes) / (1024.0 * 1024.0), mib(s.rss_kib), mib(s.relay_rss_kib), ull(errors_)));
  }

  /// Drains a host's events; a connection lost or a failed ping before shutdown is an error.
  void watch(Host& h, const char* who) {
    asio::co_spawn(
        ioc_,
        [this, &h, who]() -> asio::awaitable<void> {
          for (;;) {
            auto ev = co_await h.next_event();
            if (!ev) co_return;
            if (stopping_) continue;
            if (auto* c = std::get_if<ConnectionClosed>(&*ev))
              error(std::string(who) + ": connection to " + c->connection.peer.to_base58() + " closed: " +
                    c->reason.message());
            else if (auto* f = std::get_if<PingFailed>(&*ev))
              error(std::string(who) + ": ping failed: " + f->error.message());
            else if (auto* o = std::get_if<OutgoingConnectionFailed>(&*ev))
              error(std::string(who) + ": dial failed: " + o->error.message() + " " + o->detail);
            else if (auto* in = std::get_if<IncomingConnectionFailed>(&*ev))
              error(std::string(who) + ": incoming connection failed: " + in->error.message() + " " + in->detail);
          }
        },
        asio::detached);
  }

  asio::awaitable<void> connect(std::size_t i) {
    auto& h = *peers_[i];
    if (auto r = co_await h.start(); !r) co_return error("peer start: " + r.error().message());
    auto c = co_await h.dial(*circuit_);
    if (!c) co_return error("peer " + std::to_string(i) + " dial: " + c.error().message());
    if (!c->relayed) error("peer " + std::to_string(i) + ": connection is not relayed");
  }

  asio::awaitable<void> open_and_run(std::size_t peer, std::size_t index) {
    ++active_;
    std::vector<std::string> protocols;
    protocols.emplace_back(soak_protocol);
    auto s = co_await peers_[peer]->open_stream(listener_->id(), std::move(protocols));
    if (!s) {
      --active_;
      co_return error("open_stream: " + s.error().message());
    }
    auto stream = std::make_shared<Stream>(std::move(*s));
    // The header names the stream, so the listener knows which pattern to expect and which to send.
    std::uint8_t header[4];
    for (int b = 0; b < 4; ++b) header[b] = static_cast<std::uint8_t>(index >> (8 * b));
    if (auto w = co_await stream->write(BytesView(header, 4)); !w) {
      --active_;
      co_return error("header write: " + w.error().message());
    }
    states_[index].opened = true;
    ++active_;
    asio::co_spawn(ioc_, writer(stream, index, 0), asio::detached);
    co_await reader(stream, index, 1);
  }

  asio::awaitable<void> serve(Stream s) {
    auto stream = std::make_shared<Stream>(std::move(s));
    std::uint8_t header[4];
    std::size_t got = 0;
    while (got < 4) {
      auto r = co_await stream->read_some(std::span<std::uint8_t>(header + got, 4 - got));
      if (!r) co_return error("listener: header read: " + r.error().message());
      got += *r;
    }
    std::size_t index = 0;
    for (int b = 0; b < 4; ++b) index |= static_cast<std::size_t>(header[b]) << (8 * b);
    if (index >= states_.size()) co_return error("listener: bad stream index " + std::to_string(index));
    active_ += 2;
    asio::co_spawn(ioc_, writer(stream, index, 1), asio::detached);
    co_await reader(stream, index, 0);
  }

  /// Sends the pattern of (index, dir) until the deadline, paced at --rate, then half-closes.
  asio::awaitable<void> writer(std::shared_ptr<Stream> s, std::size_t index, int dir) {
    auto& st = states_[index];
    std::mt19937 rng(static_cast<std::uint32_t>(st.seed[dir]));
    std::uniform_int_distribution<std::size_t> size(1, o_.chunk);
    std::vector<std::uint8_t> buf(o_.chunk);
    const auto start = Clock::now();
    while (Clock::now() < deadline_) {
      const std::size_t n = size(rng);
      soak::pattern_fill(st.seed[dir], st.sent[dir], std::span<std::uint8_t>(buf.data(), n));
      auto w = co_await s->write(BytesView(buf.data(), n));
      if (!w) {
        --active_;
        co_return error("stream " + std::to_string(index) + " dir " + std::to_string(dir) + " write: " +
                        w.error().message());
      }
      st.sent[dir] += n;
      if (o_.rate > 0) {
        const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(static_cast<double>(st.sent[dir]) / o_.rate));
        const auto now = Clock::now();
        if (due > now) co_await sleep_for(std::min(due, deadline_) - now);
      }
    }
    if (auto c = co_await s->close_write(); !c)
      error("stream " + std::to_string(index) + " dir " + std::to_string(dir) + " close_write: " + c.error().message());
    --active_;
  }

  /// Reads (index, dir) to EOF, checking every byte against the pattern.
  asio::awaitable<void> reader(std::shared_ptr<Stream> s, std::size_t index, int dir) {
    auto& st = states_[index];
    std::vector<std::uint8_t> buf(read_buffer);
    for (;;) {
      auto r = co_await s->read_some(buf);
      if (!r && r.error() == asio::error::eof) break;
      if (!r) {
        --active_;
        co_return error("stream " + std::to_string(index) + " dir " + std::to_string(dir) + " read: " +
                        r.error().message());
      }
      const std::span<const std::uint8_t> got(buf.data(), *r);
      if (auto at = soak::pattern_mismatch(st.seed[dir], st.received[dir], got); at >= 0) {
        --active_;
        s->reset();
        co_return error("stream " + std::to_string(index) + " dir " + std::to_string(dir) +
                        ": wrong byte at offset " + std::to_string(st.received[dir] + static_cast<std::uint64_t>(at)));
      }
      st.received[dir] += *r;
      bytes_ += *r;
    }
    st.eof[dir] = true;
    --active_;
  }

  asio::io_context& ioc_;
  Options o_;
  Multiaddr relay_addr_;
  std::optional<Multiaddr> circuit_;
  std::unique_ptr<Host> listener_;
  std::vector<std::unique_ptr<Host>> peers_;
  std::vector<StreamState> states_;
  std::vector<Sample> samples_;
  std::vector<std::string> first_errors_;
  std::map<std::string, std::uint64_t> error_kinds_;
  std::uint64_t errors_ = 0, bytes_ = 0;
  std::size_t active_ = 0, post_ramp_index_ = 0;
  bool stopping_ = false, done_ = false, ok_ = false;
  Clock::time_point t0_, data_start_, deadline_;
  double connect_secs_ = 0, data_secs_ = 0;
  std::uint64_t rss_base_ = 0, rss_hosts_ = 0, rss_conns_ = 0, rss_post_ramp_ = 0;
  std::uint64_t relay_base_ = 0, relay_hosts_ = 0, relay_conns_ = 0, relay_post_ramp_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string role;
  pid_t parent = 0;
  std::size_t relay_max_connections = 1024;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--peers") o.peers = std::stoi(value());
      else if (a == "--streams") o.streams = std::stoi(value());
      else if (a == "--duration") o.duration = std::stod(value());
      else if (a == "--rate") o.rate = std::stoull(value());
      else if (a == "--chunk") o.chunk = std::stoull(value());
      else if (a == "--sample") o.sample = std::stod(value());
      else if (a == "--rss-bound") o.rss_bound = std::stod(value());
      else if (a == "--no-rss-check") o.rss_check = false;
      else if (a == "--seed") o.seed = std::stoull(value());
      else if (a == "--json") o.json = true;
      else if (a == "--dial-concurrency") o.dial_concurrency = std::stoi(value());
      else if (a == "--drain-timeout") o.drain_timeout = std::stod(value());
      else if (a == "--role") role = value();
      else if (a == "--parent-pid") parent = static_cast<pid_t>(std::stol(value()));
      else if (a == "--max-connections") relay_max_connections = std::stoull(value());
      else usage("unknown argument " + a);
    } catch (const std::logic_error&) {
      usage("bad value for " + a);
    }
  }
  if (std::getenv("LP2P_LOG") == nullptr) log::set_level(log::Level::warn);
  if (role == "relay") {
    soak::die_with_parent(parent);
    return soak::run_relay(relay_max_connections);
  }
  if (!role.empty()) usage("unknown role " + role);
  if (o.peers < 1 || o.peers > 500 || o.streams < 1 || o.streams > 256 || o.duration <= 0 || o.chunk < 1 ||
      o.sample <= 0 || o.dial_concurrency < 1)
    usage("--peers 1..500, --streams 1..256, --duration > 0, --chunk >= 1");
  std::signal(SIGPIPE, SIG_IGN);

  soak::Child relay;
  if (!relay.start({"--role", "relay", "--max-connections", std::to_string(2 * o.peers + 64)})) {
    std::fprintf(stderr, "lp2p-soak: cannot start the relay process\n");
    return 1;
  }
  auto line = relay.read_line(std::chrono::seconds(30));
  if (!line || line->rfind("RELAY ", 0) != 0) {
    std::fprintf(stderr, "lp2p-soak: the relay did not start (%s)\n", line ? line->c_str() : "no output");
    return 1;
  }

  asio::io_context ioc(1);
  Soak soak(ioc, o, line->substr(6));
  soak.relay_pid = relay.pid();
  // Watchdog: a hang fails the run instead of blocking CI.
  const double budget = o.duration + o.drain_timeout + 60 + 0.5 * o.peers;
  std::thread([budget] {
    std::this_thread::sleep_for(std::chrono::duration<double>(budget));
    std::fprintf(stderr, "lp2p-soak: watchdog: still running after %.0f s, giving up (hang)\n", budget);
    std::_Exit(3);
  }).detach();
  asio::co_spawn(ioc, soak.run(), [&](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::fprintf(stderr, "lp2p-soak: exception: %s\n", ex.what());
      }
    }
    ioc.stop();
  });
  ioc.run();

  relay.kill(SIGTERM);
  std::string stats = "no stats";
  if (auto s = relay.read_line(std::chrono::seconds(10)); s && s->rfind("STATS ", 0) == 0) stats = s->substr(6);
  const int status = relay.wait(std::chrono::seconds(30));
  soak.report(status, stats);
  return soak.ok() ? 0 : 1;
}
