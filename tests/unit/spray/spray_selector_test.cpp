// The spray selector: A speaks on the first connected socket, B adopts the first that speaks; spares,
// fallback, late connects, timeouts, and the SYN count for the log line.
#include "lp2p/codec/dcutr/spray_selector.hpp"

#include "support/check.hpp"
#include "unit/engines/engines_support.hpp"

#include <algorithm>

using namespace lp2p;
using namespace lp2p::spray;
using namespace std::chrono_literals;
using lp2p::test::t0;

namespace {

std::vector<SocketId> open_n(SpraySelector& s, std::uint32_t n, Time now) {
  std::vector<SocketId> ids;
  for (std::uint32_t i = 0; i < n; ++i) ids.push_back(s.on_opened(now).value());
  return ids;
}

bool closes(const SelectorActions& a, SocketId id) {
  return std::find(a.close.begin(), a.close.end(), id) != a.close.end();
}

}  // namespace

TEST_CASE("spray selector A: speaks on the first connection, closes the rest on success", "[spray][selector]") {
  const auto t = t0();
  SpraySelector s(Role::a, t, 5s, 8);
  CHECK(s.deadline() == t + 5s);
  open_n(s, 8, t);
  CHECK_FALSE(s.on_opened(t).has_value());  // the cap
  auto a = s.on_connected(3, t + 1500ms);
  REQUIRE(a.speak_on == SocketId{3});
  CHECK(a.close.empty());
  CHECK(s.state() == SpraySelector::State::upgrading);
  a = s.on_connected(5, t + 1600ms);  // a spare
  CHECK_FALSE(a.speak_on.has_value());
  CHECK(a.close.empty());
  CHECK(s.on_connected(5, t + 1600ms).close.empty());  // duplicate: ignored
  CHECK(s.on_readable(5, t + 1600ms).close.empty());   // A ignores bytes
  a = s.on_upgraded(3, t + 2s);
  CHECK(a.round_over);
  CHECK(s.state() == SpraySelector::State::succeeded);
  CHECK(s.chosen() == SocketId{3});
  CHECK(a.close.size() == 7);
  CHECK_FALSE(closes(a, 3));
  CHECK(closes(a, 5));
  // A late connect after the choice is closed at once.
  s.on_failed(6, t + 2s);
  a = s.on_connected(7, t + 3s);
  CHECK(a.close.empty());  // already closed by the success
  CHECK_FALSE(s.on_opened(t + 3s).has_value());
  const auto st = s.stats(t + 3s);
  CHECK(st.opened == 8);
  CHECK(st.connected == 2);
  CHECK(st.closed == 7);
  CHECK(st.failed == 0);
  // Each socket left SYN_SENT at 1.5 s, 1.6 s or 2 s: one retransmit (at 1 s) each.
  CHECK(st.syns == 16);
}

TEST_CASE("spray selector A: falls back to a spare when the chosen socket fails", "[spray][selector]") {
  const auto t = t0();
  SpraySelector s(Role::a, t, 5s, 4);
  open_n(s, 4, t);
  REQUIRE(s.on_connected(0, t + 100ms).speak_on == SocketId{0});
  s.on_connected(1, t + 200ms);
  s.on_connected(2, t + 300ms);
  auto a = s.on_upgrade_failed(0, t + 1s);
  CHECK(closes(a, 0));
  REQUIRE(a.speak_on == SocketId{1});
  a = s.on_failed(1, t + 2s);  // the peer reset the fallback too
  REQUIRE(a.speak_on == SocketId{2});
  a = s.on_failed(2, t + 3s);  // nothing left: wait for more within the round
  CHECK_FALSE(a.speak_on.has_value());
  CHECK_FALSE(a.round_over);
  CHECK(s.state() == SpraySelector::State::waiting);
  REQUIRE(s.on_connected(3, t + 4s).speak_on == SocketId{3});
  CHECK(s.on_upgraded(3, t + 4500ms).round_over);
  const auto st = s.stats(t + 5s);
  CHECK(st.fallbacks == 2);
  CHECK(st.failed == 3);
}

TEST_CASE("spray selector B: adopts the first socket that speaks", "[spray][selector]") {
  const auto t = t0();
  SpraySelector s(Role::b, t, 5s, 4);
  open_n(s, 4, t);
  CHECK_FALSE(s.on_connected(0, t + 100ms).adopt.has_value());  // B never chooses on connect
  CHECK_FALSE(s.on_connected(1, t + 100ms).adopt.has_value());
  auto a = s.on_readable(1, t + 200ms);
  REQUIRE(a.adopt == SocketId{1});
  CHECK(a.close.empty());  // A may still fall back to socket 0
  CHECK(s.on_readable(1, t + 250ms).close.empty());  // more bytes: nothing new
  a = s.on_readable(2, t + 300ms);  // connect and bytes reported together; kept as a spare
  CHECK_FALSE(a.adopt.has_value());
  // The adopted upgrade fails: B takes the socket that already spoke.
  a = s.on_upgrade_failed(1, t + 400ms);
  CHECK(closes(a, 1));
  REQUIRE(a.adopt == SocketId{2});
  a = s.on_upgraded(2, t + 500ms);
  CHECK(a.round_over);
  CHECK(closes(a, 0));
  CHECK(closes(a, 3));
  CHECK(s.state() == SpraySelector::State::succeeded);
  // Late bytes or connects are closed.
  CHECK(s.on_connected(3, t + 600ms).close.empty());  // already closed above
  CHECK(s.stats(t + 1s).fallbacks == 1);
}

