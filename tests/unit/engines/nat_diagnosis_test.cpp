#include "lp2p/codec/dcutr/nat_diagnosis.hpp"

#include "unit/engines/engines_support.hpp"
#include "support/check.hpp"

using namespace lp2p;
using namespace lp2p::dcutr;
using lp2p::test::ma;
using lp2p::test::peer;

namespace {

Observation obs(const std::string& observer, const std::string& observed, std::uint16_t local = 4001) {
  return Observation{ma(observer), ma(observed), local};
}

const std::string relay = "/ip4/198.51.100.1/tcp/4001";
const std::string peer_b = "/ip4/192.0.2.20/tcp/4001";
const std::string peer_c = "/ip4/192.0.2.30/tcp/9000";

}  // namespace

TEST_CASE("NAT classification table", "[dcutr][nat]") {
  struct Row {
    const char* name;
    std::vector<Observation> in;
    std::vector<Multiaddr> local;
    MappingKind kind;
    std::size_t observers;
  };
  const std::vector<Multiaddr> local = {ma("/ip4/192.168.1.10/tcp/4001"), ma("/ip4/203.0.113.5/tcp/4001")};
  const std::vector<Row> rows = {
      {"nothing", {}, {}, MappingKind::unknown, 0},
      {"unusable observed address", {obs(relay, "/ip4/203.0.113.5/udp/4001/quic-v1")}, {}, MappingKind::unknown, 0},
      {"public host, observed == local", {obs(relay, "/ip4/203.0.113.5/tcp/4001"), obs(peer_b, "/ip4/203.0.113.5/tcp/4001")},
       local, MappingKind::no_nat, 2},
      {"same, without local addresses: looks port-preserving",
       {obs(relay, "/ip4/203.0.113.5/tcp/4001"), obs(peer_b, "/ip4/203.0.113.5/tcp/4001")}, {},
       MappingKind::port_preserving, 2},
      {"home router keeps the port", {obs(relay, "/ip4/198.18.0.7/tcp/4001"), obs(peer_b, "/ip4/198.18.0.7/tcp/4001")},
       local, MappingKind::port_preserving, 2},
      {"one observer, port kept", {obs(relay, "/ip4/198.18.0.7/tcp/4001")}, local, MappingKind::port_preserving, 1},
      {"rewrites the port, same for all",
       {obs(relay, "/ip4/198.18.0.7/tcp/40123"), obs(peer_b, "/ip4/198.18.0.7/tcp/40123"),
        obs(peer_c, "/ip4/198.18.0.7/tcp/40123")},
       local, MappingKind::port_rewriting, 3},
      {"symmetric: port per destination", {obs(relay, "/ip4/198.18.0.7/tcp/40123"), obs(peer_b, "/ip4/198.18.0.7/tcp/51234")},
       local, MappingKind::endpoint_dependent, 2},
      {"symmetric: address per destination", {obs(relay, "/ip4/198.18.0.7/tcp/4001"), obs(peer_b, "/ip4/198.18.0.8/tcp/4001")},
       local, MappingKind::endpoint_dependent, 2},
      {"one observer saw the port change over time",
       {obs(relay, "/ip4/198.18.0.7/tcp/40123"), obs(relay + "/p2p/" + peer(1).to_base58(), "/ip4/198.18.0.7/tcp/40999")},
       local, MappingKind::port_rewriting, 1},
      {"a LAN observer's private view is set aside",
       {obs("/ip4/192.168.1.20/tcp/4001", "/ip4/192.168.1.10/tcp/4001"), obs(relay, "/ip4/198.18.0.7/tcp/4001"),
        obs(peer_b, "/ip4/198.18.0.7/tcp/4001")},
       local, MappingKind::port_preserving, 2},
      {"only LAN observers: no NAT between us",
       {obs("/ip4/192.168.1.20/tcp/4001", "/ip4/192.168.1.10/tcp/4001")}, local, MappingKind::no_nat, 1},
      {"trailing /p2p on observed is ignored",
       {obs(relay, "/ip4/198.18.0.7/tcp/4001/p2p/" + peer(2).to_base58())}, local, MappingKind::port_preserving, 1},
      {"worst local port wins",
       {obs(relay, "/ip4/198.18.0.7/tcp/4001"), obs(peer_b, "/ip4/198.18.0.7/tcp/4001"),
        obs(relay, "/ip4/198.18.0.7/tcp/30000", 5001), obs(peer_b, "/ip4/198.18.0.7/tcp/30001", 5001)},
       local, MappingKind::endpoint_dependent, 2},
      {"local port 0 is unusable", {obs(relay, "/ip4/198.18.0.7/tcp/4001", 0)}, local, MappingKind::unknown, 0},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    auto d = diagnose_nat(r.in, r.local);
    INFO(explain(d));
    CHECK(d.kind == r.kind);
    CHECK(d.observers == r.observers);
  }
}

