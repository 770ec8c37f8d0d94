#include "lp2p/codec/relay/reservation_table.hpp"

#include "unit/engines/engines_support.hpp"
#include "support/check.hpp"

#include <variant>

using namespace lp2p;
using namespace lp2p::relay;
using namespace std::chrono_literals;
using lp2p::test::peer;
using lp2p::test::t0;

namespace {

/// Every cap and rate limit off, so a test can switch on exactly the one it checks.
RelayLimits no_limits() {
  RelayLimits l;
  l.max_reservations = 0;
  l.max_reservations_per_peer = 0;
  l.max_reservations_per_ip = 0;
  l.reservation_rate_per_peer = {};
  l.reservation_rate_per_ip = {};
  l.max_circuits = 0;
  l.max_circuits_per_peer = 0;
  l.max_circuits_per_ip = 0;
  l.max_circuit_duration = Duration::zero();
  l.max_circuit_bytes = 0;
  l.circuit_rate_per_peer = {};
  l.circuit_rate_per_ip = {};
  return l;
}

std::string ip(int n) { return "203.0.113." + std::to_string(n); }

}  // namespace

TEST_CASE("relay limits default to rust-libp2p's relay::Config", "[relay][engine]") {
  RelayLimits l;
  CHECK(l.max_reservations == 128);
  CHECK(l.max_reservations_per_peer == 4);
  CHECK(l.max_reservations_per_ip == 8);
  CHECK(l.reservation_duration == 3600s);
  CHECK(l.reservation_rate_per_peer.burst == 30);
  CHECK(l.reservation_rate_per_peer.interval == 120s);
  CHECK(l.reservation_rate_per_ip.burst == 60);
  CHECK(l.reservation_rate_per_ip.interval == 60s);
  CHECK(l.max_circuits == 16);
  CHECK(l.max_circuits_per_peer == 4);
  CHECK(l.max_circuit_duration == 120s);
  CHECK(l.max_circuit_bytes == 131072);
  CHECK(l.circuit_rate_per_peer.burst == 30);
  CHECK(l.circuit_rate_per_ip.burst == 60);
  const Limit w = l.wire_limit();
  CHECK(w.duration == std::optional<std::uint32_t>(120));
  CHECK(w.data == std::optional<std::uint64_t>(131072));
}

TEST_CASE("a reservation is granted, live until its expiry, then expired", "[relay][engine]") {
  ReservationTable t;
  const auto a = peer(1);
  auto g = t.reserve(t0(), a, 7, ip(1));
  REQUIRE_OK_ONCE(g);
  CHECK_FALSE(g->renewed);
  CHECK(g->duration == 3600s);
  CHECK(g->expires == t0() + 3600s);
  CHECK(g->limit.duration == std::optional<std::uint32_t>(120));
  CHECK(t.has_reservation(a, t0()));
  CHECK(t.reservation_connection(a, t0() + 3599s) == std::optional<ConnectionId>(7));
  CHECK(t.next_expiry() == std::optional<Time>(t0() + 3600s));

  CHECK(t.expire(t0() + 3600s - 1ns).empty());
  CHECK_FALSE(t.has_reservation(a, t0() + 3600s));  // expiry is exclusive
  auto gone = t.expire(t0() + 3600s);
  REQUIRE(gone.size() == 1);
  const auto* r = std::get_if<ExpiredReservation>(&gone[0]);
  REQUIRE(r);
  CHECK(r->peer == a);
  CHECK(r->connection == 7);
  CHECK(t.reservation_count() == 0);
  CHECK_FALSE(t.next_expiry());
  CHECK(t.expire(t0() + 7200s).empty());
}

