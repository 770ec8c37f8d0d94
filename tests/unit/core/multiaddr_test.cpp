#include "lp2p/core/multiaddr.hpp"

#include "support/check.hpp"

#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <unordered_set>

using namespace lp2p;
using P = Protocol;

namespace {

Bytes hex(std::string_view h) {
  Bytes out;
  REQUIRE(from_hex(h, out));
  return out;
}

Multiaddr ma(std::string_view text) {
  std::string detail;
  auto r = Multiaddr::parse(text, &detail);
  INFO(text << ": " << detail);
  REQUIRE_OK(r);
  return *r;
}

core::error error_by_name(const std::string& name) {
  static const std::map<std::string, core::error> names = {
      {"multiaddr_empty", core::error::multiaddr_empty},
      {"multiaddr_invalid_text", core::error::multiaddr_invalid_text},
      {"multiaddr_unknown_protocol", core::error::multiaddr_unknown_protocol},
      {"multiaddr_missing_value", core::error::multiaddr_missing_value},
      {"multiaddr_invalid_value", core::error::multiaddr_invalid_value},
      {"multiaddr_truncated", core::error::multiaddr_truncated},
      {"multiaddr_component_after_path", core::error::multiaddr_component_after_path},
      {"varint_not_minimal", core::error::varint_not_minimal},
      {"varint_overlong", core::error::varint_overlong},
  };
  auto it = names.find(name);
  INFO("error name " << name);
  REQUIRE(it != names.end());
  return it->second;
}

struct Vectors {
  struct Hex { std::string text; Bytes bytes; };
  struct Ok { std::string text, canonical; };
  struct Err { core::error error; std::string input; };
  std::vector<Hex> hex;
  std::vector<Ok> ok;
  std::vector<Err> err, errhex;
};

const Vectors& vectors() {
  static const Vectors all = [] {
    Vectors v;
    std::ifstream in(LP2P_TEST_VECTORS_DIR "/multiaddr.txt");
    REQUIRE(in);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream fields(line);
      std::string kind, a, b, rest, part;
      fields >> kind >> a;
      while (fields >> part) rest += part;  // hex may be split by spaces for readability
      INFO(line);
      if (kind == "hex") {
        v.hex.push_back({a, hex(rest)});
      } else if (kind == "ok") {
        v.ok.push_back({a, rest.empty() ? a : rest});
      } else if (kind == "err") {
        v.err.push_back({error_by_name(a), rest});
      } else if (kind == "errhex") {
        v.errhex.push_back({error_by_name(a), rest});
      } else {
        FAIL("unknown vector kind " << kind);
      }
    }
    return v;
  }();
  return all;
}

}  // namespace

TEST_CASE("multiaddr vectors: text <-> binary", "[core][multiaddr]") {
  REQUIRE(vectors().hex.size() > 50);
  for (const auto& v : vectors().hex) {
    INFO(v.text);
    const auto a = ma(v.text);
    CHECK(to_hex(a.bytes()) == to_hex(v.bytes));
    std::string detail;
    auto b = Multiaddr::from_bytes(v.bytes, &detail);
    INFO(detail);
    REQUIRE_OK(b);
    CHECK(b->to_string() == v.text);
    CHECK(*b == a);
  }
}

TEST_CASE("multiaddr vectors: valid text and its canonical form", "[core][multiaddr]") {
  REQUIRE(vectors().ok.size() > 50);
  for (const auto& v : vectors().ok) {
    INFO(v.text);
    const auto a = ma(v.text);
    CHECK(a.to_string() == v.canonical);
    CHECK(ma(v.canonical) == a);
    auto b = Multiaddr::from_bytes(a.bytes());
    REQUIRE_OK(b);
    CHECK(*b == a);
  }
}

