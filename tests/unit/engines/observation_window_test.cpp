// dcutr::ObservationWindow (a Host's last N address observations, parsed lazily): whatever the pattern of
// push() and prepared() calls, prepared() equals prepare() of each observation in the window, in order,
// and the window keeps exactly the newest N.
#include "codec/dcutr/observation_window.hpp"

#include "unit/engines/engines_support.hpp"
#include "support/check.hpp"

#include <random>
#include <string>
#include <vector>

using namespace lp2p;
using namespace lp2p::dcutr;
using lp2p::test::ma;

namespace {

/// Observation number `i`: distinct observers and observed ports, some unusable (local port 0, or an
/// observed address that is not ip/tcp).
Observation numbered(int i) {
  const std::string observer = "/ip4/192.0.2." + std::to_string(1 + i % 250) + "/tcp/" + std::to_string(1000 + i);
  std::string observed = "/ip4/198.51.100.7/tcp/" + std::to_string(20000 + i);
  if (i % 7 == 3) observed = "/ip4/198.51.100.7/udp/" + std::to_string(20000 + i);
  if (i % 5 == 1) observed = "/ip6/2001:db8::" + std::to_string(1 + i % 100) + "/tcp/4001";
  return Observation{ma(observer), ma(observed), static_cast<std::uint16_t>(i % 11 == 4 ? 0 : 4001 + i % 3)};
}

bool same(const PreparedObservation& a, const PreparedObservation& b) {
  return a.usable == b.usable && a.ip == b.ip && a.endpoint == b.endpoint && a.port == b.port &&
         a.scoped == b.scoped && a.observer == b.observer && a.local_port == b.local_port;
}

/// The window must hold observations first..next-1 (the newest `capacity` of those pushed).
void check_window(ObservationWindow& w, int first, int next) {
  INFO("window [" << first << ", " << next << ")");
  const auto& obs = w.observations();
  REQUIRE(obs.size() == static_cast<std::size_t>(next - first));
  for (int i = first; i < next; ++i) {
    const auto& o = obs[static_cast<std::size_t>(i - first)];
    const auto want = numbered(i);
    CHECK(o.observer == want.observer);
    CHECK(o.observed == want.observed);
    CHECK(o.local_port == want.local_port);
  }
  const auto p = w.prepared();
  REQUIRE(p.size() == obs.size());
  for (std::size_t k = 0; k < p.size(); ++k) {
    INFO("entry " << k);
    CHECK(same(p[k], prepare(obs[k])));
  }
}

}  // namespace

TEST_CASE("observation window: prepared() equals prepare() of the window under any call pattern",
          "[dcutr][nat][window]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (std::size_t capacity : {std::size_t{1}, std::size_t{2}, std::size_t{5}, std::size_t{64}}) {
    INFO("capacity " << capacity);
    ObservationWindow w(capacity);
    check_window(w, 0, 0);  // empty
    int next = 0;
    for (int round = 0; round < 60; ++round) {
      // Bursts of 0 .. 3 * capacity pushes between reads: below, at, and far past the capacity.
      const int burst = static_cast<int>(rng() % (3 * capacity + 1));
      for (int k = 0; k < burst; ++k) w.push(numbered(next++));
      const int first = std::max(0, next - static_cast<int>(capacity));
      check_window(w, first, next);
      if (rng() % 3 == 0) check_window(w, first, next);  // twice in a row: nothing new to prepare
    }
  }
}

TEST_CASE("observation window: exactly at and one past the capacity", "[dcutr][nat][window]") {
  ObservationWindow w(64);
  for (int i = 0; i < 64; ++i) w.push(numbered(i));
  check_window(w, 0, 64);  // at the cap: nothing dropped
  w.push(numbered(64));
  check_window(w, 1, 65);  // one past: the oldest (prepared) one left
  for (int i = 65; i < 64 + 65; ++i) w.push(numbered(i));
  check_window(w, 65, 129);  // every prepared one left, and 1 unprepared one too
  ObservationWindow zero(0);  // treated as a capacity of one
  zero.push(numbered(0));
  zero.push(numbered(1));
  check_window(zero, 1, 2);
}

TEST_CASE("observation window: the verdict over prepared() equals diagnose_nat over the window",
          "[dcutr][nat][window]") {
  ObservationWindow w(8);
  for (int i = 0; i < 30; ++i) {
    w.push(numbered(i));
    if (i % 4 != 0) continue;
    const std::vector<Observation> copy(w.observations().begin(), w.observations().end());
    const auto a = diagnose_prepared(w.prepared());
    const auto b = diagnose_nat(copy);
    CHECK(a.kind == b.kind);
    CHECK(a.observed == b.observed);
    CHECK(a.observers == b.observers);
    CHECK(a.usable == b.usable);
  }
}