TEST_CASE("renewal on the same connection extends and does not count as new", "[relay][engine]") {
  RelayLimits l = no_limits();
  l.max_reservations = 1;
  l.max_reservations_per_peer = 1;
  l.max_reservations_per_ip = 1;
  ReservationTable t(l);
  const auto a = peer(1);
  REQUIRE_OK_ONCE(t.reserve(t0(), a, 1, ip(1)));
  // Every cap is reached, yet the renewal passes: it is the same reservation.
  auto r = t.reserve(t0() + 2700s, a, 1, ip(1));
  REQUIRE_OK_ONCE(r);
  CHECK(r->renewed);
  CHECK(r->expires == t0() + 2700s + 3600s);
  CHECK(t.reservation_count() == 1);
  CHECK(t.has_reservation(a, t0() + 3600s + 1s));
  // A second connection of the same peer is a new reservation and hits the caps.
  REQUIRE_ERR_ONCE(t.reserve(t0() + 2700s, a, 2, ip(1)), error::too_many_reservations_for_peer);
  // After the renewed reservation expires, renewing on the same connection is a new one again.
  auto again = t.reserve(t0() + 2700s + 3600s, a, 1, ip(1));
  REQUIRE_OK_ONCE(again);
  CHECK_FALSE(again->renewed);
}

TEST_CASE("expiry follows renewals, closes and circuit deadlines in time order", "[relay][engine]") {
  // prune() and next_expiry() read a time-ordered index instead of walking every reservation: it must
  // follow renewals (a renewed reservation moves back) and removals (a closed one leaves no ghost).
  RelayLimits l = no_limits();
  l.max_circuit_duration = 90s;
  ReservationTable t(l);
  const auto a = peer(1), b = peer(2), c = peer(3), d = peer(4);
  REQUIRE_OK_ONCE(t.reserve(t0(), a, 1, ip(1)));        // expires t0 + 3600 s
  REQUIRE_OK_ONCE(t.reserve(t0() + 10s, b, 2, ip(2)));  // t0 + 3610 s
  REQUIRE_OK_ONCE(t.reserve(t0() + 20s, c, 3, ip(3)));  // t0 + 3620 s
  CHECK(t.next_expiry() == std::optional<Time>(t0() + 3600s));
  auto renewed = t.reserve(t0() + 30s, a, 1, ip(1));    // a moves to t0 + 3630 s
  REQUIRE_OK_ONCE(renewed);
  CHECK(renewed->renewed);
  CHECK(t.next_expiry() == std::optional<Time>(t0() + 3610s));
  (void)t.connection_closed(2);                         // b is gone without expiring
  CHECK(t.next_expiry() == std::optional<Time>(t0() + 3620s));
  // A circuit's deadline comes first while it lives; closing it removes it from the order.
  auto circuit = t.open_circuit(t0() + 40s, d, 4, ip(4), c);
  REQUIRE_OK_ONCE(circuit);
  CHECK(t.next_expiry() == std::optional<Time>(t0() + 130s));
  t.circuit_closed(circuit->id);
  CHECK(t.next_expiry() == std::optional<Time>(t0() + 3620s));
  CHECK(t.expire(t0() + 3600s).empty());                // a's old expiry no longer counts
  auto gone = t.expire(t0() + 3630s);                   // c, then a
  REQUIRE(gone.size() == 2);
  const auto* first = std::get_if<ExpiredReservation>(&gone[0]);
  const auto* second = std::get_if<ExpiredReservation>(&gone[1]);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->peer == c);
  CHECK(second->peer == a);
  CHECK(t.reservation_count() == 0);
  CHECK_FALSE(t.next_expiry());
}

TEST_CASE("10,000 reservations expire together at their common expiry", "[relay][engine]") {
  ReservationTable t(no_limits());
  for (ConnectionId i = 1; i <= 10000; ++i) {
    auto g = t.reserve(t0(), peer(static_cast<std::uint8_t>(i % 251)), i, ip(static_cast<int>(i % 250)));
    REQUIRE(g.has_value());
  }
  CHECK(t.reservation_count() == 10000);
  CHECK(t.expire(t0() + 3599s).empty());
  CHECK(t.expire(t0() + 3600s).size() == 4096);  // what expire() reports is capped (max_pending_expired)
  CHECK(t.reservation_count() == 0);
  CHECK_FALSE(t.next_expiry());
}

