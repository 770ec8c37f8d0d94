#include "lp2p/codec/relay/reservation_client.hpp"

#include "unit/engines/engines_support.hpp"
#include "support/check.hpp"

#include <vector>

using namespace lp2p;
using namespace lp2p::relay;
using namespace std::chrono_literals;
using lp2p::test::t0;
using Kind = KeeperEvent::Kind;

namespace {

std::vector<KeeperEvent> drain(ReservationKeeper& k) {
  std::vector<KeeperEvent> out;
  while (auto e = k.poll_event()) out.push_back(std::move(*e));
  return out;
}

constexpr std::uint64_t unix0 = 1'700'000'000;

/// Brings a fresh keeper to "reserved" at t0() with a one-hour reservation.
void reserve_once(ReservationKeeper& k) {
  REQUIRE(k.next_action(t0()) == KeeperAction::reconnect);
  k.on_connected(t0());
  REQUIRE(k.next_action(t0()) == KeeperAction::reserve);
  REQUIRE_OK_ONCE(k.on_accepted(t0(), unix0 + 3600, unix0));
}

}  // namespace

TEST_CASE("keeper: connect, reserve, renew at 3/4 of the lifetime", "[relay][keeper]") {
  ReservationKeeper k;
  CHECK(k.state() == KeeperState::disconnected);
  CHECK(k.next_wakeup() == std::optional<Time>(Time{}));  // due at once
  CHECK(k.next_action(t0()) == KeeperAction::reconnect);
  CHECK(k.state() == KeeperState::connecting);
  CHECK(k.next_action(t0()) == KeeperAction::none);  // in flight
  CHECK_FALSE(k.next_wakeup());
  k.on_connected(t0() + 1s);
  CHECK(k.next_action(t0() + 1s) == KeeperAction::reserve);
  CHECK(k.state() == KeeperState::reserving);
  CHECK(k.next_action(t0() + 1s) == KeeperAction::none);

  REQUIRE_OK_ONCE(k.on_accepted(t0() + 2s, unix0 + 3600, unix0));
  CHECK(k.state() == KeeperState::reserved);
  CHECK(k.reserved(t0() + 2s));
  CHECK(k.expires() == std::optional<Time>(t0() + 2s + 3600s));
  CHECK(k.renew_at() == std::optional<Time>(t0() + 2s + 2700s));
  CHECK(k.next_wakeup() == k.renew_at());
  auto ev = drain(k);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == Kind::accepted);
  CHECK(ev[0].expires == k.expires());
  CHECK(ev[0].reason.empty());

  CHECK(k.next_action(t0() + 2s + 2700s - 1ns) == KeeperAction::none);
  CHECK(k.next_action(t0() + 2s + 2700s) == KeeperAction::reserve);
  CHECK(k.state() == KeeperState::renewing);
  CHECK(k.reserved(t0() + 2s + 2700s));                  // still live while renewing
  CHECK(k.next_wakeup() == k.expires());                 // wake to notice expiry if no answer
  REQUIRE_OK_ONCE(k.on_accepted(t0() + 2701s, unix0 + 2699 + 3600, unix0 + 2699));  // wall clock skewed: fine
  ev = drain(k);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == Kind::renewed);
  CHECK(k.renew_at() == std::optional<Time>(t0() + 2701s + 2700s));
}

TEST_CASE("keeper: renewal delay is 3/4 of expire - now, floored at min_renewal_delay", "[relay][keeper]") {
  struct Row {
    std::uint64_t remaining_s;
    Duration renew_after;
  };
  const Row rows[] = {{3600, 2700s}, {4, 3s}, {120, 90s}, {1, 1s}, {0, 1s}};
  for (const auto& r : rows) {
    INFO("remaining " << r.remaining_s);
    ReservationKeeper k;
    k.on_connected(t0());
    REQUIRE(k.next_action(t0()) == KeeperAction::reserve);
    REQUIRE_OK_ONCE(k.on_accepted(t0(), unix0 + r.remaining_s, unix0));
    CHECK(k.renew_at() == std::optional<Time>(t0() + r.renew_after));
  }
}

TEST_CASE("keeper: an expiry in the past is refused and retried", "[relay][keeper]") {
  ReservationKeeper k;
  k.on_connected(t0());
  REQUIRE(k.next_action(t0()) == KeeperAction::reserve);
  REQUIRE_ERR_ONCE(k.on_accepted(t0(), unix0 - 1, unix0), error::reservation_expired);
  CHECK(k.state() == KeeperState::connected);
  CHECK_FALSE(k.reserved(t0()));
  auto ev = drain(k);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == Kind::refused);
  CHECK(k.next_action(t0() + 999ms) == KeeperAction::none);
  CHECK(k.next_action(t0() + 1s) == KeeperAction::reserve);
}

