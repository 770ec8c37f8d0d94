// to_identify_info: the wire identify message as the public IdentifyInfo, including js-libp2p's quirk of
// appending /p2p/<observed peer> to observedAddr (seen in tests/interop against js-libp2p 3.x).
#include "protocol/builtin.hpp"

#include "lp2p/crypto/key.hpp"

#include "support/check.hpp"

using namespace lp2p;

namespace {
Bytes ma_bytes(const char* text) { return Multiaddr::parse(text).value().bytes(); }
}  // namespace

TEST_CASE("identify observedAddr: a trailing /p2p (js) is stripped, others are kept as sent", "[host][identify]") {
  const auto us = Keypair::from_secret_key_seed(7).public_key().peer_id();
  identify::IdentifyMessage m;
  m.protocol_version = "ipfs/0.1.0";
  m.agent_version = "js-libp2p/3.3.11 node/22.23.3";
  m.listen_addrs = {ma_bytes("/ip4/127.0.0.1/tcp/4001"), Bytes{0xff, 0xff}};  // the second does not parse

  SECTION("js: /ip4/../tcp/P/p2p/<us>") {
    m.observed_addr = Multiaddr::parse("/ip4/127.0.0.1/tcp/5555").value().with_peer_id(us).bytes();
    auto info = protocol::to_identify_info(m);
    REQUIRE(info.observed_addr);
    CHECK(info.observed_addr->to_string() == "/ip4/127.0.0.1/tcp/5555");
  }
  SECTION("go/rust: no /p2p") {
    m.observed_addr = ma_bytes("/ip4/127.0.0.1/tcp/5555");
    auto info = protocol::to_identify_info(m);
    REQUIRE(info.observed_addr);
    CHECK(info.observed_addr->to_string() == "/ip4/127.0.0.1/tcp/5555");
  }
  SECTION("relayed: the relay's /p2p inside the address stays") {
    const auto relay = Keypair::from_secret_key_seed(8).public_key().peer_id();
    const auto circuit = "/ip4/1.2.3.4/tcp/4001/p2p/" + relay.to_base58() + "/p2p-circuit";
    m.observed_addr = Multiaddr::parse(circuit).value().with_peer_id(us).bytes();
    auto info = protocol::to_identify_info(m);
    REQUIRE(info.observed_addr);
    CHECK(info.observed_addr->to_string() == circuit);
  }
  SECTION("missing or unparsable observedAddr gives none") {
    CHECK_FALSE(protocol::to_identify_info(m).observed_addr);
    m.observed_addr = Bytes{0xff, 0xff};
    CHECK_FALSE(protocol::to_identify_info(m).observed_addr);
  }
  auto info = protocol::to_identify_info(m);
  CHECK(info.protocol_version == "ipfs/0.1.0");
  CHECK(info.agent_version == "js-libp2p/3.3.11 node/22.23.3");
  REQUIRE(info.listen_addrs.size() == 1);
  CHECK(info.listen_addrs[0].to_string() == "/ip4/127.0.0.1/tcp/4001");
}