TEST_CASE("max_reservations_per_peer: the Nth is granted, the N+1th refused", "[relay][engine][limits]") {
  ReservationTable t;  // defaults: 4 per peer
  const auto a = peer(1);
  for (ConnectionId c = 1; c <= 4; ++c) REQUIRE_OK_ONCE(t.reserve(t0(), a, c, ip(static_cast<int>(c))));
  CHECK(t.reservation_count(a) == 4);
  auto r = t.reserve(t0(), a, 5, ip(5));
  REQUIRE_ERR_ONCE(r, error::too_many_reservations_for_peer);
  CHECK(refusal_status(r.error()) == Status::resource_limit_exceeded);
  CHECK(r.error() == condition::resource_limit);
  // Another peer is unaffected.
  REQUIRE_OK_ONCE(t.reserve(t0(), peer(2), 6, ip(6)));
  // Closing one connection frees a slot.
  t.connection_closed(2);
  CHECK(t.reservation_count(a) == 3);
  REQUIRE_OK_ONCE(t.reserve(t0(), a, 5, ip(5)));
}

TEST_CASE("max_reservations_per_ip caps distinct peers behind one address", "[relay][engine][limits]") {
  ReservationTable t;  // defaults: 8 per IP
  for (std::uint8_t p = 1; p <= 8; ++p) REQUIRE_OK_ONCE(t.reserve(t0(), peer(p), p, ip(1)));
  CHECK(t.reservation_count_for_ip(ip(1)) == 8);
  REQUIRE_ERR_ONCE(t.reserve(t0(), peer(9), 9, ip(1)), error::too_many_reservations_for_ip);
  REQUIRE_OK_ONCE(t.reserve(t0(), peer(9), 9, ip(2)));
  // An unknown IP (empty key) is exempt from per-IP caps and rates.
  REQUIRE_OK_ONCE(t.reserve(t0(), peer(10), 10, ""));
  CHECK(t.reservation_count_for_ip("") == 0);
}

TEST_CASE("max_reservations caps the whole relay", "[relay][engine][limits]") {
  RelayLimits l = no_limits();
  l.max_reservations = 3;
  ReservationTable t(l);
  for (std::uint8_t p = 1; p <= 3; ++p) REQUIRE_OK_ONCE(t.reserve(t0(), peer(p), p, ip(p)));
  REQUIRE_ERR_ONCE(t.reserve(t0(), peer(4), 4, ip(4)), error::too_many_reservations);
  // Expired reservations no longer count.
  REQUIRE_OK_ONCE(t.reserve(t0() + 3600s, peer(4), 4, ip(4)));
  CHECK(t.reservation_count() == 1);
  CHECK(t.expire(t0() + 3600s).size() == 3);  // the three found dead by reserve() are reported
}

TEST_CASE("the default table holds exactly 128 reservations", "[relay][engine][limits]") {
  RelayLimits l;
  l.max_reservations_per_ip = 0;
  l.reservation_rate_per_ip = {};
  ReservationTable t(l);
  for (int i = 0; i < 128; ++i)
    REQUIRE_OK_ONCE(t.reserve(t0(), peer(static_cast<std::uint8_t>(i)), static_cast<ConnectionId>(i), ip(1)));
  REQUIRE_ERR_ONCE(t.reserve(t0(), peer(200), 500, ip(1)), error::too_many_reservations);
}

TEST_CASE("reservation rate limits per peer and per IP refill over time", "[relay][engine][rate]") {
  SECTION("per peer: 30, then one every 2 minutes") {
    ReservationTable t;  // renewals on one connection: only the rate limit applies
    const auto a = peer(1);
    for (int i = 0; i < 30; ++i) REQUIRE_OK_ONCE(t.reserve(t0(), a, 1, ip(1)));
    auto r = t.reserve(t0(), a, 1, ip(1));
    REQUIRE_ERR_ONCE(r, error::reservation_rate_exceeded_for_peer);
    CHECK(refusal_status(r.error()) == Status::resource_limit_exceeded);
    REQUIRE_ERR_ONCE(t.reserve(t0() + 119s, a, 1, ip(1)), error::reservation_rate_exceeded_for_peer);
    REQUIRE_OK_ONCE(t.reserve(t0() + 120s, a, 1, ip(1)));
    REQUIRE_ERR_ONCE(t.reserve(t0() + 120s, a, 1, ip(1)), error::reservation_rate_exceeded_for_peer);
    // Another peer on another IP has its own buckets.
    REQUIRE_OK_ONCE(t.reserve(t0(), peer(2), 2, ip(2)));
  }
  SECTION("per IP: 60, then one every minute") {
    RelayLimits l = no_limits();
    l.reservation_rate_per_ip = {60, 60s};
    ReservationTable t(l);
    for (int i = 0; i < 60; ++i)
      REQUIRE_OK_ONCE(t.reserve(t0(), peer(static_cast<std::uint8_t>(i)), static_cast<ConnectionId>(i), ip(1)));
    REQUIRE_ERR_ONCE(t.reserve(t0(), peer(99), 99, ip(1)), error::reservation_rate_exceeded_for_ip);
    REQUIRE_OK_ONCE(t.reserve(t0(), peer(99), 99, ip(2)));
    REQUIRE_OK_ONCE(t.reserve(t0() + 60s, peer(100), 100, ip(1)));
    REQUIRE_ERR_ONCE(t.reserve(t0() + 60s, peer(101), 101, ip(1)), error::reservation_rate_exceeded_for_ip);
    // After an hour the bucket is full again.
    for (int i = 0; i < 60; ++i)
      REQUIRE_OK_ONCE(t.reserve(t0() + 3660s, peer(static_cast<std::uint8_t>(i)), 1000 + i, ip(1)));
  }
}

