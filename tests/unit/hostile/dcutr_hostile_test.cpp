// Hostile DCUtR peers (issue #6 item 3): garbage, oversized messages and CONNECTs listing hundreds or
// thousands of addresses, against a real lp2p Host in both DCUtR roles. The hostile side is an lp2p Host
// with its own DCUtR service off, which writes the /libp2p/dcutr bytes itself over a real relayed
// connection (relay, circuit, Noise and yamux are all real). The punch targets are a TCP acceptor of the
// test bound to 0.0.0.0, reached through many distinct 127.0.x.y addresses, so the test counts exactly how
// many dials the victim made.
#include "lp2p/codec/dcutr/holepunch_message.hpp"
#include "protocol/builtin.hpp"
#include "raw_peer.hpp"
#include "support/host_helpers.hpp"
#include "support/log_capture.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

using namespace lp2p;
using namespace lp2p::test;     // raw_peer.hpp, run_coro, LogCapture
using namespace lp2p::testing;  // support/host_helpers.hpp
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

HostConfig host_config(std::uint8_t seed, bool dcutr) {
  auto cfg = loopback_config(seed);
  cfg.ping.enabled = false;
  cfg.dcutr.enabled = dcutr;
  cfg.dcutr.max_attempts = 1;
  cfg.dcutr.attempt_timeout = 1500ms;
  cfg.timeouts.upgrade = 1000ms;  // punch dials land on our silent acceptor and time out
  return cfg;
}

/// Accepts and counts connections on 0.0.0.0:<port> (never answering them) until stopped.
struct PunchTarget {
  asio::ip::tcp::acceptor acceptor;
  std::size_t accepted = 0;
  explicit PunchTarget(asio::io_context& ioc)
      : acceptor(ioc, asio::ip::tcp::endpoint(asio::ip::address_v4::any(), 0)) {}
  std::uint16_t port() const { return acceptor.local_endpoint().port(); }
  void start() {
    // The lambda goes to co_spawn (which keeps it alive), not invoked in place.
    asio::co_spawn(acceptor.get_executor(), [this]() -> asio::awaitable<void> {
      for (;;) {
        auto r = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (std::get<0>(r)) co_return;
        ++accepted;  // the socket closes here: the dialer's upgrade fails
      }
    }, asio::detached);
  }
  /// `n` distinct addresses that all reach this acceptor: /ip4/127.0.<i/250+1>.<i%250+1>/tcp/<port>.
  std::vector<Bytes> addresses(std::size_t n) const {
    std::vector<Bytes> out;
    for (std::size_t i = 0; i < n; ++i) {
      auto a = Multiaddr::parse("/ip4/127.0." + std::to_string(i / 250 + 1) + "." + std::to_string(i % 250 + 1) +
                                "/tcp/" + std::to_string(port()));
      out.push_back(a.value().bytes());
    }
    return out;
  }
};

