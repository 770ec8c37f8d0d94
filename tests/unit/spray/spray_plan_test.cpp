// The spray planner: roles, K/M, guessed ports, the success model, and every no-plan reason.
#include "lp2p/codec/dcutr/spray_plan.hpp"

#include "support/check.hpp"
#include "unit/engines/engines_support.hpp"

#include <cmath>
#include <random>

using namespace lp2p;
using namespace lp2p::spray;
using lp2p::test::ma;

namespace {

SprayOffer offer(MappingKind kind, const std::string& addr, std::uint16_t pmin = 0, std::uint16_t pmax = 0,
                 std::uint32_t k = 192, std::uint32_t m = 1024) {
  SprayOffer o;
  o.mapping = kind;
  if (!addr.empty()) o.obs_addrs.push_back(ma(addr).bytes());
  o.port_min = pmin;
  o.port_max = pmax;
  o.max_sockets = k;
  o.max_guesses = m;
  o.max_rounds = 3;
  return o;
}

const SprayOffer sym = offer(MappingKind::endpoint_dependent, "/ip4/203.0.113.9/tcp/40000", 30000, 60000);
const SprayOffer eim = offer(MappingKind::endpoint_independent_preserving, "/ip4/198.51.100.2/tcp/4001");

/// Checks the invariants of a guess list: disjoint, within 1024-65535, exactly `m` ports.
void check_guesses(const std::vector<PortRange>& g, std::uint32_t m) {
  std::vector<bool> seen(65536);
  std::uint32_t n = 0, twice = 0;
  for (const auto& r : g) {
    REQUIRE(r.first >= 1024);
    REQUIRE(r.first <= r.last);
    for (std::uint32_t p = r.first; p <= r.last; ++p) {
      twice += seen[p] ? 1 : 0;
      seen[p] = true;
      ++n;
    }
  }
  CHECK(twice == 0);
  CHECK(n == std::min<std::uint32_t>(m, 64512));
  CHECK(port_count(g) == n);
}

}  // namespace

TEST_CASE("spray plan: one dependent side is S whatever its DCUtR role", "[spray][plan]") {
  const SprayConfig cfg;
  for (bool b_is_sym : {true, false}) {
    INFO("B symmetric: " << b_is_sym);
    const SprayOffer& a_off = b_is_sym ? eim : sym;
    const SprayOffer& b_off = b_is_sym ? sym : eim;
    const auto pa = plan_spray(a_off, b_off, Role::a, cfg);
    const auto pb = plan_spray(b_off, a_off, Role::b, cfg);
    INFO(describe(pa));
    REQUIRE(pa.ok());
    REQUIRE(pb.ok());
    CHECK(pa.b_sprays == b_is_sym);
    CHECK(pb.b_sprays == b_is_sym);
    CHECK(pa.part == (b_is_sym ? SprayPart::guesser : SprayPart::sprayer));
    CHECK(pb.part == (b_is_sym ? SprayPart::sprayer : SprayPart::guesser));
    CHECK(pa.we == Role::a);
    CHECK(pb.we == Role::b);
    for (const auto* p : {&pa, &pb}) {
      CHECK(p->sockets == 192);
      CHECK(p->guesses == 1024);
      CHECK(p->rounds == 3);
      CHECK(p->round_timeout == std::chrono::seconds{5});
      CHECK(p->target_ip == "198.51.100.2");
      CHECK(p->target_port == 4001);
      CHECK(p->guess_ip == "203.0.113.9");
      CHECK(p->guess_ports == std::vector<PortRange>{{1024, 2047}});
      CHECK(p->expected_success == Approx(1 - std::pow(31.0 / 32, 192)));
    }
    CHECK(pa.our_sockets() == (b_is_sym ? 1024u : 192u));
    CHECK(pb.our_sockets() == (b_is_sym ? 192u : 1024u));
    CHECK_OK(verify_sync(pb.sync(1), pa));
    CHECK(pb.sync(2).round == 2);
    CHECK(describe(pa).find("K=192") != std::string::npos);
  }
}

TEST_CASE("spray plan: K and M come from S's and E's offers, rounds and timeout are agreed", "[spray][plan]") {
  SprayOffer s = sym, e = eim;
  s.max_sockets = 96;
  s.max_guesses = 5;     // irrelevant: S does not guess
  e.max_sockets = 7;     // irrelevant: E does not spray
  e.max_guesses = 1500;
  s.max_rounds = 2;
  e.round_timeout_ms = 8000;
  const auto p = plan_spray(e, s, Role::a, SprayConfig{});
  REQUIRE(p.ok());
  CHECK(p.sockets == 96);
  CHECK(p.guesses == 1500);
  CHECK(p.rounds == 2);
  CHECK(p.round_timeout == std::chrono::seconds{8});
  // 1024-2047 first, then upwards from 2048.
  CHECK(p.guess_ports == std::vector<PortRange>{{1024, 2523}});  // adjacent ranges merge
  check_guesses(p.guess_ports, 1500);
  CHECK(p.expected_success == Approx(1 - std::pow(1 - (2048.0 + 476) / 65536, 96)));
}