TEST_CASE("caps are checked before rate limits, so a refusal by cap costs no token", "[relay][engine][rate]") {
  RelayLimits l = no_limits();
  l.max_reservations_per_peer = 1;
  l.reservation_rate_per_peer = {2, 3600s};
  ReservationTable t(l);
  const auto a = peer(1);
  REQUIRE_OK_ONCE(t.reserve(t0(), a, 1, ip(1)));                                          // token 1
  REQUIRE_ERR_ONCE(t.reserve(t0(), a, 2, ip(1)), error::too_many_reservations_for_peer);  // no token
  REQUIRE_OK_ONCE(t.reserve(t0(), a, 1, ip(1)));                                          // token 2
  REQUIRE_ERR_ONCE(t.reserve(t0(), a, 1, ip(1)), error::reservation_rate_exceeded_for_peer);
}

TEST_CASE("connection_closed drops the reservation and the circuits on that connection", "[relay][engine]") {
  ReservationTable t;
  const auto a = peer(1), b = peer(2), c = peer(3);
  REQUIRE_OK_ONCE(t.reserve(t0(), a, 10, ip(1)));
  REQUIRE_OK_ONCE(t.reserve(t0(), c, 30, ip(3)));
  auto c1 = t.open_circuit(t0(), b, 20, ip(2), a);  // b -> a
  auto c2 = t.open_circuit(t0(), b, 20, ip(2), c);  // b -> c
  auto c3 = t.open_circuit(t0(), c, 31, ip(3), a);  // c -> a
  REQUIRE_OK_ONCE(c1);
  REQUIRE_OK_ONCE(c2);
  REQUIRE_OK_ONCE(c3);
  CHECK(c1->dst_connection == 10);
  CHECK(t.circuit_count() == 3);

  auto dropped = t.connection_closed(10);  // a's relay connection dies
  CHECK(dropped == std::vector<CircuitId>{c1->id, c3->id});
  CHECK_FALSE(t.has_reservation(a, t0()));
  CHECK(t.circuit_count() == 1);
  CHECK(t.circuit_count(a) == 0);
  CHECK(t.circuit_count(c) == 1);
  auto r = t.open_circuit(t0(), b, 20, ip(2), a);
  REQUIRE_ERR_ONCE(r, error::no_reservation);
  CHECK(refusal_status(r.error()) == Status::no_reservation);
  CHECK(r.error() == condition::refused);

  CHECK(t.connection_closed(20) == std::vector<CircuitId>{c2->id});  // b's connection (source side)
  CHECK(t.circuit_count() == 0);
  CHECK(t.connection_closed(999).empty());
}