void put_uvarint(Bytes& out, std::size_t n) {
  while (n >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(n | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(n));
}

/// A CONNECT body built by hand (type = 100, then field 2 per address): dcutr::encode refuses to build
/// one above the 4096-byte limit, and the hostile side wants to.
Bytes connect_body(const std::vector<Bytes>& addrs) {
  Bytes out{0x08, 0x64};
  for (const auto& a : addrs) {
    out.push_back(0x12);
    put_uvarint(out, a.size());
    out.insert(out.end(), a.begin(), a.end());
  }
  return out;
}

/// The uvarint-framed message exactly as `body` (no size check: the hostile side may exceed the limit).
Bytes framed(const Bytes& body) {
  Bytes out;
  put_uvarint(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::optional<ConnectionInfo> relayed_of(const Host& h) {
  for (const auto& c : h.connections())
    if (c.relayed) return c;
  return std::nullopt;
}

/// relay + two hosts; `attacker` dials `victim` (or the reverse) through the relay.
struct Lab {
  std::unique_ptr<Host> relay, victim, attacker;
  explicit Lab(asio::io_context& c) {
    auto rcfg = host_config(0, false);
    rcfg.relay_server.enabled = true;
    relay = Host::create(c.get_executor(), rcfg).value();
    victim = Host::create(c.get_executor(), host_config(1, true)).value();
    attacker = Host::create(c.get_executor(), host_config(2, false)).value();
  }
  /// Starts everything and makes the relayed connection. The listener side reserves first; the victim has
  /// an observed address (from the relay's identify) so that it has candidates to offer.
  asio::awaitable<void> start(bool victim_dials) {
    co_await start_all(*relay, *victim, *attacker);
    Host& listener = victim_dials ? *attacker : *victim;
    Host& dialer = victim_dials ? *victim : *attacker;
    auto r = co_await listener.listen_via_relay(dial_addr(*relay));
    REQUIRE_OK(r);
    auto d = co_await dialer.dial(dial_addr(*relay));  // direct: identify tells it its address
    REQUIRE_OK(d);
    const bool observed = co_await eventually([&] { return !victim->observations().empty(); });
    REQUIRE(observed);
    auto c = co_await dialer.dial(circuit_to(*relay, listener.id()));
    REQUIRE_OK(c);
    const bool both = co_await eventually([&] { return relayed_of(*victim) && relayed_of(*attacker); });
    REQUIRE(both);
  }
  asio::awaitable<void> stop() {
    co_await stop_all(*attacker, *victim, *relay);
  }
};

}  // namespace

TEST_CASE("hostile dcutr: the dialing side (A) refuses garbage, oversized and address-stuffed CONNECTs",
          "[hostile][dcutr]") {
  asio::io_context ioc;
  Lab lab(ioc);
  PunchTarget target(ioc);
  target.start();
  LogCapture logs(log::Level::info);
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await lab.start(/*victim_dials=*/true);
    const auto at_victim = relayed_of(*lab.victim).value();
    const auto at_attacker = relayed_of(*lab.attacker).value();
    CHECK(at_victim.direction == Direction::outbound);  // the victim is A, who answers CONNECT
    const auto streams_before = lab.victim->stream_count(at_victim.id);
    const auto connections_before = lab.victim->connections().size();

    // Sends `bytes` on a fresh DCUtR stream and returns how the victim ended the stream.
    auto send_and_read = [&](Bytes bytes) -> asio::awaitable<error_code> {
      std::vector<std::string> protocols{std::string(dcutr::protocol_id)};
      auto s = co_await lab.attacker->open_stream_on(at_attacker.id, std::move(protocols));
      REQUIRE_OK(s);
      auto w = co_await s->write(bytes);
      REQUIRE_OK(w);
      std::vector<std::uint8_t> buf(8192);
      for (;;) {
        auto r = co_await io::with_timeout(s->read_some(buf), 5s);
        if (!r) co_return r.error();
      }
    };

    {  // protobuf garbage
      const Bytes junk{0xff, 0xff, 0xff, 0xff, 0x0f, 0x01};
      const auto ended = co_await send_and_read(framed(junk));
      INFO("stream ended with " << ended.message());
      CHECK(ended == asio::error::connection_reset);
      CHECK(logs.contains("CONNECT from " + lab.attacker->id().to_base58() + " rejected"));
    }
    {  // thousands of addresses: 2000 × 10 bytes, far past the 4096-byte message limit
      const auto body = connect_body(target.addresses(2000));
      CHECK(body.size() > dcutr::max_message_size);
      const auto ended = co_await send_and_read(framed(body));
      CHECK(ended == asio::error::connection_reset);
      CHECK(logs.contains(error_code(io::error::frame_too_large).message()));
    }
    (void)co_await io::sleep_for(200ms);
    CHECK(target.accepted == 0);  // neither made it dial anything
    {  // 400 addresses in one valid 4 KiB CONNECT, then SYNC: at most max_punch_dials are dialed
      const auto body = connect_body(target.addresses(400));
      CHECK(body.size() <= dcutr::max_message_size);
      std::vector<std::string> protocols{std::string(dcutr::protocol_id)};
      auto s = co_await lab.attacker->open_stream_on(at_attacker.id, std::move(protocols));
      REQUIRE_OK(s);
      auto w = co_await protocol::write_frame(*s, body);
      REQUIRE_OK(w);
      auto reply = co_await io::with_timeout(protocol::read_frame(*s, dcutr::max_message_size), 5s);
      REQUIRE_OK(reply);
      auto msg = dcutr::decode(*reply);
      REQUIRE_OK(msg);
      CHECK(msg->type == dcutr::HolePunchMessage::Type::connect);
      dcutr::HolePunchMessage sync;
      sync.type = dcutr::HolePunchMessage::Type::sync;
      auto w2 = co_await protocol::write_frame(*s, dcutr::encode(sync).value());
      REQUIRE_OK(w2);
      (void)co_await io::sleep_for(2500ms);  // the whole punch (attempt_timeout 1.5 s) is over
      INFO(logs.text());
      CHECK(target.accepted == HostConfig::Dcutr{}.max_punch_dials);
      CHECK(logs.contains("sent 400 addresses (64 kept after filtering); dialing the first 8"));
    }
    // The relayed connection is intact and its DCUtR streams are gone; no connection was added.
    CHECK(lab.victim->connection(at_victim.id).has_value());
    const bool idle = co_await eventually([&] { return lab.victim->stream_count(at_victim.id) <= streams_before; });
    CHECK(idle);
    CHECK(lab.victim->connections().size() == connections_before);
    co_await lab.stop();
  }(), std::chrono::seconds(30));
}

