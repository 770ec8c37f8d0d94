// Hostile peers against a real Circuit Relay v2 server and client (issue #6 item 3): reservation floods
// from many PeerIds and from one IP, circuits past their limits, and STOP messages from a peer that is not
// our relay. The attackers are RawPeers (raw_peer.hpp), each from its own 127.x.y.z source address, so
// the relay's per-IP limits see distinct IPs. Every test ends with the relay still serving a legitimate
// peer and its connection count back at the baseline.
#include "lp2p/codec/relay/common.hpp"
#include "lp2p/codec/relay/error.hpp"
#include "lp2p/codec/relay/hop_message.hpp"
#include "lp2p/codec/relay/stop_message.hpp"
#include "raw_peer.hpp"
#include "support/host_helpers.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/io_context.hpp>

#include <map>

using namespace lp2p;
using namespace lp2p::test;     // raw_peer.hpp, run_coro
using namespace lp2p::testing;  // support/host_helpers.hpp
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

HostConfig host_config(std::uint8_t seed) {
  auto cfg = loopback_config(seed);
  cfg.ping.enabled = false;
  cfg.dcutr.enabled = false;  // circuits stay relayed
  return cfg;
}

HostConfig relay_config() {
  auto cfg = host_config(0);
  cfg.relay_server.enabled = true;
  cfg.relay_client.enabled = false;
  return cfg;
}

/// Counts the relay server's events by kind (an observer sees every event, the queue may drop some).
struct RelayEvents {
  std::map<RelayServerEvent::Kind, int> count;
  std::vector<std::string> refusals;
  void attach(Host& h) {
    h.add_observer([this](const HostEvent& ev) {
      if (auto* r = std::get_if<RelayServerEvent>(&ev)) {
        ++count[r->kind];
        if (r->kind == RelayServerEvent::Kind::reservation_refused || r->kind == RelayServerEvent::Kind::circuit_refused)
          refusals.push_back(r->detail);
      }
    });
  }
};

/// Sends one hop message on a fresh stream and returns the relay's STATUS answer. `keep` receives the
/// stream (a granted circuit lives as long as it does).
asio::awaitable<relay::Status> hop_request(RawPeer& p, const relay::HopMessage& m, io::StreamPtr* keep = nullptr) {
  auto s = co_await p.open(std::string(relay::hop_protocol_id));
  auto body = relay::encode(m);
  REQUIRE_OK(body);
  auto w = co_await io::write_uvarint_frame(*s, *body);
  REQUIRE_OK(w);
  auto answer = co_await io::with_timeout(io::read_uvarint_frame(*s, relay::max_message_size), 5s);
  REQUIRE_OK(answer);
  auto msg = relay::decode_hop(*answer);
  REQUIRE_OK(msg);
  REQUIRE(msg->type == relay::HopMessage::Type::status);
  REQUIRE(msg->status);
  const auto status = *msg->status;
  if (status != relay::Status::ok) {
    // A refusal ends the stream: the relay half-closes after its answer, nothing else follows.
    std::array<std::uint8_t, 16> buf{};
    auto more = co_await io::with_timeout(s->read_some(buf), 5s);
    CHECK_FALSE(more);
  }
  if (keep) *keep = std::move(s);
  co_return status;
}

asio::awaitable<relay::Status> reserve(RawPeer& p) {
  relay::HopMessage m;
  m.type = relay::HopMessage::Type::reserve;
  co_return co_await hop_request(p, m);
}

asio::awaitable<relay::Status> connect(RawPeer& p, const PeerId& dst, io::StreamPtr* keep) {
  relay::HopMessage m;
  m.type = relay::HopMessage::Type::connect;
  m.peer = relay::Peer{dst.bytes(), {}};
  co_return co_await hop_request(p, m, keep);
}

/// A legitimate listener reserves at `relay`, a legitimate dialer reaches it through the circuit and
/// pings it: the relay still serves.
asio::awaitable<void> relay_still_serves(Host& relay, Host& listener, Host& dialer) {
  auto r = co_await listener.listen_via_relay(dial_addr(relay));
  REQUIRE_OK(r);
  auto c = co_await dialer.dial(circuit_to(relay, listener.id()));
  REQUIRE_OK(c);
  CHECK(c->relayed);
  auto rtt = co_await dialer.ping(listener.id());
  REQUIRE_OK(rtt);
}

std::string ip(int a, int b) { return "127.0." + std::to_string(a) + "." + std::to_string(b); }

}  // namespace

