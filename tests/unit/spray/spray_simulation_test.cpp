// End-to-end on a simulated Linux fully-random NAT: both peers plan from each other's OFFER, S's NAT draws
// 1024 + random16 % 64512 per socket, E guesses the planned ports, every collision connects on both sides,
// and the two selectors must settle on the same socket pair. The success rate must match the model
// 1 − (1 − q)^K (docs/dcutr-spray.md §3).
#include "lp2p/codec/dcutr/spray_plan.hpp"
#include "lp2p/codec/dcutr/spray_selector.hpp"

#include "support/check.hpp"
#include "unit/engines/engines_support.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

using namespace lp2p;
using namespace lp2p::spray;
using namespace std::chrono_literals;
using lp2p::test::ma;
using lp2p::test::t0;

namespace {

SprayOffer offer(MappingKind kind, const std::string& addr, std::uint32_t k, std::uint32_t m) {
  SprayOffer o;
  o.mapping = kind;
  o.obs_addrs.push_back(ma(addr).bytes());
  o.max_sockets = k;
  o.max_guesses = m;
  o.max_rounds = 1;
  return o;
}

struct Trial {
  bool met = false;
  bool agreed = true;
};

/// One round. `a_is_s`: A is the sprayer. Returns whether a connection was established and both
/// selectors picked the two ends of the same connection.
/// E's socket for each guessed port, in the plan's dialing order.
std::map<std::uint16_t, SocketId> guess_sockets(const SprayPlan& plan) {
  std::map<std::uint16_t, SocketId> out;
  SocketId j = 0;
  for (const auto& r : plan.guess_ports)
    for (std::uint32_t p = r.first; p <= r.last; ++p) out[static_cast<std::uint16_t>(p)] = j++;
  return out;
}

Trial run_round(const SprayPlan& pa, const SprayPlan& pb, const std::map<std::uint16_t, SocketId>& guess_socket,
                std::mt19937& rng) {
  const SprayPlan& ps = pa.part == SprayPart::sprayer ? pa : pb;

  const auto t = t0();
  SpraySelector sel_a(Role::a, t, pa.round_timeout, pa.our_sockets());
  SpraySelector sel_b(Role::b, t, pb.round_timeout, pb.our_sockets());
  Trial tr;
  for (std::uint32_t i = 0; i < pa.our_sockets(); ++i) tr.agreed = sel_a.on_opened(t).has_value() && tr.agreed;
  for (std::uint32_t i = 0; i < pb.our_sockets(); ++i) tr.agreed = sel_b.on_opened(t).has_value() && tr.agreed;

  // S's public ports: distinct draws (the NAT never reuses a port for the same destination).
  std::set<std::uint16_t> used;
  std::vector<std::pair<SocketId, SocketId>> pairs;  // (S socket, E socket) that meet
  for (std::uint32_t i = 0; i < ps.sockets; ++i) {
    std::uint16_t port;
    do port = static_cast<std::uint16_t>(1024 + (rng() & 0xffff) % 64512);
    while (!used.insert(port).second);
    if (auto it = guess_socket.find(port); it != guess_socket.end()) pairs.emplace_back(i, it->second);
  }
  std::shuffle(pairs.begin(), pairs.end(), rng);
  const bool a_is_s = pa.part == SprayPart::sprayer;
  std::optional<SocketId> a_spoke, b_adopted;
  auto now = t + 1s;
  for (const auto& [s_id, e_id] : pairs) {
    const SocketId a_id = a_is_s ? s_id : e_id, b_id = a_is_s ? e_id : s_id;
    auto act_a = sel_a.on_connected(a_id, now);
    sel_b.on_connected(b_id, now);
    if (act_a.speak_on) {
      a_spoke = act_a.speak_on;
      // A's first bytes reach B on the other end of the same connection.
      auto act_b = sel_b.on_readable(b_id, now + 10ms);
      b_adopted = act_b.adopt;
    }
    now += 20ms;
  }
  if (a_spoke) {
    tr.met = true;
    const auto it = std::find_if(pairs.begin(), pairs.end(), [&](const auto& p) {
      return (a_is_s ? p.first : p.second) == *a_spoke;
    });
    const SocketId expect_b = a_is_s ? it->second : it->first;
    tr.agreed = tr.agreed && b_adopted == expect_b && sel_a.on_upgraded(*a_spoke, now).round_over &&
                sel_b.on_upgraded(*b_adopted, now).round_over;
  } else {
    tr.agreed = tr.agreed && sel_a.on_timeout(t + pa.round_timeout).round_over && sel_b.on_timeout(t + pb.round_timeout).round_over;
  }
  return tr;
}

}  // namespace

TEST_CASE("spray simulation: success rate matches the model, both sides agree", "[spray][simulation]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  struct Case {
    std::uint32_t k, m;
    bool a_is_s;
  };
  for (const auto& c : {Case{96, 1024, true}, Case{32, 1024, false}, Case{64, 1500, true}}) {
    const auto sym = offer(MappingKind::endpoint_dependent, "/ip4/203.0.113.9/tcp/40000", c.k, c.m);
    const auto eim = offer(MappingKind::endpoint_independent_preserving, "/ip4/198.51.100.2/tcp/4001", c.k, c.m);
    const SprayOffer& a_off = c.a_is_s ? sym : eim;
    const SprayOffer& b_off = c.a_is_s ? eim : sym;
    const auto pa = plan_spray(a_off, b_off, Role::a, SprayConfig{});
    const auto pb = plan_spray(b_off, a_off, Role::b, SprayConfig{});
    REQUIRE(pa.ok());
    REQUIRE_OK(verify_sync(pb.sync(1), pa));
    const auto guesses = guess_sockets(pa);
    REQUIRE(guesses.size() == c.m);
    const int trials = 400;
    int met = 0;
    for (int i = 0; i < trials; ++i) {
      const Trial tr = run_round(pa, pb, guesses, rng);
      if (!tr.agreed) FAIL("the selectors disagree in trial " << i);
      met += tr.met ? 1 : 0;
    }
    const double rate = double(met) / trials;
    const double p = pa.expected_success;
    const double sigma = std::sqrt(p * (1 - p) / trials);
    INFO("K " << c.k << " M " << c.m << ": met " << met << "/" << trials << ", model " << p);
    CHECK(std::abs(rate - p) <= 4 * sigma + 0.01);
  }
}