TEST_CASE("keeper: backoff doubles from 1 s to 60 s and resets on a grant", "[relay][keeper]") {
  ReservationKeeper k;
  Time now = t0();
  const Duration expected[] = {1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s, 60s};
  for (Duration d : expected) {
    REQUIRE(k.next_action(now) == KeeperAction::reconnect);
    k.on_connect_failed(now, "connection refused");
    REQUIRE(k.next_wakeup() == std::optional<Time>(now + d));
    CHECK(k.next_action(now + d - 1ns) == KeeperAction::none);
    now += d;
  }
  auto ev = drain(k);
  CHECK(ev.size() == std::size(expected));
  CHECK(ev.back().kind == Kind::refused);
  CHECK(ev.back().reason.find("connection refused") != std::string::npos);

  REQUIRE(k.next_action(now) == KeeperAction::reconnect);
  k.on_connected(now);
  REQUIRE(k.next_action(now) == KeeperAction::reserve);
  REQUIRE_OK_ONCE(k.on_accepted(now, unix0 + 3600, unix0));
  CHECK(k.current_backoff() == 1s);
  k.on_connection_lost(now + 10s, "reset");
  CHECK(k.next_wakeup() == std::optional<Time>(now + 10s + 1s));
}

TEST_CASE("keeper: losing the relay connection loses the reservation, then restores it", "[relay][keeper]") {
  ReservationKeeper k;
  reserve_once(k);
  drain(k);
  const Time lost_at = t0() + 300s;
  k.on_connection_lost(lost_at, "no ping reply within 15 s");
  CHECK(k.state() == KeeperState::disconnected);
  CHECK_FALSE(k.reserved(lost_at));
  CHECK_FALSE(k.expires());
  auto ev = drain(k);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == Kind::lost);
  CHECK(ev[0].at == lost_at);
  CHECK(ev[0].reason == "the relay connection was lost: no ping reply within 15 s");

  CHECK(k.next_action(lost_at + 999ms) == KeeperAction::none);
  CHECK(k.next_action(lost_at + 1s) == KeeperAction::reconnect);
  k.on_connect_failed(lost_at + 2s, "timeout");  // backoff 2 s
  CHECK(k.next_action(lost_at + 3s) == KeeperAction::none);
  CHECK(k.next_action(lost_at + 4s) == KeeperAction::reconnect);
  k.on_connected(lost_at + 4s);
  CHECK(k.next_action(lost_at + 4s) == KeeperAction::reserve);
  REQUIRE_OK_ONCE(k.on_accepted(lost_at + 5s, unix0 + 3600, unix0));
  ev = drain(k);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].kind == Kind::refused);
  CHECK(ev[1].kind == Kind::restored);
  CHECK(k.current_backoff() == 1s);

  // Losing a connection that held no reservation emits no "lost".
  k.on_connection_lost(lost_at + 10s, "x");
  drain(k);
  REQUIRE(k.next_action(lost_at + 11s) == KeeperAction::reconnect);
  k.on_connection_lost(lost_at + 12s, "y");
  CHECK(drain(k).empty());
}

TEST_CASE("keeper: a refused first reservation retries with backoff", "[relay][keeper]") {
  ReservationKeeper k;
  k.on_connected(t0());
  REQUIRE(k.next_action(t0()) == KeeperAction::reserve);
  k.on_refused(t0(), Status::resource_limit_exceeded);
  auto ev = drain(k);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == Kind::refused);
  CHECK(ev[0].reason == "reservation failed: the relay answered RESOURCE_LIMIT_EXCEEDED");
  CHECK(k.state() == KeeperState::connected);
  CHECK(k.next_action(t0() + 1s) == KeeperAction::reserve);
  k.on_reserve_failed(t0() + 1s, "stream reset");
  CHECK(k.next_action(t0() + 2s) == KeeperAction::none);
  CHECK(k.next_action(t0() + 3s) == KeeperAction::reserve);
  REQUIRE_OK_ONCE(k.on_accepted(t0() + 3s, unix0 + 3600, unix0));
  ev = drain(k);
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].kind == Kind::accepted);  // never held one before: accepted, not restored
}