TEST_CASE("open_circuit grants the reservation's connection and the circuit limits", "[relay][engine]") {
  ReservationTable t;
  const auto a = peer(1), b = peer(2);
  REQUIRE_OK_ONCE(t.reserve(t0(), a, 10, ip(1)));
  auto g = t.open_circuit(t0() + 5s, b, 20, ip(2), a);
  REQUIRE_OK_ONCE(g);
  CHECK(g->id == 1);
  CHECK(g->dst_connection == 10);
  CHECK(g->limit.duration == std::optional<std::uint32_t>(120));
  CHECK(g->limit.data == std::optional<std::uint64_t>(131072));
  CHECK(g->deadline == std::optional<Time>(t0() + 125s));
  CHECK(t.circuit_count(a) == 1);
  CHECK(t.circuit_count(b) == 1);
  CHECK(t.circuit_count_for_ip(ip(2)) == 1);
  CHECK(t.next_expiry() == std::optional<Time>(t0() + 125s));
  auto g2 = t.open_circuit(t0() + 5s, b, 20, ip(2), a);
  REQUIRE_OK_ONCE(g2);
  CHECK(g2->id == 2);
  t.circuit_closed(g->id);
  t.circuit_closed(g->id);  // twice is harmless
  t.circuit_closed(12345);
  CHECK(t.circuit_count() == 1);
}

TEST_CASE("the most recently renewed reservation carries circuits", "[relay][engine]") {
  ReservationTable t;
  const auto a = peer(1);
  REQUIRE_OK_ONCE(t.reserve(t0(), a, 1, ip(1)));
  REQUIRE_OK_ONCE(t.reserve(t0() + 10s, a, 2, ip(1)));
  CHECK(t.reservation_connection(a, t0() + 20s) == std::optional<ConnectionId>(2));
  REQUIRE_OK_ONCE(t.reserve(t0() + 30s, a, 1, ip(1)));  // renew the first
  CHECK(t.reservation_connection(a, t0() + 40s) == std::optional<ConnectionId>(1));
  CHECK_FALSE(t.reservation_connection(peer(9), t0()));
}

TEST_CASE("NO_RESERVATION for never reserved, expired and closed reservations", "[relay][engine]") {
  ReservationTable t;
  const auto a = peer(1), b = peer(2);
  REQUIRE_ERR_ONCE(t.open_circuit(t0(), b, 20, ip(2), a), error::no_reservation);  // never reserved
  REQUIRE_OK_ONCE(t.reserve(t0(), a, 10, ip(1)));
  REQUIRE_OK_ONCE(t.open_circuit(t0() + 3599s, b, 20, ip(2), a));
  REQUIRE_ERR_ONCE(t.open_circuit(t0() + 3600s, b, 20, ip(2), a), error::no_reservation);  // expired
  REQUIRE_OK_ONCE(t.reserve(t0() + 3600s, a, 11, ip(1)));
  t.connection_closed(11);
  REQUIRE_ERR_ONCE(t.open_circuit(t0() + 3601s, b, 20, ip(2), a), error::no_reservation);  // connection died
  REQUIRE_ERR_ONCE(t.open_circuit(t0() + 3601s, b, 20, ip(2), peer(3)), error::no_reservation);  // wrong id
}

TEST_CASE("RESOURCE_LIMIT_EXCEEDED takes precedence over NO_RESERVATION", "[relay][engine][limits]") {
  SECTION("per-peer circuit cap") {
    ReservationTable t;
    const auto a = peer(1), b = peer(2);
    REQUIRE_OK_ONCE(t.reserve(t0(), a, 10, ip(1)));
    for (int i = 0; i < 4; ++i) REQUIRE_OK_ONCE(t.open_circuit(t0(), b, 20, ip(2), a));
    auto r = t.open_circuit(t0(), b, 20, ip(2), peer(3));  // peer 3 has no reservation either
    REQUIRE_ERR_ONCE(r, error::too_many_circuits_for_peer);
    CHECK(refusal_status(r.error()) == Status::resource_limit_exceeded);
  }
  SECTION("rate limit") {
    RelayLimits l = no_limits();
    l.circuit_rate_per_peer = {1, 60s};
    ReservationTable t(l);
    REQUIRE_ERR_ONCE(t.open_circuit(t0(), peer(2), 20, ip(2), peer(1)), error::no_reservation);
    REQUIRE_ERR_ONCE(t.open_circuit(t0(), peer(2), 20, ip(2), peer(1)), error::circuit_rate_exceeded_for_peer);
  }
}