TEST_CASE("multiaddr vectors: rejected text", "[core][multiaddr]") {
  REQUIRE(vectors().err.size() > 40);
  for (const auto& v : vectors().err) {
    INFO(v.input);
    std::string detail;
    auto r = Multiaddr::parse(v.input, &detail);
    INFO(detail);
    REQUIRE_ERR(r, v.error);
    CHECK_FALSE(detail.empty());
  }
  // The empty string can't be written in the vector file.
  REQUIRE_ERR(Multiaddr::parse(""), core::error::multiaddr_empty);
  // Values are bytes: a NUL inside a dns name is kept (and round-trips), but not inside an IP.
  auto nul = Multiaddr::parse(std::string_view("/dns/a\0b/tcp/1", 14));
  REQUIRE_OK(nul);
  CHECK(nul->to_string() == std::string_view("/dns/a\0b/tcp/1", 14));
  CHECK(ma(nul->to_string()) == *nul);
  REQUIRE_ERR(Multiaddr::parse(std::string_view("/ip4/1.2.3.4\0", 13)), core::error::multiaddr_invalid_value);
}

TEST_CASE("multiaddr vectors: rejected binary", "[core][multiaddr]") {
  REQUIRE(vectors().errhex.size() > 15);
  for (const auto& v : vectors().errhex) {
    INFO(v.input);
    std::string detail;
    auto r = Multiaddr::from_bytes(hex(v.input), &detail);
    INFO(detail);
    REQUIRE_ERR(r, v.error);
    CHECK_FALSE(detail.empty());
  }
  REQUIRE_ERR(Multiaddr::from_bytes(Bytes{}), core::error::multiaddr_empty);
  REQUIRE_ERR(Multiaddr::from_bytes(Bytes{0x38}), condition::protocol_violation);
}

TEST_CASE("multiaddr error details name the protocol", "[core][multiaddr]") {
  std::string detail;
  REQUIRE_ERR(Multiaddr::parse("/ip4/1.2.3.4/foo/1", &detail), core::error::multiaddr_unknown_protocol);
  CHECK(detail == "unknown multiaddr protocol 'foo'");
  REQUIRE_ERR(Multiaddr::from_bytes(hex("04010203048f4e"), &detail), core::error::multiaddr_unknown_protocol);
  CHECK(detail == "unknown multiaddr protocol code 9999");
  REQUIRE_ERR(Multiaddr::parse("/ip4/1.2.3.4/tcp", &detail), core::error::multiaddr_missing_value);
  CHECK(detail.find("'tcp'") != std::string::npos);
  REQUIRE_ERR(Multiaddr::parse("/ip4/1.2.3.4/udp/x", &detail), core::error::multiaddr_invalid_value);
  CHECK(detail.find("'udp'") != std::string::npos);
  CHECK(detail.find("'x'") != std::string::npos);
  REQUIRE_ERR(Multiaddr::from_bytes(hex("0401020304060f"), &detail), core::error::multiaddr_truncated);
  CHECK(detail.find("'tcp'") != std::string::npos);
  // Hostile names are truncated in the detail.
  REQUIRE_ERR(Multiaddr::parse("/" + std::string(1000, 'x'), &detail), core::error::multiaddr_unknown_protocol);
  CHECK(detail.size() < 200);
  // No detail pointer is fine.
  REQUIRE_ERR(Multiaddr::parse("/foo"), core::error::multiaddr_unknown_protocol);
}

TEST_CASE("multiaddr binary: every truncation is rejected or itself valid", "[core][multiaddr]") {
  for (const auto& v : vectors().hex) {
    INFO(v.text);
    for (std::size_t n = 0; n < v.bytes.size(); ++n) {
      INFO("prefix " << n);
      auto r = Multiaddr::from_bytes(BytesView(v.bytes).first(n));
      if (!r) continue;
      // A valid prefix ends on a component boundary: it must round-trip through text.
      auto again = Multiaddr::parse(r->to_string());
      REQUIRE_OK(again);
      REQUIRE(again->bytes() == r->bytes());
      REQUIRE(std::equal(r->bytes().begin(), r->bytes().end(), v.bytes.begin()));
    }
  }
}

