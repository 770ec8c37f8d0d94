// forward: makes an unmodified TCP application reachable through lp2p, like kubo's `ipfs p2p listen` and
// `ipfs p2p forward` (issue 7). Two modes:
//   forward listen --protocol /x/NAME/1.0.0 --target /ip4/127.0.0.1/tcp/16111 --secret-key-seed 1
//                  [--relay-address <relay>/p2p/<relay id>] [--port 40001]
//     accepts lp2p streams of --protocol and connects each to the local TCP --target;
//   forward dial --protocol /x/NAME/1.0.0 --local /ip4/127.0.0.1/tcp/26111 --secret-key-seed 2
//                --peer <relay>/p2p-circuit/p2p/<listener id> | /ip4/A/tcp/P/p2p/<listener id>
//                [--relay-address <relay>/p2p/<relay id>] [--allow-relayed]
//     accepts local TCP connections and carries each over a new stream of --protocol to --peer.
// Identity, relay reservation and hole punching work as in examples/dcutr.cpp. Over a relay, streams are
// only opened once DCUtR gave us a direct connection (Host::open_stream prefers direct connections),
// unless --allow-relayed: relay circuits are limited in time and bytes (rust defaults: 2 min, 128 KiB).
//
// Byte mapping (one TCP connection <-> one stream): data is copied both ways, each write awaited before
// the next read (backpressure: yamux flow control on one side, the TCP window on the other, so a slow
// reader never makes this process buffer more than one 64 KiB chunk per direction); TCP FIN <->
// Stream::close_write (half-close); TCP RST or error <-> Stream::reset.
#include <lp2p/codec/multistream/error.hpp>
#include <lp2p/host/host.hpp>
#include <lp2p/log.hpp>

#include "cli.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/program_options.hpp>

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace po = boost::program_options;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t chunk_size = 64 * 1024;

void say(const std::string& line) { LP2P_LOG(info, "forward") << line; }
void warn(const std::string& line) { LP2P_LOG(warn, "forward") << line; }