TEST_CASE("hostile relay: a reservation flood from one IP stops at max_reservations_per_ip",
          "[hostile][relay]") {
  asio::io_context ioc;
  auto relay = Host::create(ioc.get_executor(), relay_config()).value();
  auto listener = Host::create(ioc.get_executor(), host_config(1)).value();
  auto dialer = Host::create(ioc.get_executor(), host_config(2)).value();
  RelayEvents events;
  events.attach(*relay);
  const std::size_t per_ip = relay::RelayLimits{}.max_reservations_per_ip;  // 8 (go's default)
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*relay, *listener, *dialer);
    std::vector<RawPeer> flood;
    std::vector<relay::Status> answers;
    for (unsigned i = 0; i < per_ip + 3; ++i) {  // fresh PeerIds, all from 127.0.9.9
      auto p = co_await raw_connect(*relay, "127.0.9.9", nth_key(i));
      answers.push_back(co_await reserve(p));
      flood.push_back(std::move(p));
    }
    for (std::size_t i = 0; i < answers.size(); ++i) {
      INFO("reservation " << i << ": " << relay::to_string(answers[i]));
      CHECK(answers[i] == (i < per_ip ? relay::Status::ok : relay::Status::resource_limit_exceeded));
    }
    CHECK(events.count[RelayServerEvent::Kind::reservation_accepted] == static_cast<int>(per_ip));
    REQUIRE(events.refusals.size() == 3);
    CHECK(events.refusals[0] == error_code(relay::error::too_many_reservations_for_ip).message());
    CHECK(relay->connections().size() == per_ip + 3);  // refused peers are not disconnected, just refused

    // The relay keeps serving peers from other IPs (the listener and dialer come from 127.0.0.1).
    co_await relay_still_serves(*relay, *listener, *dialer);

    // The flood leaves: its reservations and connections are gone, and the IP may reserve again.
    for (auto& p : flood) p.close();
    const bool drained = co_await eventually([&] { return relay->connections().size() == 2; });
    CHECK(drained);
    CHECK(events.count[RelayServerEvent::Kind::reservation_ended] == static_cast<int>(per_ip));
    auto again = co_await raw_connect(*relay, "127.0.9.9", nth_key(1000));
    const auto st = co_await reserve(again);
    CHECK(st == relay::Status::ok);
    again.close();
    co_await stop_all(*dialer, *listener, *relay);
  }(), std::chrono::seconds(30));
}

TEST_CASE("hostile relay: a reservation flood from many PeerIds and IPs stops at max_reservations",
          "[hostile][relay]") {
  // The default table (128 reservations) filled by 128 peers from 128 IPs; then 3 more are refused.
  asio::io_context ioc;
  auto relay = Host::create(ioc.get_executor(), relay_config()).value();
  auto refused_listener = Host::create(ioc.get_executor(), host_config(3)).value();
  auto listener = Host::create(ioc.get_executor(), host_config(1)).value();
  auto dialer = Host::create(ioc.get_executor(), host_config(2)).value();
  RelayEvents events;
  events.attach(*relay);
  const std::size_t total = relay::RelayLimits{}.max_reservations;
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*relay, *refused_listener, *listener, *dialer);
    std::vector<RawPeer> flood;
    std::size_t ok = 0, refused = 0;
    for (unsigned i = 0; i < total + 3; ++i) {
      auto p = co_await raw_connect(*relay, ip(10 + static_cast<int>(i / 200), 1 + static_cast<int>(i % 200)), nth_key(i));
      const auto st = co_await reserve(p);
      if (i < total) ok += st == relay::Status::ok;
      else refused += st == relay::Status::resource_limit_exceeded;
      flood.push_back(std::move(p));
    }
    CHECK(ok == total);
    CHECK(refused == 3);
    REQUIRE_FALSE(events.refusals.empty());
    CHECK(events.refusals.back() == error_code(relay::error::too_many_reservations).message());

    // A legitimate peer is refused a reservation while the table is full ...
    auto full = co_await refused_listener->listen_via_relay(dial_addr(*relay));
    REQUIRE_ERR(full, relay::error::refused_resource_limit);
    // ... and served again once the flood is gone (the table is bounded, not leaking). Asking again
    // runs a fresh attempt at once instead of returning the first refusal.
    for (auto& p : flood) p.close();
    const bool drained = co_await eventually([&] {
      for (const auto& c : relay->connections())
        if (c.peer != refused_listener->id()) return false;
      return true;
    });
    CHECK(drained);
    auto again = co_await refused_listener->listen_via_relay(dial_addr(*relay));
    REQUIRE_OK(again);
    co_await refused_listener->stop();
    co_await relay_still_serves(*relay, *listener, *dialer);
    co_await stop_all(*dialer, *listener, *relay);
  }(), std::chrono::seconds(60));
}