TEST_CASE("multiaddr components and value_text", "[core][multiaddr]") {
  const auto a = ma("/ip6/fe80::1/ip6zone/eth0/tcp/4001/p2p/12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV/p2p-circuit");
  const auto cs = a.components();
  REQUIRE(cs.size() == 5);
  CHECK(cs[0].protocol == P::ip6);
  CHECK(cs[0].name == "ip6");
  CHECK(cs[0].value.size() == 16);
  CHECK(cs[0].value_text() == "fe80::1");
  CHECK(cs[1].value_text() == "eth0");
  CHECK(cs[2].protocol == P::tcp);
  CHECK(cs[2].value == Bytes{0x0f, 0xa1});
  CHECK(cs[2].value_text() == "4001");
  CHECK(cs[3].name == "p2p");
  CHECK(cs[3].value_text() == "12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV");
  CHECK(cs[4].protocol == P::p2p_circuit);
  CHECK(cs[4].name == "p2p-circuit");
  CHECK(cs[4].value.empty());
  CHECK(cs[4].value_text().empty());
  CHECK(ma("/unix/tmp/x.sock").components()[0].value_text() == "/tmp/x.sock");

  auto rebuilt = Multiaddr::from_components(cs);
  REQUIRE_OK(rebuilt);
  CHECK(*rebuilt == a);
  auto none = Multiaddr::from_components({});
  REQUIRE_OK(none);
  CHECK(none->empty());

  CHECK(a.has(P::p2p_circuit));
  CHECK(a.has(P::ip6zone));
  CHECK_FALSE(a.has(P::udp));
  CHECK_FALSE(Multiaddr().has(P::ip4));

  CHECK(protocol_name(P::quic_v1) == "quic-v1");
  CHECK(protocol_name(static_cast<P>(9999)).empty());
  CHECK(protocol_from_name("ipfs") == P::p2p);
  CHECK(protocol_from_name("webtransport") == P::webtransport);
  CHECK_FALSE(protocol_from_name("onion"));
}

TEST_CASE("multiaddr from_components validates values", "[core][multiaddr]") {
  using C = Multiaddr::Component;
  std::string detail;
  const C bad_port[] = {{P::tcp, "tcp", Bytes{1}}};
  REQUIRE_ERR(Multiaddr::from_components(bad_port, &detail), core::error::multiaddr_invalid_value);
  CHECK(detail.find("'tcp'") != std::string::npos);
  const C empty_dns[] = {{P::dns, "dns", Bytes{}}};
  REQUIRE_ERR(Multiaddr::from_components(empty_dns), core::error::multiaddr_invalid_value);
  const C bad_peer[] = {{P::p2p, "p2p", Bytes{0x12, 0x01, 0x00}}};
  REQUIRE_ERR(Multiaddr::from_components(bad_peer), core::error::multiaddr_invalid_value);
  const C value_on_flag[] = {{P::tls, "tls", Bytes{1}}};
  REQUIRE_ERR(Multiaddr::from_components(value_on_flag), core::error::multiaddr_invalid_value);
  const C unknown[] = {{static_cast<P>(9999), "", Bytes{}}};
  REQUIRE_ERR(Multiaddr::from_components(unknown, &detail), core::error::multiaddr_unknown_protocol);
  CHECK(detail == "unknown multiaddr protocol code 9999");
  const C after_path[] = {{P::unix, "unix", to_bytes("/a")}, {P::tls, "tls", {}}};
  REQUIRE_ERR(Multiaddr::from_components(after_path), core::error::multiaddr_component_after_path);
  const C good[] = {{P::ip4, "ip4", Bytes{10, 0, 0, 1}}, {P::udp, "udp", Bytes{0x11, 0x51}}, {P::quic_v1, "", {}}};
  auto r = Multiaddr::from_components(good);
  REQUIRE_OK(r);
  CHECK(r->to_string() == "/ip4/10.0.0.1/udp/4433/quic-v1");
}

