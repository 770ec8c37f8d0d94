// Smoke test: every spray header compiles together and a spray plan comes out of two offers.
#include "lp2p/codec/dcutr/spray_budget.hpp"
#include "lp2p/codec/dcutr/spray_message.hpp"
#include "lp2p/codec/dcutr/spray_plan.hpp"
#include "lp2p/codec/dcutr/spray_selector.hpp"
#include "support/check.hpp"

using namespace lp2p;
using namespace lp2p::spray;

TEST_CASE("spray: offers of a symmetric B and a port-preserving A give a plan") {
  SprayConfig cfg;
  MappingReport sym;
  sym.kind = MappingKind::endpoint_dependent;
  sym.public_ip = "203.0.113.9";
  sym.port_min = 30000;
  sym.port_max = 60000;
  MappingReport eim;
  eim.kind = MappingKind::endpoint_independent_preserving;
  std::vector<Multiaddr> a_addrs{Multiaddr::parse("/ip4/198.51.100.2/tcp/4001").value()};
  auto b_offer = make_offer(sym, {}, cfg, 4096);
  auto a_offer = make_offer(eim, a_addrs, cfg, 4096);
  auto pa = plan_spray(a_offer, b_offer, Role::a, cfg);
  auto pb = plan_spray(b_offer, a_offer, Role::b, cfg);
  INFO(describe(pa));
  REQUIRE(pa.ok());
  REQUIRE(pb.ok());
  CHECK(pa.part == SprayPart::guesser);
  CHECK(pb.part == SprayPart::sprayer);
  CHECK(pa.sockets == 192);
  CHECK(pa.guesses == 1024);
  CHECK(pa.target_ip == "198.51.100.2");
  CHECK(pa.guess_ip == "203.0.113.9");
  CHECK(pa.guess_ports == std::vector<PortRange>{{1024, 2047}});
  CHECK_OK(verify_sync(pb.sync(1), pa));
  auto body = encode(SprayMessage{b_offer});
  REQUIRE_OK(body);
  auto back = decode(*body);
  REQUIRE_OK(back);
  CHECK(std::get<SprayOffer>(*back) == b_offer);
}
