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

#include <algorithm>

using namespace lp2p;
using namespace lp2p::testing;  // support/host_helpers.hpp
namespace asio = boost::asio;

namespace {

HostConfig make_config(std::uint8_t seed) {
  auto cfg = loopback_config(seed);
  cfg.ping.enabled = false;
  return cfg;
}

/// The relay of every test here: seed 0, relay server on.
HostConfig relay_config() {
  auto cfg = make_config(0);
  cfg.relay_server.enabled = true;
  return cfg;
}

/// A client whose relayed connection stays relayed (DCUtR off).
HostConfig relayed_only_config(std::uint8_t seed) {
  auto cfg = make_config(seed);
  cfg.dcutr.enabled = false;
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

}  // namespace

TEST_CASE("reserve, dial through the relay, echo over the circuit", "[relay][integration]") {
  asio::io_context ioc;
  auto relay = Host::create(ioc.get_executor(), relay_config()).value();
  auto listener = Host::create(ioc.get_executor(), relayed_only_config(1)).value();
  auto dialer = Host::create(ioc.get_executor(), relayed_only_config(2)).value();
  listener->set_handler("/echo/1.0.0", echo);
  bool ok = false;
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*relay, *listener, *dialer);
    auto reserved = co_await listener->listen_via_relay(dial_addr(*relay));
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
    co_await stop_all(*dialer, *listener, *relay);
  }(), std::chrono::seconds(20));
  CHECK(ok);
}

TEST_CASE("dialing a peer without a reservation explains NO_RESERVATION", "[relay][integration]") {
  asio::io_context ioc;
  auto relay = Host::create(ioc.get_executor(), relay_config()).value();
  auto dialer = Host::create(ioc.get_executor(), make_config(2)).value();
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*relay, *dialer);
    const auto nobody = Keypair::from_secret_key_seed(9).public_key().peer_id();
    auto c = co_await dialer->dial(circuit_to(*relay, nobody));
    REQUIRE_ERR(c, relay::error::no_reservation);
    CHECK(c.error() == condition::refused);
    auto failed = co_await wait_for<OutgoingConnectionFailed>(*dialer);
    INFO(failed.detail);
    CHECK(failed.detail.find("NO_RESERVATION") != std::string::npos);
    CHECK(failed.detail.find("expired") != std::string::npos);  // the list of usual causes
    co_await stop_all(*dialer, *relay);
  }(), std::chrono::seconds(20));
}

TEST_CASE("a circuit is cut at its data limit", "[relay][integration]") {
  asio::io_context ioc;
  auto rcfg = relay_config();
  rcfg.relay_server.limits.max_circuit_bytes = 64 * 1024;
  auto relay = Host::create(ioc.get_executor(), rcfg).value();
  auto listener = Host::create(ioc.get_executor(), relayed_only_config(1)).value();
  auto dialer = Host::create(ioc.get_executor(), relayed_only_config(2)).value();
  listener->set_handler("/echo/1.0.0", echo);
  bool cut = false;
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*relay, *listener, *dialer);
    auto reserved = co_await listener->listen_via_relay(dial_addr(*relay));
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
    co_await stop_all(*dialer, *listener, *relay);
  }(), std::chrono::seconds(30));
  CHECK(cut);
}