TEST_CASE("max_circuits_per_peer counts circuits the source takes part in either way", "[relay][engine][limits]") {
  ReservationTable t;
  const auto a = peer(1);
  REQUIRE_OK_ONCE(t.reserve(t0(), a, 10, ip(1)));
  // a is the destination of four circuits from four different peers.
  for (std::uint8_t p = 2; p <= 5; ++p) REQUIRE_OK_ONCE(t.open_circuit(t0(), peer(p), p, ip(p), a));
  CHECK(t.circuit_count(a) == 4);
  REQUIRE_OK_ONCE(t.reserve(t0(), peer(9), 90, ip(9)));
  REQUIRE_ERR_ONCE(t.open_circuit(t0(), a, 10, ip(1), peer(9)), error::too_many_circuits_for_peer);
  REQUIRE_OK_ONCE(t.open_circuit(t0(), peer(6), 6, ip(6), peer(9)));
}

TEST_CASE("max_circuits_per_ip and max_circuits", "[relay][engine][limits]") {
  SECTION("per IP: 8") {
    RelayLimits l;
    l.max_circuits_per_peer = 0;
    ReservationTable t(l);
    REQUIRE_OK_ONCE(t.reserve(t0(), peer(1), 10, ip(1)));
    for (std::uint8_t p = 2; p <= 9; ++p) REQUIRE_OK_ONCE(t.open_circuit(t0(), peer(p), p, ip(2), peer(1)));
    REQUIRE_ERR_ONCE(t.open_circuit(t0(), peer(10), 10, ip(2), peer(1)), error::too_many_circuits_for_ip);
    REQUIRE_OK_ONCE(t.open_circuit(t0(), peer(10), 10, ip(3), peer(1)));
    REQUIRE_OK_ONCE(t.open_circuit(t0(), peer(11), 11, "", peer(1)));  // no IP: exempt
  }
  SECTION("total: 16") {
    RelayLimits l;
    l.max_circuits_per_peer = 0;
    l.max_circuits_per_ip = 0;
    ReservationTable t(l);
    REQUIRE_OK_ONCE(t.reserve(t0(), peer(1), 10, ip(1)));
    for (std::uint8_t p = 2; p <= 17; ++p) REQUIRE_OK_ONCE(t.open_circuit(t0(), peer(p), p, ip(p), peer(1)));
    auto r = t.open_circuit(t0(), peer(18), 18, ip(18), peer(1));
    REQUIRE_ERR_ONCE(r, error::too_many_circuits);
    CHECK(refusal_status(r.error()) == Status::resource_limit_exceeded);
  }
}

TEST_CASE("circuit rate limits per source peer and per source IP", "[relay][engine][rate]") {
  ReservationTable t;  // 30 + 1/2 min per peer, 60 + 1/min per IP
  REQUIRE_OK_ONCE(t.reserve(t0(), peer(1), 10, ip(1)));
  const auto b = peer(2);
  for (int i = 0; i < 30; ++i) {
    auto g = t.open_circuit(t0(), b, 20, ip(2), peer(1));
    REQUIRE_OK_ONCE(g);
    t.circuit_closed(g->id);
  }
  REQUIRE_ERR_ONCE(t.open_circuit(t0(), b, 20, ip(2), peer(1)), error::circuit_rate_exceeded_for_peer);
  REQUIRE_OK_ONCE(t.open_circuit(t0() + 120s, b, 20, ip(2), peer(1)));

  // IP: 30 more from a second peer on the same IP reach the IP's 60 (31 used so far).
  for (int i = 0; i < 29; ++i) {
    auto g = t.open_circuit(t0() + 120s, peer(3), 30, ip(2), peer(1));
    REQUIRE_OK_ONCE(g);
    t.circuit_closed(g->id);
  }
  // 60 IP tokens were drawn by t0()+120s, but 2 refilled (1 per minute): 2 left.
  for (int i = 0; i < 2; ++i) {
    auto g = t.open_circuit(t0() + 120s, peer(4), 40, ip(2), peer(1));
    REQUIRE_OK_ONCE(g);
    t.circuit_closed(g->id);
  }
  REQUIRE_ERR_ONCE(t.open_circuit(t0() + 120s, peer(5), 50, ip(2), peer(1)), error::circuit_rate_exceeded_for_ip);
  REQUIRE_OK_ONCE(t.open_circuit(t0() + 120s, peer(5), 50, ip(3), peer(1)));
}