TEST_CASE("spray selector: the timeout closes everything when nothing was chosen", "[spray][selector]") {
  const auto t = t0();
  for (Role r : {Role::a, Role::b}) {
    SpraySelector s(r, t, 5s, 3);
    open_n(s, 3, t);
    s.on_failed(2, t + 1s);  // refused
    if (r == Role::b) s.on_connected(1, t + 2s);  // connected, never spoke
    CHECK(s.on_timeout(t + 4s).close.empty());  // early: ignored
    auto a = s.on_timeout(t + 5s);
    CHECK(a.round_over);
    CHECK(s.state() == SpraySelector::State::failed);
    CHECK(a.close.size() == 2);
    CHECK(closes(a, 0));
    CHECK(closes(a, 1));
    CHECK(s.on_timeout(t + 6s).close.empty());
    // A connection completing after the round is closed at once.
    SpraySelector late(r, t, 5s, 1);
    late.on_opened(t);
    late.on_timeout(t + 5s);
    CHECK(late.on_connected(0, t + 6s).close.empty());  // closed by the timeout already
    const auto st = s.stats(t + 10s);
    // Sockets 0 and 1 (A) stayed in SYN_SENT for 5 s: SYNs at 0, 1, 3 s; socket 2 refused at 1 s: 1 SYN.
    if (r == Role::a) CHECK(st.syns == 3 + 3 + 1);
    INFO(explain_round(SprayPlan{}, st));
    CHECK(explain_round(SprayPlan{}, st).find("sent ") == 0);
  }
}

TEST_CASE("spray selector: a running upgrade survives the deadline, late sockets do not", "[spray][selector]") {
  const auto t = t0();
  SpraySelector s(Role::a, t, 5s, 4);
  open_n(s, 4, t);
  REQUIRE(s.on_connected(0, t + 4s).speak_on == SocketId{0});
  s.on_connected(1, t + 4500ms);  // spare
  auto a = s.on_timeout(t + 5s);
  CHECK_FALSE(a.round_over);
  CHECK(a.close.size() == 3);  // the spare and the two in SYN_SENT
  CHECK_FALSE(closes(a, 0));
  CHECK(s.state() == SpraySelector::State::upgrading);
  // After the deadline no fallback: the failed upgrade ends the round.
  a = s.on_upgrade_failed(0, t + 6s);
  CHECK(closes(a, 0));
  CHECK(a.round_over);
  CHECK_FALSE(a.speak_on.has_value());
  CHECK(s.state() == SpraySelector::State::failed);

  SpraySelector u(Role::b, t, 5s, 3);
  open_n(u, 3, t);
  REQUIRE(u.on_readable(0, t + 4s).adopt == SocketId{0});
  a = u.on_timeout(t + 5s);
  CHECK(a.close.size() == 2);
  CHECK_FALSE(closes(a, 0));
  CHECK(u.on_upgraded(0, t + 5500ms).round_over);
  CHECK(u.state() == SpraySelector::State::succeeded);
  // A connection that completes after the deadline while an upgrade runs is closed at once.
  SpraySelector v(Role::a, t, 5s, 3);
  open_n(v, 3, t);
  REQUIRE(v.on_connected(0, t + 4s).speak_on == SocketId{0});
  a = v.on_connected(1, t + 5500ms);
  CHECK(closes(a, 1));
}

TEST_CASE("spray selector: ids out of range and events for the wrong socket are ignored", "[spray][selector]") {
  const auto t = t0();
  SpraySelector s(Role::a, t, 5s, 2);
  open_n(s, 2, t);
  CHECK(s.on_connected(99, t).close.empty());
  CHECK(s.on_failed(99, t).close.empty());
  CHECK(s.on_readable(99, t).close.empty());
  CHECK_FALSE(s.on_upgraded(0, t).round_over);  // not chosen
  CHECK(s.on_upgrade_failed(1, t).close.empty());
  CHECK(s.state() == SpraySelector::State::waiting);
  CHECK(to_string(s.state()) == "waiting");
}

TEST_CASE("spray selector: the log line names the reason", "[spray][selector]") {
  SprayPlan p;
  p.part = SprayPart::sprayer;
  p.sockets = 192;
  p.guesses = 1024;
  p.target_ip = "198.51.100.2";
  p.target_port = 4001;
  p.expected_success = 0.9977;
  SprayStats st;
  st.opened = 192;
  st.syns = 576;
  st.connected = 1;
  const auto line = explain_round(p, st);
  CHECK(line.find("sent 576 SYNs from 192 sockets because our NAT maps each destination to a new public port") ==
        0);
  CHECK(line.find("99.8 %") != std::string::npos);
  p.part = SprayPart::guesser;
  p.guess_ip = "203.0.113.9";
  CHECK(explain_round(p, st).find("M=1024 guesses at 203.0.113.9") != std::string::npos);
}