TEST_CASE("keeper: refused renewals keep the reservation until it expires", "[relay][keeper]") {
  ReservationKeeper k;
  reserve_once(k);
  drain(k);
  Time now = t0() + 2700s;
  REQUIRE(k.next_action(now) == KeeperAction::reserve);
  k.on_refused(now, Status::resource_limit_exceeded);
  CHECK(k.state() == KeeperState::reserved);
  CHECK(k.reserved(now));
  CHECK(k.renew_at() == std::optional<Time>(now + 1s));
  auto ev = drain(k);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].reason == "renewal failed: the relay answered RESOURCE_LIMIT_EXCEEDED");

  // Keep refusing until the reservation runs out.
  int refusals = 1;
  while (true) {
    now = *k.next_wakeup();
    auto a = k.next_action(now);
    if (a != KeeperAction::reserve || k.state() != KeeperState::renewing) break;
    k.on_refused(now, Status::resource_limit_exceeded);
    ++refusals;
    REQUIRE(refusals < 40);
  }
  CHECK(now == t0() + 3600s);  // woken at the expiry, not at the later retry
  ev = drain(k);
  REQUIRE_FALSE(ev.empty());
  bool saw_lost = false;
  for (const auto& e : ev)
    if (e.kind == Kind::lost) {
      saw_lost = true;
      CHECK(e.reason == "the reservation expired at the relay before a renewal was granted");
      CHECK(e.at == now);
    }
  CHECK(saw_lost);
  CHECK(k.state() == KeeperState::reserving);  // a fresh RESERVE went out right after the loss
  REQUIRE_OK_ONCE(k.on_accepted(now, unix0 + 3600, unix0));
  ev = drain(k);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == Kind::restored);
}

TEST_CASE("keeper: a renewal that never answers is noticed at expiry", "[relay][keeper]") {
  ReservationKeeper k;
  reserve_once(k);
  drain(k);
  REQUIRE(k.next_action(t0() + 2700s) == KeeperAction::reserve);
  CHECK(k.next_action(t0() + 3599s) == KeeperAction::none);
  CHECK(drain(k).empty());
  CHECK(k.next_action(t0() + 3600s) == KeeperAction::none);  // still waiting for the RESERVE in flight
  auto ev = drain(k);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == Kind::lost);
  CHECK(k.state() == KeeperState::reserving);
  CHECK_FALSE(k.next_wakeup());
  k.on_reserve_failed(t0() + 3610s, "timeout");
  CHECK(k.state() == KeeperState::connected);
}

TEST_CASE("keeper: the event queue is capped", "[relay][keeper]") {
  ReservationKeeper k;
  Time now = t0();
  for (int i = 0; i < 100; ++i) {
    REQUIRE(k.next_action(now) == KeeperAction::reconnect);
    k.on_connect_failed(now, std::to_string(i));
    now = *k.next_wakeup();
  }
  auto ev = drain(k);
  REQUIRE(ev.size() == ReservationKeeper::max_events);
  CHECK(ev.back().reason == "could not connect to the relay: 99");
  CHECK(ev.front().reason == "could not connect to the relay: 36");
}

TEST_CASE("keeper: outcomes reported in the wrong state are ignored", "[relay][keeper]") {
  ReservationKeeper k;
  reserve_once(k);
  drain(k);
  k.on_connected(t0());  // already connected and reserved
  CHECK(k.state() == KeeperState::reserved);
  k.on_connect_failed(t0(), "late");
  CHECK(k.state() == KeeperState::reserved);
  CHECK(drain(k).empty());
  // A grant arriving after the connection was lost does not resurrect the reservation.
  k.on_connection_lost(t0() + 1s, "reset");
  drain(k);
  REQUIRE_OK_ONCE(k.on_accepted(t0() + 1s, unix0 + 3600, unix0));
  CHECK(k.state() == KeeperState::disconnected);
  CHECK_FALSE(k.reserved(t0() + 1s));
  CHECK(drain(k).empty());
}

TEST_CASE("keeper: retry_now hurries a backed-off attempt, not one in flight or a live reservation", "[relay][keeper]") {
  ReservationKeeper k;
  REQUIRE(k.next_action(t0()) == KeeperAction::reconnect);
  CHECK_FALSE(k.retry_now(t0()));  // the reconnect is in flight
  k.on_connect_failed(t0(), "refused");
  REQUIRE(k.next_action(t0() + 10ms) == KeeperAction::none);  // backing off 1 s
  const auto backoff_before = k.current_backoff();
  CHECK(k.retry_now(t0() + 10ms));
  CHECK(k.next_wakeup() == std::optional<Time>(t0() + 10ms));
  CHECK(k.next_action(t0() + 10ms) == KeeperAction::reconnect);
  CHECK(k.current_backoff() == backoff_before);  // asking again does not reset the backoff
  k.on_connected(t0() + 20ms);
  REQUIRE(k.next_action(t0() + 20ms) == KeeperAction::reserve);
  k.on_refused(t0() + 30ms, Status::reservation_refused);
  REQUIRE(k.next_action(t0() + 40ms) == KeeperAction::none);  // connected, RESERVE backing off
  CHECK(k.retry_now(t0() + 40ms));
  CHECK(k.next_action(t0() + 40ms) == KeeperAction::reserve);
  REQUIRE_OK_ONCE(k.on_accepted(t0() + 50ms, unix0 + 3600, unix0));
  CHECK_FALSE(k.retry_now(t0() + 60ms));  // live reservation: nothing to hurry
  CHECK(k.state() == KeeperState::reserved);
}