TEST_CASE("hostile dcutr: the listening side (B) gives up on a garbage, oversized or stuffed reply",
          "[hostile][dcutr]") {
  enum class Reply { garbage, oversized, stuffed };
  for (auto mode : {Reply::garbage, Reply::oversized, Reply::stuffed}) {
    INFO("reply " << static_cast<int>(mode));
    asio::io_context ioc;
    Lab lab(ioc);
    PunchTarget target(ioc);
    target.start();
    // The attacker answers the victim's CONNECT itself.
    lab.attacker->set_handler(std::string(dcutr::protocol_id), [&target, mode](Stream s) -> asio::awaitable<void> {
      auto connect = co_await protocol::read_frame(s, dcutr::max_message_size);
      if (!connect) co_return;
      if (mode == Reply::garbage) {
        const Bytes junk{0x08, 0x64, 0x12, 0xff, 0xff, 0xff, 0x0f};  // CONNECT, then an addr overrunning the body
        (void)co_await s.write(framed(junk));
      } else if (mode == Reply::oversized) {
        (void)co_await s.write(framed(connect_body(target.addresses(2000))));
      } else {
        (void)co_await protocol::write_frame(s, connect_body(target.addresses(400)));
        (void)co_await protocol::read_frame(s, dcutr::max_message_size);  // SYNC
      }
      (void)co_await s.close_write();
      std::vector<std::uint8_t> buf(64);
      while (co_await s.read_some(buf)) {
      }
    });
    std::optional<HolePunchFailed> failed;
    std::optional<HolePunchAttempt> attempt;
    lab.victim->add_observer([&](const HostEvent& ev) {
      if (auto* f = std::get_if<HolePunchFailed>(&ev)) failed = *f;
      if (auto* a = std::get_if<HolePunchAttempt>(&ev)) attempt = *a;
    });
    run_coro(ioc, [&]() -> asio::awaitable<void> {
      co_await lab.start(/*victim_dials=*/false);
      const auto at_victim = relayed_of(*lab.victim).value();
      CHECK(at_victim.direction == Direction::inbound);  // the victim is B, who starts DCUtR
      const bool done = co_await eventually([&] { return failed.has_value(); }, 5s);
      REQUIRE(done);
      INFO("error: " << failed->error.message());
      CHECK(failed->attempts == 1);
      if (mode == Reply::garbage) {
        CHECK(failed->error == condition::protocol_violation);
        CHECK_FALSE(attempt);
      } else if (mode == Reply::oversized) {
        CHECK(failed->error == io::error::frame_too_large);
        CHECK_FALSE(attempt);
      } else {
        REQUIRE(attempt);
        CHECK(attempt->remote_addrs.size() == HostConfig::Dcutr{}.max_punch_dials);
        CHECK(target.accepted <= HostConfig::Dcutr{}.max_punch_dials);
        CHECK(target.accepted >= 1);
      }
      CHECK(lab.victim->connection(at_victim.id).has_value());  // the relayed connection remains usable
      co_await lab.stop();
    }(), std::chrono::seconds(30));
  }
}