TEST_CASE("spray plan: the success model matches the lab numbers", "[spray][plan]") {
  const std::vector<PortRange> skew{{1024, 2047}};
  CHECK(success_probability(96, skew) == Approx(0.952).epsilon(0.001));
  CHECK(success_probability(128, skew) == Approx(0.983).epsilon(0.001));
  CHECK(success_probability(192, skew) == Approx(0.9977).epsilon(0.001));
  // K = M = 256 uniform guesses outside the skew: 1 − (1 − 256/65536)^256 ≈ 63 % (lab: 55 %).
  CHECK(success_probability(256, std::vector<PortRange>{{10000, 10255}}) == Approx(0.632).epsilon(0.01));
  CHECK(success_probability(0, skew) == 0);
  CHECK(success_probability(10, {}) == 0);
  CHECK(success_probability(10, std::vector<PortRange>{{1, 1023}}) == 0);  // never drawn
  CHECK(success_probability(1, std::vector<PortRange>{{1024, 65535}}) == Approx(1.0));
}

TEST_CASE("spray plan: guessed ports", "[spray][plan]") {
  const SprayConfig cfg;
  SECTION("fewer than the skewed range") {
    CHECK(guess_ports(100, 0, 0, cfg) == std::vector<PortRange>{{1024, 1123}});
  }
  SECTION("a narrow seen range gets 3/4 of M centred on it, then the skew") {
    const auto g = guess_ports(1024, 30000, 30100, cfg);
    REQUIRE(g.size() == 2);
    CHECK(g[0] == PortRange{29666, 30433});  // 768 ports around 30050
    CHECK(g[1] == PortRange{1024, 1279});
    check_guesses(g, 1024);
  }
  SECTION("a narrow range near the top is shifted down, one overlapping the skew is not counted twice") {
    const auto top = guess_ports(1024, 65000, 65500, cfg);
    CHECK(top[0] == PortRange{64768, 65535});
    check_guesses(top, 1024);
    const auto low = guess_ports(1024, 1100, 1200, cfg);
    CHECK(low == std::vector<PortRange>{{1024, 2047}});  // window 1024-1791, then the rest of the skew
    check_guesses(low, 1024);
  }
  SECTION("a wide seen range or a single port is not narrow") {
    CHECK(guess_ports(1024, 30000, 40000, cfg) == std::vector<PortRange>{{1024, 2047}});
    CHECK(guess_ports(1024, 30000, 30000, cfg) == std::vector<PortRange>{{1024, 2047}});
  }
  SECTION("all of them") {
    const auto g = guess_ports(70000, 0, 0, cfg);
    check_guesses(g, 70000);
    CHECK(g == std::vector<PortRange>{{1024, 65535}});
  }
  SECTION("random inputs keep the invariants") {
    const auto seed = std::random_device{}();
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    for (int i = 0; i < 200; ++i) {
      SprayConfig c;
      c.narrow_span = rng() % 8192;
      c.skewed_range = {static_cast<std::uint16_t>(rng() % 65536), static_cast<std::uint16_t>(rng() % 65536)};
      const std::uint32_t m = rng() % 20000;
      const auto lo = static_cast<std::uint16_t>(rng() % 65536);
      const auto hi = static_cast<std::uint16_t>(lo + rng() % (65536 - lo));
      INFO("m " << m << " seen " << lo << "-" << hi);
      check_guesses(guess_ports(m, lo, hi, c), m);
    }
  }
}