TEST_CASE("circuit byte limit counts both directions: at the limit ok, one past refused", "[relay][engine][limits]") {
  ReservationTable t;
  REQUIRE_OK_ONCE(t.reserve(t0(), peer(1), 10, ip(1)));
  auto g = t.open_circuit(t0(), peer(2), 20, ip(2), peer(1));
  REQUIRE_OK_ONCE(g);
  CHECK(t.account_bytes(g->id, 65536));  // a -> b
  CHECK(t.account_bytes(g->id, 65535));  // b -> a
  CHECK(t.account_bytes(g->id, 1));      // exactly 131072
  CHECK(t.circuit_bytes(g->id) == 131072);
  CHECK_FALSE(t.account_bytes(g->id, 1));
  CHECK_FALSE(t.account_bytes(g->id, 0));  // stays over
  CHECK_FALSE(t.account_bytes(999, 1));    // unknown circuit
  CHECK(t.circuit_bytes(999) == 0);
}

TEST_CASE("circuit duration limit ends the circuit through expire()", "[relay][engine][limits]") {
  ReservationTable t;
  REQUIRE_OK_ONCE(t.reserve(t0(), peer(1), 10, ip(1)));
  auto g = t.open_circuit(t0(), peer(2), 20, ip(2), peer(1));
  REQUIRE_OK_ONCE(g);
  CHECK(t.next_expiry() == std::optional<Time>(t0() + 120s));
  CHECK(t.expire(t0() + 120s - 1ns).empty());
  auto gone = t.expire(t0() + 120s);
  REQUIRE(gone.size() == 1);
  const auto* c = std::get_if<ExpiredCircuit>(&gone[0]);
  REQUIRE(c);
  CHECK(c->id == g->id);
  CHECK(c->src == peer(2));
  CHECK(c->dst == peer(1));
  CHECK(t.circuit_count() == 0);
  CHECK(t.circuit_count(peer(2)) == 0);
  CHECK(t.has_reservation(peer(1), t0() + 120s));  // the reservation outlives the circuit
}

TEST_CASE("no-limit settings lift every cap", "[relay][engine][limits]") {
  ReservationTable t(no_limits());
  const auto a = peer(1);
  for (ConnectionId c = 1; c <= 300; ++c) REQUIRE_OK_ONCE(t.reserve(t0(), a, c, ip(1)));
  CHECK(t.reservation_count(a) == 300);
  std::vector<CircuitId> ids;
  for (int i = 0; i < 300; ++i) {
    auto g = t.open_circuit(t0(), peer(2), 1000, ip(2), a);
    REQUIRE_OK_ONCE(g);
    CHECK_FALSE(g->deadline);
    CHECK_FALSE(g->limit.duration);
    CHECK_FALSE(g->limit.data);
    ids.push_back(g->id);
  }
  CHECK(t.account_bytes(ids[0], std::size_t{1} << 40));
  CHECK(t.account_bytes(ids[0], std::size_t{1} << 40));
  CHECK(t.expire(t0() + 3599s).empty());
  // Only reservations have deadlines here.
  CHECK(t.next_expiry() == std::optional<Time>(t0() + 3600s));
}

TEST_CASE("durations: sub-second reservation raised to 1 s, sub-second circuit limit rounded up",
          "[relay][engine]") {
  RelayLimits l;
  l.reservation_duration = 200ms;
  l.max_circuit_duration = 1500ms;
  ReservationTable t(l);
  auto g = t.reserve(t0(), peer(1), 1, ip(1));
  REQUIRE_OK_ONCE(g);
  CHECK(g->duration == 1s);
  CHECK(g->expires == t0() + 1s);
  CHECK(t.limits().wire_limit().duration == std::optional<std::uint32_t>(2));
  auto c = t.open_circuit(t0(), peer(2), 2, ip(2), peer(1));
  REQUIRE_OK_ONCE(c);
  CHECK(c->deadline == std::optional<Time>(t0() + 1500ms));
}