TEST_CASE("multiaddr encapsulate and decapsulate", "[core][multiaddr]") {
  const auto base = ma("/ip4/1.2.3.4/tcp/4001");
  const auto relay = ma("/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC");
  const auto full = base.encapsulate(relay).encapsulate(ma("/p2p-circuit"));
  CHECK(full.to_string() == "/ip4/1.2.3.4/tcp/4001/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC/p2p-circuit");
  CHECK(full.encapsulate(Multiaddr()) == full);
  CHECK(Multiaddr().encapsulate(base) == base);

  CHECK(full.decapsulate(ma("/p2p-circuit")) == base.encapsulate(relay));
  CHECK(full.decapsulate(relay) == base);
  CHECK(full.decapsulate(ma("/tcp/4001")) == ma("/ip4/1.2.3.4"));
  CHECK(full.decapsulate(full).empty());
  CHECK(full.decapsulate(full).to_string() == "/");
  CHECK(full.decapsulate(Multiaddr()) == full);
  CHECK(full.decapsulate(ma("/udp/4001")) == full);  // absent: unchanged
  CHECK(full.decapsulate(ma("/tcp/4002")) == full);  // same protocol, other value: unchanged
  // Only component-aligned matches count: tcp/4001 is 06 0f a1, and "/ip4/6.15.161.165" must not match
  // inside other components' bytes.
  CHECK(full.decapsulate(ma("/ip4/1.2.3.4/tcp/4001/p2p-circuit")) == full);
  // The last occurrence wins.
  const auto twice = ma("/ip4/1.1.1.1/tcp/1/ip4/1.1.1.1/tcp/1/ws");
  CHECK(twice.decapsulate(ma("/tcp/1")) == ma("/ip4/1.1.1.1/tcp/1/ip4/1.1.1.1"));
  CHECK(twice.decapsulate(ma("/ip4/1.1.1.1/tcp/1")) == ma("/ip4/1.1.1.1/tcp/1"));

  CHECK(full.decapsulate_code(P::p2p_circuit) == base.encapsulate(relay));
  CHECK(full.decapsulate_code(P::p2p) == base);
  CHECK(full.decapsulate_code(P::ip4).empty());
  CHECK(full.decapsulate_code(P::udp) == full);
  CHECK(twice.decapsulate_code(P::ip4) == ma("/ip4/1.1.1.1/tcp/1"));

  // Nothing may follow a path protocol: encapsulating onto /unix leaves it unchanged.
  const auto sock = ma("/unix/tmp/sock");
  CHECK(sock.encapsulate(base) == sock);
}

TEST_CASE("multiaddr peer_id and with_peer_id", "[core][multiaddr]") {
  const auto relay = PeerId::parse("QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC").value();
  const auto target = PeerId::parse("12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV").value();
  const auto base = ma("/ip4/1.2.3.4/tcp/4001");
  CHECK_FALSE(base.peer_id());
  CHECK_FALSE(Multiaddr().peer_id());

  const auto with_relay = base.with_peer_id(relay);
  CHECK(with_relay.to_string() == "/ip4/1.2.3.4/tcp/4001/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC");
  REQUIRE(with_relay.peer_id());
  CHECK(*with_relay.peer_id() == relay);
  CHECK(with_relay.with_peer_id(relay) == with_relay);
  // A different trailing id is replaced, not stacked.
  CHECK(with_relay.with_peer_id(target) == base.with_peer_id(target));

  const auto circuit = with_relay.encapsulate(ma("/p2p-circuit"));
  CHECK_FALSE(circuit.peer_id());  // the relay's id is not the address's peer
  const auto to_target = circuit.with_peer_id(target);
  CHECK(to_target.to_string() ==
        "/ip4/1.2.3.4/tcp/4001/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC/p2p-circuit/p2p/"
        "12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV");
  REQUIRE(to_target.peer_id());
  CHECK(*to_target.peer_id() == target);
  CHECK(Multiaddr().with_peer_id(target).to_string() == "/p2p/12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV");
}

TEST_CASE("multiaddr empty value", "[core][multiaddr]") {
  const Multiaddr e;
  CHECK(e.empty());
  CHECK(e.bytes().empty());
  CHECK(e.to_string() == "/");
  CHECK(e.components().empty());
  CHECK(e == Multiaddr());
  CHECK_FALSE(ma("/tcp/1").empty());
}