TEST_CASE("hostile relay: one PeerId reserving over many connections stops at max_reservations_per_peer",
          "[hostile][relay]") {
  asio::io_context ioc;
  auto relay = Host::create(ioc.get_executor(), relay_config()).value();
  RelayEvents events;
  events.attach(*relay);
  const std::size_t per_peer = relay::RelayLimits{}.max_reservations_per_peer;  // 4 (rust's default)
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*relay);
    std::vector<RawPeer> conns;
    std::vector<relay::Status> answers;
    for (unsigned i = 0; i < per_peer + 1; ++i) {  // the same key from distinct IPs
      auto p = co_await raw_connect(*relay, ip(20, 1 + static_cast<int>(i)), nth_key(7));
      answers.push_back(co_await reserve(p));
      conns.push_back(std::move(p));
    }
    for (std::size_t i = 0; i < answers.size(); ++i) {
      INFO("reservation " << i);
      CHECK(answers[i] == (i < per_peer ? relay::Status::ok : relay::Status::resource_limit_exceeded));
    }
    REQUIRE(events.refusals.size() == 1);
    CHECK(events.refusals[0] == error_code(relay::error::too_many_reservations_for_peer).message());
    // A renewal on a connection that holds a reservation is not a new one: still granted.
    const auto renewed = co_await reserve(conns[0]);
    CHECK(renewed == relay::Status::ok);
    for (auto& p : conns) p.close();
    const bool drained = co_await eventually([&] { return relay->connections().empty(); });
    CHECK(drained);
    co_await relay->stop();
  }(), std::chrono::seconds(30));
}

TEST_CASE("hostile relay: circuits past max_circuits_per_peer, per IP and in total are refused",
          "[hostile][relay]") {
  asio::io_context ioc;
  auto relay = Host::create(ioc.get_executor(), relay_config()).value();
  auto dcfg = host_config(1);
  dcfg.timeouts.upgrade = 20s;  // the destination waits for Noise on every circuit while we count them
  auto dst = Host::create(ioc.get_executor(), dcfg).value();
  auto dialer = Host::create(ioc.get_executor(), host_config(2)).value();
  RelayEvents events;
  events.attach(*relay);
  const relay::RelayLimits limits;  // 16 in total, 4 per peer, 8 per IP
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*relay, *dst, *dialer);
    auto reserved = co_await dst->listen_via_relay(dial_addr(*relay));
    REQUIRE_OK(reserved);
    const auto baseline = relay->connections().size();  // dst (+ nothing else)

    // Sources 0,1 on one IP, 2,3 on another: each opens per_peer circuits and then one too many.
    std::vector<RawPeer> sources;
    std::vector<io::StreamPtr> circuits;
    for (unsigned i = 0; i < 4; ++i) {
      auto p = co_await raw_connect(*relay, ip(30, 1 + static_cast<int>(i / 2)), nth_key(100 + i));
      for (std::size_t c = 0; c < limits.max_circuits_per_peer; ++c) {
        io::StreamPtr keep;
        const auto st = co_await connect(p, dst->id(), &keep);
        INFO("source " << i << " circuit " << c);
        CHECK(st == relay::Status::ok);
        circuits.push_back(std::move(keep));
      }
      const auto extra = co_await connect(p, dst->id(), nullptr);
      CHECK(extra == relay::Status::resource_limit_exceeded);
      REQUIRE_FALSE(events.refusals.empty());
      CHECK(events.refusals.back() == error_code(relay::error::too_many_circuits_for_peer).message());
      sources.push_back(std::move(p));
    }
    REQUIRE(circuits.size() == limits.max_circuits);
    CHECK(events.count[RelayServerEvent::Kind::circuit_accepted] == static_cast<int>(limits.max_circuits));

    // A fresh peer on a full IP: the per-IP cap (8 circuits from 127.0.30.1).
    auto same_ip = co_await raw_connect(*relay, ip(30, 1), nth_key(110));
    const auto st_ip = co_await connect(same_ip, dst->id(), nullptr);
    CHECK(st_ip == relay::Status::resource_limit_exceeded);
    CHECK(events.refusals.back() == error_code(relay::error::too_many_circuits_for_ip).message());
    // A fresh peer on a fresh IP: the relay-wide cap.
    auto fresh = co_await raw_connect(*relay, ip(30, 9), nth_key(111));
    const auto st_total = co_await connect(fresh, dst->id(), nullptr);
    CHECK(st_total == relay::Status::resource_limit_exceeded);
    CHECK(events.refusals.back() == error_code(relay::error::too_many_circuits).message());
    CHECK(dst->connections().size() == 1);  // no circuit became a connection: nobody spoke Noise

    // Dropping the circuits frees them: a legitimate dialer gets through and pings.
    circuits.clear();
    for (auto& p : sources) p.close();
    same_ip.close();
    fresh.close();
    const bool ended = co_await eventually([&] {
      return events.count[RelayServerEvent::Kind::circuit_ended] == static_cast<int>(limits.max_circuits) &&
             relay->connections().size() == baseline;
    });
    CHECK(ended);
    auto c = co_await dialer->dial(circuit_to(*relay, dst->id()));
    REQUIRE_OK(c);
    auto rtt = co_await dialer->ping(dst->id());
    REQUIRE_OK(rtt);
    co_await stop_all(*dialer, *dst, *relay);
  }(), std::chrono::seconds(60));
}