TEST_CASE("NAT explanation carries the evidence", "[dcutr][nat]") {
  SECTION("symmetric NAT, the DESIGN.md scenario 1 sentence") {
    const std::vector<Observation> in = {obs(relay, "/ip4/198.18.0.7/tcp/40123"),
                                         obs(peer_b, "/ip4/198.18.0.7/tcp/51234")};
    auto d = diagnose_nat(in);
    CHECK(d.local_port == 4001);
    CHECK(d.observed_ports == std::vector<std::uint16_t>{40123, 51234});
    CHECK(d.observed == std::vector<std::string>{"198.18.0.7:40123", "198.18.0.7:51234"});
    CHECK(d.usable == 2);
    CHECK(explain(d) ==
          "our observed port 40123 differs from our listening port 4001 and between observers (40123 vs 51234): "
          "endpoint-dependent mapping (symmetric NAT); TCP hole punching is not expected to work through it; "
          "the relayed connection remains usable");
  }
  SECTION("symmetric NAT whose first mapping preserved the port") {
    auto d = diagnose_nat(std::vector<Observation>{obs(relay, "/ip4/198.18.0.7/tcp/4001"),
                                                   obs(peer_b, "/ip4/198.18.0.7/tcp/51234")});
    CHECK(d.kind == MappingKind::endpoint_dependent);
    CHECK(explain(d).rfind("our observed port 51234 differs from our listening port 4001 and between observers "
                           "(4001 vs 51234)",
                           0) == 0);
  }
  SECTION("address-dependent pool") {
    auto d = diagnose_nat(std::vector<Observation>{obs(relay, "/ip6/2001:db8::1/tcp/4001"),
                                                   obs(peer_b, "/ip6/2001:db8::2/tcp/4001")});
    CHECK(d.kind == MappingKind::endpoint_dependent);
    CHECK(explain(d).find("([2001:db8::1]:4001 vs [2001:db8::2]:4001)") != std::string::npos);
  }
  SECTION("port-preserving, two observers") {
    auto d = diagnose_nat(std::vector<Observation>{obs(relay, "/ip4/198.18.0.7/tcp/4001"),
                                                   obs(peer_b, "/ip4/198.18.0.7/tcp/4001")});
    const auto text = explain(d);
    CHECK(text.find("2 observers agree on our public address 198.18.0.7:4001") == 0);
    CHECK(text.find("expected to work") != std::string::npos);
  }
  SECTION("port-rewriting, one observer") {
    auto d = diagnose_nat(std::vector<Observation>{obs(relay, "/ip4/198.18.0.7/tcp/40123")});
    CHECK(explain(d).find("our observed port 40123 differs from our listening port 4001 (one observer so far") == 0);
  }
  SECTION("port-rewriting, agreed") {
    auto d = diagnose_nat(std::vector<Observation>{obs(relay, "/ip4/198.18.0.7/tcp/40123"),
                                                   obs(peer_b, "/ip4/198.18.0.7/tcp/40123")});
    CHECK(explain(d).find("but 2 observers agree on 198.18.0.7:40123") != std::string::npos);
  }
  SECTION("unknown and no NAT") {
    CHECK(explain(diagnose_nat({})).find("no usable observations") == 0);
    const std::vector<Multiaddr> local = {ma("/ip4/203.0.113.5/tcp/4001")};
    auto d = diagnose_nat(std::vector<Observation>{obs(relay, "/ip4/203.0.113.5/tcp/4001")}, local);
    CHECK(explain(d).find("observers see our own local address 203.0.113.5:4001 unchanged") == 0);
  }
  SECTION("every kind has a name") {
    for (auto k : {MappingKind::unknown, MappingKind::no_nat, MappingKind::port_preserving,
                   MappingKind::port_rewriting, MappingKind::endpoint_dependent})
      CHECK_FALSE(to_string(k).empty());
  }
}