/// /ip4/A/tcp/P or /ip6/A/tcp/P as a TCP endpoint.
std::optional<tcp::endpoint> parse_tcp(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto slash = text.find('/', start);
    parts.push_back(text.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 5 || !parts[0].empty() || (parts[1] != "ip4" && parts[1] != "ip6") || parts[3] != "tcp")
    return std::nullopt;
  error_code ec;
  auto ip = asio::ip::make_address(parts[2], ec);
  if (ec || (parts[1] == "ip4") != ip.is_v4()) return std::nullopt;
  if (parts[4].empty() || parts[4].size() > 5 || parts[4].find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  auto port = std::stoul(parts[4]);
  if (port > 65535) return std::nullopt;
  return tcp::endpoint(ip, static_cast<unsigned short>(port));
}

std::string to_multiaddr(const tcp::endpoint& e) {
  return std::string(e.address().is_v4() ? "/ip4/" : "/ip6/") + e.address().to_string() + "/tcp/" +
         std::to_string(e.port());
}

std::string path_of(const lp2p::ConnectionInfo& c) {
  return std::string(c.relayed ? "relayed" : "direct") + " connection " + c.local_addr.to_string() + " <-> " +
         c.remote_addr.to_string();
}

/// One TCP connection joined to one stream. Two copy loops run until both directions ended (FIN each
/// way) or one failed (then both are aborted: RST on the TCP side, reset on the stream).
class Bridge : public std::enable_shared_from_this<Bridge> {
 public:
  Bridge(std::uint64_t id, lp2p::Stream stream, tcp::socket socket, bool dial_side)
      : id_(id), stream_(std::move(stream)), socket_(std::move(socket)), done_(socket_.get_executor()), dial_side_(dial_side) {}

  /// Returns once both copy loops have finished.
  static asio::awaitable<void> run(std::shared_ptr<Bridge> self) {
    auto ex = self->socket_.get_executor();
    asio::co_spawn(ex, tcp_to_stream(self), asio::detached);
    asio::co_spawn(ex, stream_to_tcp(self), asio::detached);
    while (self->running_ > 0) {
      self->done_.expires_at(asio::steady_timer::time_point::max());
      error_code ec;
      co_await self->done_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    const auto& c = self->stream_.connection();
    say(self->tag() + " closed" + (self->aborted_ ? " (aborted)" : "") + ": " + std::to_string(self->to_stream_) +
        " bytes to the peer, " + std::to_string(self->to_tcp_) + " bytes from the peer, over the " +
        (c.relayed ? "relayed" : "direct") + " connection");
    error_code ignored;
    self->socket_.close(ignored);
  }

 private:
  std::string tag() const { return "conn #" + std::to_string(id_); }

  void finished_one() {
    if (--running_ == 0) done_.cancel();
  }

  /// Explains why the stream failed; a relayed connection that ends mid-stream was most likely cut by
  /// the relay's circuit limits.
  std::string stream_failure(const error_code& e) const {
    std::string why = e == asio::error::connection_reset ? "the peer reset the stream" : "the stream failed: " + e.message();
    if (dial_side_ && to_tcp_ == 0 && e == asio::error::connection_reset)
      why += " before sending anything (is the target behind `forward listen` down? its log says)";
    // A relay ends a circuit by resetting it, which reaches us as the same reset: say both.
    if (stream_.connection().relayed)
      why += " (over a relayed connection: if that connection ended too, the relay cut the circuit, most likely"
             " at its circuit limit on time or bytes, or it was closed after a hole punch)";
    return why;
  }

  /// Aborts both directions: RST on the TCP side, reset on the stream.
  void abort(const std::string& why) {
    if (aborted_) return;
    aborted_ = true;
    say(tag() + " aborted: " + why);
    stream_.reset();
    error_code ignored;
    socket_.set_option(asio::socket_base::linger(true, 0), ignored);  // close() then sends RST
    socket_.close(ignored);
  }

  static asio::awaitable<void> tcp_to_stream(std::shared_ptr<Bridge> self) {
    std::vector<std::uint8_t> buf(chunk_size);
    for (;;) {
      error_code ec;
      std::size_t n = co_await self->socket_.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
      if (self->aborted_) break;
      if (ec == asio::error::eof) {  // the TCP side half-closed: FIN on the stream
        auto r = co_await self->stream_.close_write();
        if (!r && !self->aborted_) self->abort(self->stream_failure(r.error()));
        break;
      }
      if (ec) {
        self->abort("the TCP side failed: " + ec.message());
        break;
      }
      auto w = co_await self->stream_.write(lp2p::BytesView(buf.data(), n));
      if (self->aborted_) break;
      if (!w) {
        self->abort(self->stream_failure(w.error()));
        break;
      }
      self->to_stream_ += n;
    }
    self->finished_one();
  }

  static asio::awaitable<void> stream_to_tcp(std::shared_ptr<Bridge> self) {
    std::vector<std::uint8_t> buf(chunk_size);
    for (;;) {
      auto r = co_await self->stream_.read_some(buf);
      if (self->aborted_) break;
      if (!r) {
        if (r.error() == asio::error::eof) {  // the peer half-closed: FIN on the TCP side
          error_code ec;
          self->socket_.shutdown(tcp::socket::shutdown_send, ec);
          if (ec) self->abort("the TCP side failed: " + ec.message());
        } else {
          self->abort(self->stream_failure(r.error()));
        }
        break;
      }
      error_code ec;
      co_await asio::async_write(self->socket_, asio::buffer(buf.data(), *r), asio::redirect_error(asio::use_awaitable, ec));
      if (self->aborted_) break;
      if (ec) {
        self->abort("the TCP side failed: " + ec.message());
        break;
      }
      self->to_tcp_ += *r;
    }
    self->finished_one();
  }

  std::uint64_t id_;
  lp2p::Stream stream_;
  tcp::socket socket_;
  asio::steady_timer done_;
  bool dial_side_;  // we opened the stream (forward dial)
  int running_ = 2;
  bool aborted_ = false;
  std::uint64_t to_stream_ = 0;
  std::uint64_t to_tcp_ = 0;
};

/// Sleeps without throwing.
asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  error_code ec;
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

struct Options {
  std::string mode;
  std::string protocol;
  std::uint8_t seed = 0;
  unsigned port = 0;
  std::optional<lp2p::Multiaddr> relay;
  tcp::endpoint target;  // listen
  tcp::endpoint local;   // dial
  std::optional<lp2p::Multiaddr> peer_addr;
  std::optional<lp2p::PeerId> peer;
  bool allow_relayed = false;
  bool hole_punch = true;
  std::chrono::seconds direct_timeout{30};
  std::chrono::seconds connect_timeout{10};
};

/// State shared by the coroutines of one process (single-threaded).
struct App {
  asio::io_context& ioc;
  Options opt;
  std::unique_ptr<lp2p::Host> host;
  std::uint64_t next_id = 1;
  bool dialing = false;
  bool punch_failed = false;        // dial mode: DCUtR gave up on the current relayed connection
  std::string punch_diagnosis;
  std::string last_dial_failure;

  bool connected(bool direct_only) const {
    for (const auto& c : host->connections())
      if (c.peer == *opt.peer && (!direct_only || !c.relayed)) return true;
    return false;
  }

  // ---- both modes ----------------------------------------------------------------------------------

  /// Logs every host event a node operator needs, and keeps the dial-mode hole-punch state.
  asio::awaitable<void> event_loop() {
    for (;;) {
      auto ev = co_await host->next_event();
      if (!ev) co_return;
      std::visit(
          [&](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, lp2p::ReservationChanged>) {
              if (e.kind == lp2p::ReservationChanged::Kind::accepted || e.kind == lp2p::ReservationChanged::Kind::renewed ||
                  e.kind == lp2p::ReservationChanged::Kind::restored) {
                say("Relay accepted our reservation request (" + std::string(lp2p::to_string(e.kind)) + ")");
                for (const auto& a : e.circuit_addrs) say("Reachable via relay: --peer " + a.to_string());
              } else {
                warn("Reservation " + std::string(lp2p::to_string(e.kind)) + ": " + e.reason);
              }
            } else if constexpr (std::is_same_v<E, lp2p::ConnectionEstablished>) {
              say("Connected to " + e.connection.peer.to_base58() + " over the " + path_of(e.connection));
            } else if constexpr (std::is_same_v<E, lp2p::ConnectionClosed>) {
              say("Connection to " + e.connection.peer.to_base58() + " closed (" + path_of(e.connection) +
                  "): " + e.reason.message() +
                  (e.connection.relayed ? " (relayed connections end at the relay's circuit limits on time or bytes,"
                                          " when the relay goes away, or after a successful hole punch)"
                                        : ""));
            } else if constexpr (std::is_same_v<E, lp2p::HolePunchAttempt>) {
              punch_failed = false;
              say("Hole punch attempt " + std::to_string(e.attempt) + " with " + e.relayed.peer.to_base58());
            } else if constexpr (std::is_same_v<E, lp2p::HolePunchSucceeded>) {
              say("Hole punch succeeded: direct connection " + e.direct.local_addr.to_string() + " <-> " +
                  e.direct.remote_addr.to_string() + " after " + std::to_string(e.attempts) + " attempt(s) in " +
                  std::to_string(e.elapsed.count()) + " ms; new streams use it");
            } else if constexpr (std::is_same_v<E, lp2p::HolePunchFailed>) {
              punch_failed = true;
              punch_diagnosis = e.error.message() + ". " + e.diagnosis;
              warn("Hole punch failed after " + std::to_string(e.attempts) + " attempt(s): " + punch_diagnosis);
            } else if constexpr (std::is_same_v<E, lp2p::OutgoingConnectionFailed>) {
              last_dial_failure = e.detail;
            }
          },
          *ev);
    }
  }

  /// Dials the relay and waits for its identify (our observed address, needed for hole punching).
  asio::awaitable<bool> connect_relay() {
    auto rc = co_await host->dial(*opt.relay);
    if (!rc) {
      warn("cannot reach the relay " + opt.relay->to_string() + ": " + rc.error().message());
      co_return false;
    }
    for (int i = 0; i < 100; ++i) {  // identify normally answers within a round trip
      if (auto seen = host->observations(); !seen.empty()) {
        say("Relay told us our observed address address=" + seen.back().observed.to_string());
        co_return true;
      }
      co_await sleep_for(std::chrono::milliseconds(50));
    }
    say("the relay did not report our observed address within 5 s; hole punching may not work");
    co_return true;
  }

  // ---- listen mode ---------------------------------------------------------------------------------

  /// One inbound stream: connect to the target and bridge, or reset the stream if the target is down.
  asio::awaitable<void> serve_stream(lp2p::Stream stream) {
    const auto id = next_id++;
    const auto from = stream.remote_peer().to_base58();
    const auto path = path_of(stream.connection());
    auto socket = std::make_shared<tcp::socket>(ioc);  // shared with the deadline's handler
    asio::steady_timer deadline(ioc);
    deadline.expires_after(opt.connect_timeout);
    deadline.async_wait([socket](error_code ec) {
      if (!ec) socket->close(ec);
    });
    error_code ec;
    co_await socket->async_connect(opt.target, asio::redirect_error(asio::use_awaitable, ec));
    deadline.cancel();
    if (ec) {
      const auto why = ec == asio::error::operation_aborted ? std::string("timed out") : ec.message();
      warn("conn #" + std::to_string(id) + " from " + from + ": target " + to_multiaddr(opt.target) +
           " refused the connection (" + why + "); resetting the stream");
      stream.reset();
      co_return;
    }
    say("conn #" + std::to_string(id) + " from " + from + " over the " + path + " -> target " + to_multiaddr(opt.target));
    socket->set_option(tcp::no_delay(true), ec);
    auto bridge = std::make_shared<Bridge>(id, std::move(stream), std::move(*socket), false);
    co_await Bridge::run(bridge);
  }

  asio::awaitable<void> run_listen() {
    host->set_handler(opt.protocol, [this](lp2p::Stream s) { return serve_stream(std::move(s)); });
    if (opt.relay) {
      if (!co_await connect_relay()) {
        ioc.stop();
        co_return;
      }
      auto r = co_await host->listen_via_relay(*opt.relay);
      if (!r) warn("reservation at the relay failed: " + r.error().message() + " (retrying in the background)");
    }
    say("forward listen ready: protocol " + opt.protocol + " -> target " + to_multiaddr(opt.target));
    co_await event_loop();
  }

  // ---- dial mode -----------------------------------------------------------------------------------

  /// Makes sure we have a connection to the peer (one dial at a time; concurrent callers wait for it).
  asio::awaitable<lp2p::result<void>> ensure_connected() {
    for (;;) {
      if (connected(false)) co_return lp2p::result<void>{};
      if (!dialing) {
        dialing = true;
        auto r = co_await host->dial(*opt.peer_addr);
        dialing = false;
        if (!r) co_return r.error();
        continue;
      }
      co_await sleep_for(std::chrono::milliseconds(50));
    }
  }

  /// Waits for a direct connection (hole punch); false if it did not come.
  asio::awaitable<bool> wait_direct() {
    const auto until = std::chrono::steady_clock::now() + opt.direct_timeout;
    while (!connected(true)) {
      if (punch_failed || std::chrono::steady_clock::now() >= until) co_return false;
      if (!connected(false)) co_return false;
      co_await sleep_for(std::chrono::milliseconds(50));
    }
    co_return true;
  }

  /// One local TCP connection: open a stream to the peer and bridge.
  asio::awaitable<void> serve_socket(tcp::socket socket) {
    const auto id = next_id++;
    const auto tag = "conn #" + std::to_string(id);
    auto refuse = [&socket] {  // RST: the local application sees the failure at once
      error_code ignored;
      socket.set_option(asio::socket_base::linger(true, 0), ignored);
      socket.close(ignored);
    };
    auto c = co_await ensure_connected();
    if (!c) {
      warn(tag + ": peer " + opt.peer_addr->to_string() + " is unreachable: " +
           (last_dial_failure.empty() ? c.error().message() : last_dial_failure) + "; closing the local connection");
      refuse();
      co_return;
    }
    if (!opt.allow_relayed && !connected(true)) {
      say(tag + ": waiting up to " + std::to_string(opt.direct_timeout.count()) +
          " s for a direct connection (hole punch) to " + opt.peer->to_base58());
      if (!co_await wait_direct()) {
        warn(tag + ": no direct connection to " + opt.peer->to_base58() +
             (punch_failed ? " (hole punch failed: " + punch_diagnosis + ")" : std::string(" (hole punch did not succeed in time)")) +
             "; not carrying it over the relay (its circuits are limited): pass --allow-relayed to accept that."
             " Closing the local connection");
        refuse();
        co_return;
      }
    }
    std::vector<std::string> protocols{opt.protocol};
    auto s = co_await host->open_stream(*opt.peer, std::move(protocols));
    if (!s) {
      if (s.error() == lp2p::multistream::error::protocol_not_supported)
        warn(tag + ": peer " + opt.peer->to_base58() + " refused protocol " + opt.protocol +
             " (multistream: protocol_not_supported); is `forward listen --protocol " + opt.protocol +
             "` running there? Closing the local connection");
      else if (s.error() == asio::error::connection_reset)
        warn(tag + ": the peer reset the stream at once (is the target behind `forward listen` down? its log"
             " says); closing the local connection");
      else
        warn(tag + ": cannot open a stream to " + opt.peer->to_base58() + ": " + s.error().message() +
             "; closing the local connection");
      refuse();
      co_return;
    }
    if (s->connection().relayed && !opt.allow_relayed) {  // the direct connection died meanwhile
      warn(tag + ": only a relayed connection to " + opt.peer->to_base58() +
           " is left; not carrying it over the relay (pass --allow-relayed). Closing the local connection");
      s->reset();
      refuse();
      co_return;
    }
    say(tag + " -> " + opt.peer->to_base58() + " over the " + path_of(s->connection()) +
        (s->connection().relayed ? " (relayed: limited by the relay's circuit limits)" : ""));
    auto bridge = std::make_shared<Bridge>(id, std::move(*s), std::move(socket), true);
    co_await Bridge::run(bridge);
  }

  asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor) {
    for (;;) {
      error_code ec;
      tcp::socket socket = co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted) co_return;
        warn("accept failed: " + ec.message());
        co_await sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(ioc, serve_socket(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> run_dial() {
    auto acceptor = std::make_shared<tcp::acceptor>(ioc);
    error_code ec;
    acceptor->open(opt.local.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(opt.local, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      warn("cannot listen on " + to_multiaddr(opt.local) + ": " + ec.message());
      ioc.stop();
      co_return;
    }
    asio::co_spawn(ioc, event_loop(), asio::detached);
    if (opt.relay && !co_await connect_relay()) {
      ioc.stop();
      co_return;
    }
    // Connect now, so a hole punch can finish before the first local connection arrives.
    auto c = co_await ensure_connected();
    if (!c)
      warn("peer " + opt.peer_addr->to_string() + " is unreachable for now: " +
           (last_dial_failure.empty() ? c.error().message() : last_dial_failure) + " (will retry per local connection)");
    say("forward dial ready: " + to_multiaddr(acceptor->local_endpoint()) + " -> " + opt.peer->to_base58() +
        " protocol " + opt.protocol);
    co_await accept_loop(acceptor);
  }
};

}  // namespace

int main(int argc, char** argv) {
  po::options_description desc("forward [listen|dial] options");
  desc.add_options()("help", "show this help")("mode", po::value<std::string>(), "listen or dial (or the first argument)")(
      "protocol", po::value<std::string>()->required(), "the stream protocol, e.g. /x/kaspa/1.0.0")(
      "secret-key-seed", po::value<unsigned>()->required(), "identity: Ed25519 secret [N, 0, ..., 0] (0-255)")(
      "relay-address", po::value<std::string>(), "a relay, ending in /p2p/<relay id>")(
      "port", po::value<unsigned>()->default_value(0), "lp2p TCP port to listen on (0: any)")(
      "target", po::value<std::string>(), "listen: the local TCP service, /ip4/127.0.0.1/tcp/16111")(
      "local", po::value<std::string>(), "dial: where local applications connect, /ip4/127.0.0.1/tcp/26111")(
      "peer", po::value<std::string>(), "dial: <relay>/p2p-circuit/p2p/<id> or /ip4/A/tcp/P/p2p/<id>")(
      "allow-relayed", po::bool_switch(), "dial: carry connections over the relay until a hole punch succeeds")(
      "no-hole-punch", po::bool_switch(), "disable DCUtR (connections stay relayed)")(
      "direct-timeout", po::value<unsigned>()->default_value(30), "dial: seconds a connection waits for the hole punch")(
      "connect-timeout", po::value<unsigned>()->default_value(10), "listen: seconds to connect to the target");
  po::positional_options_description pos;
  pos.add("mode", 1);
  po::variables_map vm;
  const lp2p::examples::Cli cli{
      .program = "forward",
      .usage = "usage: forward listen --protocol P --target /ip4/127.0.0.1/tcp/16111 --secret-key-seed N\n"
               "       forward dial --protocol P --local /ip4/127.0.0.1/tcp/26111 --peer ADDR --secret-key-seed N\n",
      .positional = &pos};
  if (const auto exit_code = lp2p::examples::parse_command_line(argc, argv, desc, vm, cli)) return *exit_code;
  auto fail = [](const std::string& why) {
    std::cerr << "forward: " << why << "\n";
    return 2;
  };
  Options opt;
  opt.mode = vm.count("mode") ? vm["mode"].as<std::string>() : "";
  if (opt.mode != "listen" && opt.mode != "dial") return fail("the mode must be 'listen' or 'dial'");
  opt.protocol = vm["protocol"].as<std::string>();
  if (opt.protocol.empty() || opt.protocol[0] != '/' || opt.protocol.find('\n') != std::string::npos)
    return fail("--protocol must start with '/', e.g. /x/kaspa/1.0.0");
  if (vm["secret-key-seed"].as<unsigned>() > 255) return fail("--secret-key-seed must be 0-255");
  opt.seed = static_cast<std::uint8_t>(vm["secret-key-seed"].as<unsigned>());
  opt.port = vm["port"].as<unsigned>();
  if (opt.port > 65535) return fail("--port must be 0-65535");
  opt.allow_relayed = vm["allow-relayed"].as<bool>();
  opt.hole_punch = !vm["no-hole-punch"].as<bool>();
  opt.direct_timeout = std::chrono::seconds(vm["direct-timeout"].as<unsigned>());
  opt.connect_timeout = std::chrono::seconds(std::max(1u, vm["connect-timeout"].as<unsigned>()));
  std::string why;
  if (vm.count("relay-address")) {
    auto r = lp2p::Multiaddr::parse(vm["relay-address"].as<std::string>(), &why);
    if (!r || !r->peer_id()) return fail("--relay-address must be a multiaddr ending in /p2p/<relay id>" + (why.empty() ? "" : ": " + why));
    opt.relay = *r;
  }
  if (opt.mode == "listen") {
    auto t = vm.count("target") ? parse_tcp(vm["target"].as<std::string>()) : std::nullopt;
    if (!t) return fail("listen needs --target /ip4/A/tcp/P (or /ip6/A/tcp/P)");
    opt.target = *t;
  } else {
    auto l = vm.count("local") ? parse_tcp(vm["local"].as<std::string>()) : std::nullopt;
    if (!l) return fail("dial needs --local /ip4/A/tcp/P (or /ip6/A/tcp/P)");
    opt.local = *l;
    if (!vm.count("peer")) return fail("dial needs --peer <relay>/p2p-circuit/p2p/<id> or /ip4/A/tcp/P/p2p/<id>");
    auto p = lp2p::Multiaddr::parse(vm["peer"].as<std::string>(), &why);
    if (!p || !p->peer_id()) return fail("--peer must be a multiaddr ending in /p2p/<peer id>" + (why.empty() ? "" : ": " + why));
    opt.peer_addr = *p;
    opt.peer = *p->peer_id();
    // A circuit address names its relay: use it for the observed address unless --relay-address was given.
    const auto text = p->to_string();
    if (auto cut = text.find("/p2p-circuit"); cut != std::string::npos && !opt.relay) {
      auto r = lp2p::Multiaddr::parse(text.substr(0, cut));
      if (r && r->peer_id()) opt.relay = *r;
    }
  }

  lp2p::HostConfig cfg;
  cfg.identity = lp2p::Keypair::from_secret_key_seed(opt.seed);
  cfg.protocol_version = "/TODO/0.0.1";
  cfg.listen = {lp2p::Multiaddr::parse("/ip4/0.0.0.0/tcp/" + std::to_string(opt.port)).value()};
  cfg.dcutr.enabled = opt.hole_punch;

  asio::io_context ioc(1);
  auto host = lp2p::Host::create(ioc.get_executor(), std::move(cfg));
  if (!host) return fail("cannot create the host: " + host.error().message());
  App app{ioc, std::move(opt), std::move(*host)};
  int status = 0;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        if (auto r = co_await app.host->start(); !r) {
          warn("cannot listen: " + r.error().message());
          status = 1;
          ioc.stop();
          co_return;
        }
        say("Local peer id: " + app.host->id().to_base58());
        for (const auto& a : app.host->listen_addrs())
          say("Listening on address address=" + a.to_string() + "/p2p/" + app.host->id().to_base58());
        if (app.opt.mode == "listen")
          co_await app.run_listen();
        else
          co_await app.run_dial();
      },
      [&](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { ioc.stop(); });
  ioc.run();
  return status;
}
