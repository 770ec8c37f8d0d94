// Circuit Relay v2 and DCUtR on loopback with three lp2p hosts: a relay, a listener that reserves a
// slot, and a dialer that connects through /p2p-circuit. No NAT here (see tests/natlab for that).
#include "lp2p/host/host.hpp"

#include "lp2p/codec/relay/error.hpp"
#include "support/check.hpp"
#include "support/host_helpers.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

using namespace lp2p;
using lp2p::testing::wait_for;
namespace asio = boost::asio;

namespace {

HostConfig make_config(std::uint8_t seed) {
  HostConfig cfg;
  cfg.identity = Keypair::from_secret_key_seed(seed);
  cfg.listen = {Multiaddr::parse("/ip4/127.0.0.1/tcp/0").value()};
  cfg.ping.enabled = false;
  return cfg;
}


asio::awaitable<void> echo(Stream s) {
  std::vector<std::uint8_t> buf(16 * 1024);
  for (;;) {
    auto n = co_await s.read_some(buf);
    if (!n) break;
    if (!co_await s.write(BytesView(buf.data(), *n))) co_return;
  }
  (void)co_await s.close_write();
}

Multiaddr circuit_to(const Host& relay, const PeerId& dst) {
  return relay.listen_addrs().at(0).with_peer_id(relay.id()).encapsulate(Multiaddr::parse("/p2p-circuit").value()).with_peer_id(dst);
}

}  // namespace

TEST_CASE("reserve, dial through the relay, echo over the circuit", "[relay][integration]") {
  asio::io_context ioc;
  auto rcfg = make_config(0);
  rcfg.relay_server.enabled = true;
  auto relay = Host::create(ioc.get_executor(), rcfg).value();
  auto lcfg = make_config(1);
  lcfg.dcutr.enabled = false;  // keep the connection relayed for this test
  auto listener = Host::create(ioc.get_executor(), lcfg).value();
  auto dcfg = make_config(2);
  dcfg.dcutr.enabled = false;
  auto dialer = Host::create(ioc.get_executor(), dcfg).value();
  listener->set_handler("/echo/1.0.0", echo);
  bool ok = false;
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    for (auto* h : {relay.get(), listener.get(), dialer.get()}) {
      auto r = co_await h->start();
      REQUIRE_OK(r);
    }
    auto reserved = co_await listener->listen_via_relay(relay->listen_addrs().at(0).with_peer_id(relay->id()));
    REQUIRE_OK(reserved);
    auto ev = co_await wait_for<ReservationChanged>(*listener);
    CHECK(ev.kind == ReservationChanged::Kind::accepted);
    REQUIRE_FALSE(ev.circuit_addrs.empty());
    CHECK(ev.circuit_addrs[0].to_string().find("/p2p-circuit/p2p/" + listener->id().to_base58()) != std::string::npos);

    auto c = co_await dialer->dial(circuit_to(*relay, listener->id()));
    REQUIRE_OK(c);
    CHECK(c->relayed);
    CHECK(c->peer == listener->id());
    std::vector<std::string> protos{"/echo/1.0.0"};
    auto s = co_await dialer->open_stream(listener->id(), std::move(protos));
    REQUIRE_OK(s);
    CHECK(s->connection().relayed);
    const std::string msg = "through the relay";
    auto w = co_await s->write(as_bytes(msg));
    REQUIRE_OK(w);
    auto f = co_await s->close_write();
    REQUIRE_OK(f);
    std::string back;
    std::vector<std::uint8_t> buf(256);
    for (;;) {
      auto n = co_await s->read_some(buf);
      if (!n) break;
      back.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
    CHECK(back == msg);
    ok = back == msg;
    co_await dialer->stop();
    co_await listener->stop();
    co_await relay->stop();
  }(), std::chrono::seconds(20));
  CHECK(ok);
}