TEST_CASE("refusal_status maps every relay error to a Status", "[relay][engine]") {
  struct Row {
    error e;
    Status s;
  };
  const Row rows[] = {
      {error::missing_type, Status::malformed_message},
      {error::unknown_type, Status::malformed_message},
      {error::unexpected_type, Status::unexpected_message},
      {error::missing_peer, Status::malformed_message},
      {error::invalid_peer_id, Status::malformed_message},
      {error::missing_status, Status::malformed_message},
      {error::missing_reservation, Status::malformed_message},
      {error::reservation_without_expire, Status::malformed_message},
      {error::reservation_expired, Status::malformed_message},
      {error::too_many_reservations, Status::resource_limit_exceeded},
      {error::too_many_reservations_for_peer, Status::resource_limit_exceeded},
      {error::too_many_reservations_for_ip, Status::resource_limit_exceeded},
      {error::reservation_rate_exceeded_for_peer, Status::resource_limit_exceeded},
      {error::reservation_rate_exceeded_for_ip, Status::resource_limit_exceeded},
      {error::too_many_circuits, Status::resource_limit_exceeded},
      {error::too_many_circuits_for_peer, Status::resource_limit_exceeded},
      {error::too_many_circuits_for_ip, Status::resource_limit_exceeded},
      {error::circuit_rate_exceeded_for_peer, Status::resource_limit_exceeded},
      {error::circuit_rate_exceeded_for_ip, Status::resource_limit_exceeded},
      {error::no_reservation, Status::no_reservation},
  };
  for (const auto& r : rows) {
    const error_code ec = r.e;
    INFO(ec.message());
    CHECK(refusal_status(ec) == r.s);
    CHECK(ec.message() != "unknown relay error");
  }
  CHECK(refusal_status(error_code{}) == Status::connection_failed);
  CHECK(refusal_status(make_error_code(boost::system::errc::timed_out)) == Status::connection_failed);
}

TEST_CASE("RateLimiter is a token bucket that keeps partial refill progress", "[relay][engine][rate]") {
  SECTION("burst, then one token per interval") {
    RateLimiter r({3, 10s}, 100);
    for (int i = 0; i < 3; ++i) CHECK(r.try_take("a", t0()));
    CHECK_FALSE(r.try_take("a", t0()));
    CHECK(r.try_take("b", t0()));  // separate bucket
    CHECK_FALSE(r.try_take("a", t0() + 9999ms));
    CHECK(r.try_take("a", t0() + 10s));
    CHECK_FALSE(r.try_take("a", t0() + 10s));
    CHECK(r.try_take("a", t0() + 20s));
    // Long idle: refills to the burst, not beyond.
    for (int i = 0; i < 3; ++i) CHECK(r.try_take("a", t0() + 1000s));
    CHECK_FALSE(r.try_take("a", t0() + 1000s));
  }
  SECTION("half-interval steps") {
    RateLimiter r({1, 2s}, 100);
    CHECK(r.try_take("x", t0()));
    CHECK_FALSE(r.try_take("x", t0() + 1s));
    CHECK(r.try_take("x", t0() + 2s));
    CHECK_FALSE(r.try_take("x", t0() + 3s));
    CHECK(r.try_take("x", t0() + 4s));
  }
  SECTION("progress towards the next token survives a refused take") {
    RateLimiter r({2, 10s}, 100);
    CHECK(r.try_take("x", t0()));
    CHECK(r.try_take("x", t0()));
    CHECK(r.try_take("x", t0() + 15s));       // one token at 10 s
    CHECK_FALSE(r.try_take("x", t0() + 19s));
    CHECK(r.try_take("x", t0() + 20s));       // the next at 20 s, not 25 s
  }
  SECTION("unlimited") {
    RateLimiter r({0, 10s}, 1);
    for (int i = 0; i < 1000; ++i) CHECK(r.try_take(std::to_string(i), t0()));
    CHECK(r.tracked() == 0);
  }
  SECTION("the number of tracked sources is capped; refilled buckets are swept") {
    RateLimiter r({2, 10s}, 3);
    CHECK(r.try_take("a", t0()));
    CHECK(r.try_take("b", t0()));
    CHECK(r.try_take("c", t0()));
    CHECK(r.tracked() == 3);
    CHECK_FALSE(r.try_take("d", t0() + 5s));  // table full of partly drained buckets
    CHECK(r.try_take("a", t0() + 5s));        // known sources still served
    CHECK(r.try_take("d", t0() + 10s));       // b and c refilled: swept
    CHECK(r.tracked() == 2);
  }
}