TEST_CASE("spray plan: no plan, with the reason", "[spray][plan]") {
  const SprayConfig cfg;
  SECTION("both endpoint-dependent") {
    const auto p = plan_spray(sym, sym, Role::a, cfg);
    CHECK(p.no_plan == NoPlanReason::both_dependent);
    CHECK(p.part == SprayPart::none);
    CHECK(p.our_sockets() == 0);
    CHECK(p.why.find("staying relayed") != std::string::npos);
    REQUIRE_ERR(verify_sync(SpraySync{1, true, 192, 1024}, p), error::no_plan);
    // A single-observer port change counts as dependent.
    const auto single = offer(MappingKind::port_not_preserved_single_observer, "/ip4/198.51.100.2/tcp/5000");
    CHECK(plan_spray(single, sym, Role::b, cfg).no_plan == NoPlanReason::both_dependent);
    CHECK(plan_spray(single, eim, Role::b, cfg).part == SprayPart::sprayer);
  }
  SECTION("neither endpoint-dependent") {
    for (auto k : {MappingKind::unknown, MappingKind::no_nat, MappingKind::endpoint_independent_preserving,
                   MappingKind::endpoint_independent_translated}) {
      const auto p = plan_spray(offer(k, "/ip4/198.51.100.3/tcp/4001"), eim, Role::b, cfg);
      CHECK(p.no_plan == NoPlanReason::not_needed);
      CHECK(p.why.find("standard DCUtR") != std::string::npos);
    }
  }
  SECTION("disabled") {
    SprayConfig off;
    off.enabled = false;
    CHECK(plan_spray(sym, eim, Role::a, off).no_plan == NoPlanReason::disabled);
    // Our disabled offer leaves the peer without budget.
    const auto our = make_offer(MappingReport{}, {}, off, 4096);
    CHECK(our.max_sockets == 0);
    CHECK(our.max_guesses == 0);
    CHECK(plan_spray(sym, our, Role::a, cfg).no_plan == NoPlanReason::no_budget);
  }
  SECTION("caps: a side offers no sockets, guesses or rounds") {
    SprayOffer s = sym, e = eim;
    s.max_sockets = 0;
    CHECK(plan_spray(s, e, Role::a, cfg).no_plan == NoPlanReason::no_budget);
    s = sym;
    e.max_guesses = 0;
    CHECK(plan_spray(s, e, Role::a, cfg).no_plan == NoPlanReason::no_budget);
    e = eim;
    e.max_rounds = 0;
    const auto p = plan_spray(s, e, Role::a, cfg);
    CHECK(p.no_plan == NoPlanReason::no_budget);
    CHECK(p.sockets == 0);
  }
  SECTION("no target") {
    CHECK(plan_spray(sym, offer(MappingKind::no_nat, ""), Role::a, cfg).no_plan == NoPlanReason::no_target);
    CHECK(plan_spray(sym, offer(MappingKind::no_nat, "/ip6/2001:db8::1/tcp/4001"), Role::a, cfg).no_plan ==
          NoPlanReason::no_target);
    CHECK(plan_spray(offer(MappingKind::endpoint_dependent, "/dns4/example.com/tcp/1"), eim, Role::a, cfg).no_plan ==
          NoPlanReason::no_target);
  }
}

TEST_CASE("spray plan: verify_sync catches a different plan", "[spray][plan]") {
  const auto pa = plan_spray(eim, sym, Role::a, SprayConfig{});
  REQUIRE(pa.ok());
  CHECK_OK(verify_sync(SpraySync{1, true, 192, 1024}, pa));
  REQUIRE_ERR(verify_sync(SpraySync{1, false, 192, 1024}, pa), error::plan_mismatch);
  REQUIRE_ERR(verify_sync(SpraySync{1, true, 191, 1024}, pa), error::plan_mismatch);
  REQUIRE_ERR(verify_sync(SpraySync{1, true, 192, 1025}, pa), error::plan_mismatch);
}

TEST_CASE("spray plan: addresses, public before private, /p2p stripped", "[spray][plan]") {
  SprayOffer e = eim;
  e.obs_addrs = {ma("/ip4/10.0.0.2/tcp/4001").bytes(), Bytes{0xff, 0x00},
                 ma("/ip4/198.51.100.7/tcp/4002/p2p/" + lp2p::test::peer(3).to_base58()).bytes()};
  const auto p = plan_spray(sym, e, Role::b, SprayConfig{});
  REQUIRE(p.ok());
  CHECK(p.target_ip == "198.51.100.7");
  CHECK(p.target_port == 4002);
  e.obs_addrs = {ma("/ip4/127.0.0.1/tcp/4003").bytes()};
  const auto lo = plan_spray(sym, e, Role::b, SprayConfig{});
  REQUIRE(lo.ok());
  CHECK(lo.target_ip == "127.0.0.1");  // loopback tests
}

TEST_CASE("spray plan: make_offer", "[spray][plan]") {
  MappingReport r;
  r.kind = MappingKind::endpoint_dependent;
  r.public_ip = "203.0.113.9";
  r.port_min = 1500;
  r.port_max = 61000;
  SprayConfig cfg;
  cfg.round_timeout = std::chrono::milliseconds{10};  // clamped up to the protocol's minimum
  const auto o = make_offer(r, {}, cfg, 100);
  CHECK(o.mapping == MappingKind::endpoint_dependent);
  CHECK(o.max_sockets == 100);  // capped by the descriptors
  CHECK(o.max_guesses == 100);
  CHECK(o.max_rounds == 3);
  CHECK(o.round_timeout_ms == min_round_timeout_ms);
  CHECK(o.port_min == 1500);
  CHECK(o.port_max == 61000);
  REQUIRE(o.obs_addrs.size() == 1);  // the public IP added when no candidate has one
  CHECK(Multiaddr::from_bytes(o.obs_addrs[0]).value().to_string() == "/ip4/203.0.113.9/tcp/1500");

  std::vector<Multiaddr> many;
  for (int i = 0; i < 30; ++i) many.push_back(ma("/ip4/198.51.100.2/tcp/" + std::to_string(4000 + i)));
  const auto capped = make_offer(r, many, SprayConfig{}, 1 << 20);
  CHECK(capped.obs_addrs.size() == 20);
  CHECK(capped.max_sockets == 192);
  CHECK(capped.max_guesses == 1024);
  CHECK(capped.round_timeout_ms == 5000);
}