TEST_CASE("dialing a peer without a reservation explains NO_RESERVATION", "[relay][integration]") {
  asio::io_context ioc;
  auto rcfg = make_config(0);
  rcfg.relay_server.enabled = true;
  auto relay = Host::create(ioc.get_executor(), rcfg).value();
  auto dialer = Host::create(ioc.get_executor(), make_config(2)).value();
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    auto r1 = co_await relay->start();
    REQUIRE_OK(r1);
    auto r2 = co_await dialer->start();
    REQUIRE_OK(r2);
    const auto nobody = Keypair::from_secret_key_seed(9).public_key().peer_id();
    auto c = co_await dialer->dial(circuit_to(*relay, nobody));
    REQUIRE_ERR(c, relay::error::no_reservation);
    CHECK(c.error() == condition::refused);
    auto failed = co_await wait_for<OutgoingConnectionFailed>(*dialer);
    INFO(failed.detail);
    CHECK(failed.detail.find("NO_RESERVATION") != std::string::npos);
    CHECK(failed.detail.find("expired") != std::string::npos);  // the list of usual causes
    co_await dialer->stop();
    co_await relay->stop();
  }(), std::chrono::seconds(20));
}

TEST_CASE("a circuit is cut at its data limit", "[relay][integration]") {
  asio::io_context ioc;
  auto rcfg = make_config(0);
  rcfg.relay_server.enabled = true;
  rcfg.relay_server.limits.max_circuit_bytes = 64 * 1024;
  auto relay = Host::create(ioc.get_executor(), rcfg).value();
  auto lcfg = make_config(1);
  lcfg.dcutr.enabled = false;
  auto listener = Host::create(ioc.get_executor(), lcfg).value();
  auto dcfg = make_config(2);
  dcfg.dcutr.enabled = false;
  auto dialer = Host::create(ioc.get_executor(), dcfg).value();
  listener->set_handler("/echo/1.0.0", echo);
  bool cut = false;
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    for (auto* h : {relay.get(), listener.get(), dialer.get()}) {
      auto r = co_await h->start();
      REQUIRE_OK(r);
    }
    auto reserved = co_await listener->listen_via_relay(relay->listen_addrs().at(0).with_peer_id(relay->id()));
    REQUIRE_OK(reserved);
    auto c = co_await dialer->dial(circuit_to(*relay, listener->id()));
    REQUIRE_OK(c);
    std::vector<std::string> protos{"/echo/1.0.0"};
    auto s = co_await dialer->open_stream(listener->id(), std::move(protos));
    REQUIRE_OK(s);
    Bytes chunk(8 * 1024, 0x5a);
    std::vector<std::uint8_t> buf(16 * 1024);
    for (int i = 0; i < 64 && !cut; ++i) {  // 512 KiB offered against a 64 KiB limit
      auto w = co_await s->write(chunk);
      if (!w) cut = true;
      auto n = co_await s->read_some(buf);
      if (!n) cut = true;
    }
    auto closed = co_await wait_for<ConnectionClosed>(*dialer);
    CHECK(closed.connection.relayed);
    co_await dialer->stop();
    co_await listener->stop();
    co_await relay->stop();
  }(), std::chrono::seconds(30));
  CHECK(cut);
}

TEST_CASE("DCUtR upgrades a loopback relayed connection to a direct one", "[relay][dcutr][integration]") {
  asio::io_context ioc;
  auto rcfg = make_config(0);
  rcfg.relay_server.enabled = true;
  auto relay = Host::create(ioc.get_executor(), rcfg).value();
  auto listener = Host::create(ioc.get_executor(), make_config(1)).value();
  auto dialer = Host::create(ioc.get_executor(), make_config(2)).value();
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    for (auto* h : {relay.get(), listener.get(), dialer.get()}) {
      auto r = co_await h->start();
      REQUIRE_OK(r);
    }
    const auto relay_addr = relay->listen_addrs().at(0).with_peer_id(relay->id());
    auto rc = co_await dialer->dial(relay_addr);  // the relay's identify gives us an observed address
    REQUIRE_OK(rc);
    (void)co_await wait_for<IdentifyReceived>(*dialer);
    auto reserved = co_await listener->listen_via_relay(relay_addr);
    REQUIRE_OK(reserved);
    auto c = co_await dialer->dial(circuit_to(*relay, listener->id()));
    REQUIRE_OK(c);
    auto punched = co_await wait_for<HolePunchSucceeded>(*listener);
    CHECK_FALSE(punched.direct.relayed);
    CHECK(punched.attempts == 1);
    auto rtt = co_await dialer->ping(listener->id());  // uses the direct connection now
    REQUIRE_OK(rtt);
    co_await dialer->stop();
    co_await listener->stop();
    co_await relay->stop();
  }(), std::chrono::seconds(30));
}