TEST_CASE("a circuit is cut at its time limit, at both ends, and frees its slot", "[relay][integration]") {
  // max_circuit_duration 1 s and max_circuits 1: after the cut, a second circuit is only granted if the
  // relay's table forgot the first one.
  asio::io_context ioc;
  auto rcfg = relay_config();
  rcfg.relay_server.limits.max_circuit_duration = std::chrono::seconds(1);
  rcfg.relay_server.limits.max_circuit_bytes = 0;  // only the time limit applies
  rcfg.relay_server.limits.max_circuits = 1;
  auto relay = Host::create(ioc.get_executor(), rcfg).value();
  auto listener = Host::create(ioc.get_executor(), relayed_only_config(1)).value();
  auto dialer = Host::create(ioc.get_executor(), relayed_only_config(2)).value();
  listener->set_handler("/echo/1.0.0", echo);

  // Events as they happen (observers), with the time they arrived.
  using Clock = std::chrono::steady_clock;
  std::vector<std::pair<RelayServerEvent, Clock::time_point>> relay_events;
  std::vector<ConnectionClosed> dialer_closed, listener_closed;
  relay->add_observer([&](const HostEvent& ev) {
    if (auto* e = std::get_if<RelayServerEvent>(&ev)) relay_events.emplace_back(*e, Clock::now());
  });
  dialer->add_observer([&](const HostEvent& ev) {
    if (auto* e = std::get_if<ConnectionClosed>(&ev); e && e->connection.relayed) dialer_closed.push_back(*e);
  });
  listener->add_observer([&](const HostEvent& ev) {
    if (auto* e = std::get_if<ConnectionClosed>(&ev); e && e->connection.relayed) listener_closed.push_back(*e);
  });
  auto count = [&](RelayServerEvent::Kind k) {
    return std::count_if(relay_events.begin(), relay_events.end(), [&](const auto& e) { return e.first.kind == k; });
  };

  std::size_t echoed = 0;
  error_code stream_error;
  Clock::time_point opened{}, dialer_cut{};
  bool second_circuit = false;
  std::pair<std::size_t, std::size_t> closed_before_second{};  // (dialer, listener) relayed closes
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*relay, *listener, *dialer);
    auto reserved = co_await listener->listen_via_relay(dial_addr(*relay));
    REQUIRE_OK(reserved);
    auto c = co_await dialer->dial(circuit_to(*relay, listener->id()));
    REQUIRE_OK(c);
    opened = Clock::now();
    REQUIRE(c->relayed);
    std::vector<std::string> protos{"/echo/1.0.0"};
    auto s = co_await dialer->open_stream(listener->id(), std::move(protos));
    REQUIRE_OK(s);

    // Traffic flows until the relay cuts the circuit: 1 KiB round trips every 50 ms.
    Bytes chunk(1024, 0x5a);
    std::vector<std::uint8_t> buf(4096);
    asio::steady_timer pace(ioc);
    while (Clock::now() - opened < std::chrono::seconds(10)) {
      auto w = co_await s->write(chunk);
      if (!w) {
        stream_error = w.error();
        break;
      }
      std::size_t got = 0;
      while (got < chunk.size()) {
        auto n = co_await s->read_some(buf);
        if (!n) {
          stream_error = n.error();
          break;
        }
        got += *n;
      }
      if (stream_error) break;
      echoed += got;
      pace.expires_after(std::chrono::milliseconds(50));
      co_await pace.async_wait(asio::use_awaitable);
    }
    dialer_cut = Clock::now();

    // Both ends see their relayed connection close; the relay says why it ended the circuit.
    auto both_closed = co_await eventually([&] { return !dialer_closed.empty() && !listener_closed.empty(); },
                                      std::chrono::seconds(5));
    CHECK(both_closed);
    auto ended = co_await eventually([&] { return count(RelayServerEvent::Kind::circuit_ended) == 1; }, std::chrono::seconds(5));
    CHECK(ended);

    // Nothing left behind: the relay's streams to both peers are gone, the peers hold no relayed
    // connection, and the one circuit slot is free again.
    auto relay_clean = co_await eventually(
        [&] {
          for (const auto& ci : relay->connections())
            if (relay->stream_count(ci.id) != 0) return false;
          return true;
        },
        std::chrono::seconds(5));
    CHECK(relay_clean);
    for (const auto& ci : dialer->connections()) CHECK_FALSE(ci.relayed);
    for (const auto& ci : listener->connections()) CHECK_FALSE(ci.relayed);
    closed_before_second = {dialer_closed.size(), listener_closed.size()};
    auto again = co_await dialer->dial(circuit_to(*relay, listener->id()));
    CHECK_OK(again);
    second_circuit = again.has_value() && again->relayed;

    co_await stop_all(*dialer, *listener, *relay);
  }(), std::chrono::seconds(30));

  INFO("echoed " << echoed << " bytes; the dialer's stream failed with: " << stream_error.message());
  CHECK(echoed >= 8 * 1024);  // traffic did flow before the cut (~20 round trips in 1 s)
  CHECK(stream_error);        // the stream was cut, not closed cleanly
  const auto lifetime = std::chrono::duration_cast<std::chrono::milliseconds>(dialer_cut - opened);
  INFO("the dialer's stream failed " << lifetime.count() << " ms after the circuit opened");
  CHECK(lifetime >= std::chrono::milliseconds(900));
  CHECK(lifetime < std::chrono::seconds(5));

  CHECK(closed_before_second.first == 1);   // exactly one relayed connection cut at each end
  CHECK(closed_before_second.second == 1);
  REQUIRE_FALSE(dialer_closed.empty());
  REQUIRE_FALSE(listener_closed.empty());
  INFO("dialer: " << dialer_closed[0].reason.message() << "; listener: " << listener_closed[0].reason.message());
  CHECK(dialer_closed[0].connection.peer == listener->id());
  CHECK(listener_closed[0].connection.peer == dialer->id());
  CHECK(dialer_closed[0].reason == asio::error::connection_reset);
  CHECK(listener_closed[0].reason == asio::error::connection_reset);

  CHECK(count(RelayServerEvent::Kind::circuit_accepted) == 2);  // the cut one, then the second
  std::vector<std::string> ended_details;
  for (const auto& [e, t] : relay_events)
    if (e.kind == RelayServerEvent::Kind::circuit_ended) ended_details.push_back(e.detail);
  REQUIRE_FALSE(ended_details.empty());
  CHECK(ended_details[0] == "duration limit reached");
  CHECK(count(RelayServerEvent::Kind::circuit_refused) == 0);
  CHECK(second_circuit);
}

TEST_CASE("DCUtR upgrades a loopback relayed connection to a direct one", "[relay][dcutr][integration]") {
  asio::io_context ioc;
  auto relay = Host::create(ioc.get_executor(), relay_config()).value();
  auto listener = Host::create(ioc.get_executor(), make_config(1)).value();
  auto dialer = Host::create(ioc.get_executor(), make_config(2)).value();
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*relay, *listener, *dialer);
    const auto relay_addr = dial_addr(*relay);
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
    co_await stop_all(*dialer, *listener, *relay);
  }(), std::chrono::seconds(30));
}