namespace {
// A random valid component, built from its text form so that parse() is exercised too.
std::string random_component(std::mt19937& rng) {
  switch (rng() % 12) {
    case 0: return "/ip4/" + std::to_string(rng() % 256) + "." + std::to_string(rng() % 256) + ".0." + std::to_string(rng() % 256);
    case 1: return "/tcp/" + std::to_string(rng() % 65536);
    case 2: return "/udp/" + std::to_string(rng() % 65536) + "/quic-v1";
    case 3: {
      std::string s = "/ip6/";
      for (int i = 0; i < 8; ++i) {
        if (i) s += ":";
        const unsigned w = rng() % 3 == 0 ? 0u : static_cast<unsigned>(rng() % 65536);
        std::ostringstream o;
        o << std::hex << w;
        s += o.str();
      }
      return s;
    }
    case 4: return "/dns4/host" + std::to_string(rng() % 100) + ".example";
    case 5: return "/p2p-circuit";
    case 6: return "/p2p/12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV";
    case 7: return "/ipfs/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC";
    case 8: return "/tls/sni/a.b/ws";
    case 9: return "/webtransport/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g";
    case 10: return "/memory/" + std::to_string(rng());
    default: return "/ip6zone/z" + std::to_string(rng() % 10) + "/noise";
  }
}

/// One to six random components, as text.
std::string random_address_text(std::mt19937& rng) {
  std::string text;
  const auto n = rng() % 6 + 1;
  for (unsigned k = 0; k < n; ++k) text += random_component(rng);
  return text;
}
}  // namespace

TEST_CASE("multiaddr round-trips random addresses", "[core][multiaddr][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::unordered_set<Multiaddr> hashed;
  std::map<Multiaddr, int> ordered;
  for (int i = 0; i < 2000; ++i) {
    const std::string text = random_address_text(rng);
    INFO(text);
    const auto a = ma(text);
    auto b = Multiaddr::from_bytes(a.bytes());
    REQUIRE_OK(b);
    REQUIRE(*b == a);
    const auto printed = a.to_string();
    REQUIRE(ma(printed) == a);
    REQUIRE(ma(printed).to_string() == printed);
    auto rebuilt = Multiaddr::from_components(a.components());
    REQUIRE_OK(rebuilt);
    REQUIRE(*rebuilt == a);
    // Splitting at any component and re-joining gives the original.
    const auto cs = a.components();
    const auto cut = rng() % (cs.size() + 1);
    std::vector<Multiaddr::Component> head(cs.begin(), cs.begin() + static_cast<std::ptrdiff_t>(cut));
    std::vector<Multiaddr::Component> tail(cs.begin() + static_cast<std::ptrdiff_t>(cut), cs.end());
    REQUIRE(Multiaddr::from_components(head)->encapsulate(*Multiaddr::from_components(tail)) == a);
    REQUIRE(std::hash<Multiaddr>{}(*b) == std::hash<Multiaddr>{}(a));
    hashed.insert(a);
    ordered.emplace(a, i);
  }
  CHECK(hashed.size() == ordered.size());
}

TEST_CASE("multiaddr last_value equals the last matching component", "[core][multiaddr][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  const P protocols[] = {P::ip4, P::ip6, P::tcp, P::udp, P::quic_v1, P::dns4, P::p2p_circuit, P::p2p,
                         P::tls, P::sni, P::ws, P::certhash, P::memory, P::ip6zone, P::noise, P::unix};
  for (int i = 0; i < 2000; ++i) {
    const std::string text = random_address_text(rng);
    INFO(text);
    const auto a = ma(text);
    const auto cs = a.components();
    for (const auto p : protocols) {
      std::optional<Bytes> expected;
      for (const auto& c : cs)
        if (c.protocol == p) expected = c.value;
      const auto got = a.last_value(p);
      REQUIRE(got.has_value() == expected.has_value());
      if (got) REQUIRE(Bytes(got->begin(), got->end()) == *expected);
    }
  }
  CHECK_FALSE(Multiaddr{}.last_value(P::tcp));
  const auto a = ma("/ip4/1.2.3.4/tcp/80/p2p-circuit/ip6/::1/tcp/443");
  REQUIRE(a.last_value(P::tcp));
  CHECK(Bytes(a.last_value(P::tcp)->begin(), a.last_value(P::tcp)->end()) == Bytes{0x01, 0xbb});
  REQUIRE(a.last_value(P::p2p_circuit));
  CHECK(a.last_value(P::p2p_circuit)->empty());
}
