// Classification of our own mapping for the spray (classify_mapping): one case per MappingKind, the
// public IP and port range, and the single-observer wording after a failed punch.
#include "lp2p/codec/dcutr/spray_mapping.hpp"

#include "support/check.hpp"
#include "unit/engines/engines_support.hpp"

using namespace lp2p;
using namespace lp2p::spray;
using lp2p::test::ma;

namespace {

dcutr::Observation obs(const std::string& observer, const std::string& observed, std::uint16_t local = 4001) {
  return dcutr::Observation{ma(observer), ma(observed), local};
}

const std::string relay = "/ip4/198.51.100.1/tcp/4001";
const std::string peer_b = "/ip4/192.0.2.20/tcp/4001";
const std::string peer_c = "/ip4/192.0.2.30/tcp/9000";
const std::vector<Multiaddr> local = {ma("/ip4/192.168.1.10/tcp/4001")};

}  // namespace

TEST_CASE("spray mapping: one case per kind", "[spray][mapping]") {
  struct Row {
    const char* name;
    std::vector<dcutr::Observation> in;
    std::vector<Multiaddr> local;
    MappingKind kind;
    std::string ip;
    std::uint16_t min, max;
  };
  const std::vector<Row> rows = {
      {"nothing", {}, local, MappingKind::unknown, "", 0, 0},
      {"no NAT", {obs(relay, "/ip4/192.168.1.10/tcp/4001")}, local, MappingKind::no_nat, "192.168.1.10", 4001, 4001},
      {"port preserved, two observers",
       {obs(relay, "/ip4/203.0.113.9/tcp/4001"), obs(peer_b, "/ip4/203.0.113.9/tcp/4001")}, local,
       MappingKind::endpoint_independent_preserving, "203.0.113.9", 4001, 4001},
      {"port translated, same for all observers",
       {obs(relay, "/ip4/203.0.113.9/tcp/40123"), obs(peer_b, "/ip4/203.0.113.9/tcp/40123")}, local,
       MappingKind::endpoint_independent_translated, "203.0.113.9", 40123, 40123},
      {"port changed, one observer", {obs(relay, "/ip4/203.0.113.9/tcp/40123")}, local,
       MappingKind::port_not_preserved_single_observer, "203.0.113.9", 40123, 40123},
      {"different ports per observer",
       {obs(relay, "/ip4/203.0.113.9/tcp/40123"), obs(peer_b, "/ip4/203.0.113.9/tcp/1500"),
        obs(peer_c, "/ip4/203.0.113.9/tcp/61000")},
       local, MappingKind::endpoint_dependent, "203.0.113.9", 1500, 61000},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    const auto rep = classify_mapping(r.in, r.local);
    INFO(rep.explanation);
    CHECK(rep.kind == r.kind);
    CHECK(rep.public_ip == r.ip);
    CHECK(rep.port_min == r.min);
    CHECK(rep.port_max == r.max);
    CHECK_FALSE(rep.explanation.empty());
  }
}

TEST_CASE("spray mapping: the port range spans every local port, private views set aside", "[spray][mapping]") {
  const std::vector<dcutr::Observation> in = {
      obs(relay, "/ip4/203.0.113.9/tcp/30000"), obs(peer_b, "/ip4/203.0.113.9/tcp/30500"),
      obs(relay, "/ip4/203.0.113.9/tcp/29000", 51000),    // an ephemeral-port connection
      obs("/ip4/192.168.1.20/tcp/4001", "/ip4/192.168.1.10/tcp/4001"),  // a LAN peer
      obs(relay, "/ip4/203.0.113.9/udp/30000/quic-v1"),   // unusable
  };
  const auto rep = classify_mapping(in, local);
  CHECK(rep.kind == MappingKind::endpoint_dependent);
  CHECK(rep.public_ip == "203.0.113.9");
  CHECK(rep.port_min == 29000);
  CHECK(rep.port_max == 30500);
  CHECK(rep.distinct_ports == 3);
  CHECK(rep.samples == 4);
  CHECK(rep.observers == 2);
  CHECK(rep.local_port == 4001);
  CHECK(rep.explanation.find("endpoint-dependent") != std::string::npos);
}

TEST_CASE("spray mapping: the public IP most observations agree on wins", "[spray][mapping]") {
  const std::vector<dcutr::Observation> in = {
      obs(relay, "/ip4/203.0.113.8/tcp/5000"), obs(peer_b, "/ip4/203.0.113.9/tcp/6000"),
      obs(peer_c, "/ip4/203.0.113.9/tcp/7000")};
  const auto rep = classify_mapping(in, local);
  CHECK(rep.public_ip == "203.0.113.9");
  CHECK(rep.port_min == 6000);
  CHECK(rep.port_max == 7000);
}

TEST_CASE("spray mapping: a failed punch makes the single-observer case most likely dependent",
          "[spray][mapping]") {
  const std::vector<dcutr::Observation> in = {obs(relay, "/ip4/203.0.113.9/tcp/40123")};
  const auto before = classify_mapping(in, local, false);
  const auto after = classify_mapping(in, local, true);
  CHECK(before.kind == MappingKind::port_not_preserved_single_observer);
  CHECK(after.kind == MappingKind::port_not_preserved_single_observer);
  CHECK(after.explanation.find("most likely an endpoint-dependent") != std::string::npos);
  CHECK(before.explanation.find("second observer") != std::string::npos);
  CHECK(is_dependent(after.kind));
  CHECK(is_dependent(MappingKind::endpoint_dependent));
  for (auto k : {MappingKind::unknown, MappingKind::no_nat, MappingKind::endpoint_independent_preserving,
                 MappingKind::endpoint_independent_translated}) {
    CHECK_FALSE(is_dependent(k));
    CHECK_FALSE(to_string(k).empty());
  }
}