TEST_CASE("hostile relay: STOP from a peer that is not our relay is refused and registers nothing",
          "[hostile][relay]") {
  asio::io_context ioc;
  auto relay = Host::create(ioc.get_executor(), relay_config()).value();
  auto victim = Host::create(ioc.get_executor(), host_config(1)).value();
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*relay, *victim);
    // The victim holds a reservation at a real relay, so its stop handler is live.
    auto reserved = co_await victim->listen_via_relay(dial_addr(*relay));
    REQUIRE_OK(reserved);
    auto attacker = co_await raw_connect(*victim, "127.0.40.1", nth_key(200));
    const bool both = co_await eventually([&] { return victim->connections().size() == 2; });
    REQUIRE(both);
    ConnectionId attacker_conn = 0;
    for (const auto& c : victim->connections())
      if (c.peer == attacker.id()) attacker_conn = c.id;
    REQUIRE(attacker_conn != 0);
    std::size_t circuits_established = 0;
    victim->add_observer([&](const HostEvent& ev) {
      if (auto* e = std::get_if<ConnectionEstablished>(&ev); e && e->connection.relayed) ++circuits_established;
    });

    auto stop_exchange = [&](Bytes body) -> asio::awaitable<std::optional<relay::Status>> {
      auto s = co_await attacker.open(std::string(relay::stop_protocol_id));
      auto w = co_await io::write_uvarint_frame(*s, body);
      REQUIRE_OK(w);
      std::optional<relay::Status> status;
      auto answer = co_await io::with_timeout(io::read_uvarint_frame(*s, relay::max_message_size), 5s);
      if (answer) {
        auto msg = relay::decode_stop(*answer);
        REQUIRE_OK(msg);
        CHECK(msg->type == relay::StopMessage::Type::status);
        status = msg->status;
        // Then the stream is reset, never handed to the upgrader: no Noise bytes come.
        std::array<std::uint8_t, 16> buf{};
        auto more = co_await io::with_timeout(s->read_some(buf), 5s);
        REQUIRE_FALSE(more);
        INFO("after the answer: " << more.error().message());
        CHECK((more.error() == asio::error::connection_reset || more.error() == asio::error::eof));
      }
      co_return status;
    };

    // (No SECTIONs: their lifetime-extended temporaries must not live across co_await with GCC 12.)
    {  // a well-formed CONNECT from a peer we hold no reservation with
      relay::StopMessage m;
      m.type = relay::StopMessage::Type::connect;
      m.peer = relay::Peer{nth_key(201).public_key().peer_id().bytes(), {}};
      auto st = co_await stop_exchange(relay::encode(m).value());
      REQUIRE(st);
      CHECK(*st == relay::Status::no_reservation);
    }
    {  // a STATUS where a CONNECT belongs
      relay::StopMessage m;
      m.type = relay::StopMessage::Type::status;
      m.status = relay::Status::ok;
      auto st = co_await stop_exchange(relay::encode(m).value());
      REQUIRE(st);
      CHECK(*st == relay::Status::malformed_message);
    }
    {  // garbage
      const Bytes junk{0xff, 0xff, 0xff, 0x01, 0x02, 0x03};
      auto st = co_await stop_exchange(junk);
      REQUIRE(st);
      CHECK(*st == relay::Status::malformed_message);
    }
    (void)co_await io::sleep_for(100ms);
    CHECK(circuits_established == 0);
    CHECK(victim->connections().size() == 2);  // the relay and the attacker's direct connection only
    const bool idle = co_await eventually([&] { return victim->stream_count(attacker_conn) == 0; });
    CHECK(idle);  // the refused stop stream is gone on the victim's side
    attacker.close();
    const bool gone = co_await eventually([&] { return victim->connections().size() == 1; });
    CHECK(gone);
    co_await stop_all(*victim, *relay);
  }(), std::chrono::seconds(20));
}
