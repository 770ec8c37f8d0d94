#include "lp2p/codec/identify/message.hpp"

#include "lp2p/codec/frame.hpp"
#include "support/check.hpp"
#include "unit/messages/test_util.hpp"

#include <random>

using namespace lp2p;
using identify::IdentifyMessage;
using lp2p::test::hex;
using lp2p::test::cat;

namespace {
// Hand-derived from the protobuf wire format (tag = field << 3 | 2 for every length-delimited field):
//   0a 24 <PublicKey 08 01 12 20 <32 x 0x01>>         publicKey = 1
//   12 08 04 7f000001 06 0fa1                          listenAddrs = 2: /ip4/127.0.0.1/tcp/4001
//   1a 0e "/ipfs/id/1.0.0"   1a 10 "/ipfs/ping/1.0.0"  protocols = 3
//   22 08 04 01020304 06 1f90                          observedAddr = 4: /ip4/1.2.3.4/tcp/8080
//   2a 0a "ipfs/0.1.0"                                 protocolVersion = 5
//   32 0a "lp2p/0.1.0"                                 agentVersion = 6
//   42 03 aabbcc                                       signedPeerRecord = 8
IdentifyMessage sample() {
  IdentifyMessage m;
  m.public_key = cat({hex("08011220"), Bytes(32, 0x01)});
  m.listen_addrs = {hex("047f000001060fa1")};
  m.protocols = {"/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"};
  m.observed_addr = hex("0401020304061f90");
  m.protocol_version = "ipfs/0.1.0";
  m.agent_version = "lp2p/0.1.0";
  m.signed_peer_record = hex("aabbcc");
  return m;
}
Bytes sample_wire() {
  return cat({hex("0a24 08011220"), Bytes(32, 0x01), hex("1208 047f000001060fa1"),
              hex("1a0e"), to_bytes("/ipfs/id/1.0.0"), hex("1a10"), to_bytes("/ipfs/ping/1.0.0"),
              hex("2208 0401020304061f90"), hex("2a0a"), to_bytes("ipfs/0.1.0"), hex("320a"),
              to_bytes("lp2p/0.1.0"), hex("4203 aabbcc")});
}
}  // namespace

TEST_CASE("identify: byte-exact vector", "[codec][identify]") {
  auto enc = identify::encode(sample());
  REQUIRE_OK(enc);
  CHECK(to_hex(*enc) == to_hex(sample_wire()));
  auto dec = identify::decode(sample_wire());
  REQUIRE_OK(dec);
  CHECK(*dec == sample());
}

TEST_CASE("identify: absent fields stay absent, empty message is empty", "[codec][identify]") {
  auto enc = identify::encode(IdentifyMessage{});
  REQUIRE_OK(enc);
  CHECK(enc->empty());
  auto dec = identify::decode({});
  REQUIRE_OK(dec);
  CHECK(*dec == IdentifyMessage{});
  // Present but empty is kept distinct from absent.
  IdentifyMessage m;
  m.agent_version = "";
  enc = identify::encode(m);
  REQUIRE_OK(enc);
  CHECK(*enc == hex("3200"));
  dec = identify::decode(*enc);
  REQUIRE_OK(dec);
  REQUIRE(dec->agent_version);
  CHECK(dec->agent_version->empty());
}

TEST_CASE("identify: decode skips unknown fields and takes fields in any order", "[codec][identify]") {
  // agentVersion first, then an unknown field 7 (varint), then listenAddrs.
  auto dec = identify::decode(hex("3201 61 3801 1203 010203"));
  REQUIRE_OK(dec);
  CHECK(dec->agent_version == std::optional<std::string>("a"));
  CHECK(dec->listen_addrs == std::vector<Bytes>{hex("010203")});
}

TEST_CASE("identify: malformed protobuf is rejected", "[codec][identify][errors]") {
  REQUIRE_ERR(identify::decode(hex("0a05 01")), codec::error::malformed_protobuf);  // truncated field
  REQUIRE_ERR(identify::decode(hex("0f")), codec::error::malformed_protobuf);       // wire type 7
  REQUIRE_ERR(identify::decode(hex("ff")), codec::error::malformed_protobuf);       // truncated tag
}

TEST_CASE("identify: limits at and one past 4096", "[codec][identify][limits]") {
  // agentVersion: 1 tag byte + 2 length bytes + n = 4096 at n = 4093.
  IdentifyMessage m;
  m.agent_version = std::string(4093, 'x');
  auto at = identify::encode(m);
  REQUIRE_OK(at);
  CHECK(at->size() == identify::max_message_size);
  REQUIRE_OK(identify::decode(*at));
  m.agent_version->push_back('x');
  REQUIRE_ERR(identify::encode(m), codec::error::message_too_large);
  REQUIRE_ERR(identify::encode_frames(m), codec::error::message_too_large);  // no record to split off
  Bytes past = *at;
  past.push_back(0x38);  // would be a valid field 7 prefix; size alone rejects it
  REQUIRE_ERR(identify::decode(past), codec::error::frame_too_large);
}

TEST_CASE("identify: encode_frames splits off the signed record like go", "[codec][identify][limits]") {
  IdentifyMessage m = sample();
  auto one = identify::encode_frames(m);
  REQUIRE_OK(one);
  CHECK(*one == codec::encode_frame(sample_wire()));

  m.listen_addrs.assign(250, hex("047f000001060fa1"));  // 250 * 10 bytes
  m.signed_peer_record = Bytes(2000, 0x42);
  REQUIRE_ERR(identify::encode(m), codec::error::message_too_large);
  auto two = identify::encode_frames(m);
  REQUIRE_OK(two);

  codec::FrameReader reader(identify::max_message_size);
  reader.feed(*two);
  reader.feed_eof();
  std::vector<IdentifyMessage> parts;
  IdentifyMessage merged;
  for (;;) {
    auto f = reader.next();
    REQUIRE_OK(f);
    if (!*f) break;
    auto part = identify::decode(**f);
    REQUIRE_OK(part);
    parts.push_back(*part);
    identify::merge(merged, *part);
  }
  REQUIRE(parts.size() == 2);
  CHECK_FALSE(parts[0].signed_peer_record);
  CHECK(parts[1] == IdentifyMessage{.signed_peer_record = m.signed_peer_record});
  CHECK(merged == m);

  m.signed_peer_record = Bytes(4094, 0x42);  // the record alone no longer fits
  REQUIRE_ERR(identify::encode_frames(m), codec::error::message_too_large);
}

TEST_CASE("identify: merge appends repeated fields, apply_push replaces them", "[codec][identify]") {
  IdentifyMessage a;
  a.protocols = {"/a"};
  a.listen_addrs = {hex("01")};
  a.agent_version = "old";
  a.public_key = hex("0a");
  IdentifyMessage b;
  b.protocols = {"/b"};
  b.agent_version = "new";

  IdentifyMessage merged = a;
  identify::merge(merged, b);
  CHECK(merged.protocols == std::vector<std::string>{"/a", "/b"});
  CHECK(merged.listen_addrs == a.listen_addrs);
  CHECK(merged.agent_version == std::optional<std::string>("new"));
  CHECK(merged.public_key == a.public_key);

  IdentifyMessage pushed = a;
  identify::apply_push(pushed, b);
  CHECK(pushed.protocols == std::vector<std::string>{"/b"});
  CHECK(pushed.listen_addrs == a.listen_addrs);  // missing in the push: unchanged
  CHECK(pushed.agent_version == std::optional<std::string>("new"));
  CHECK(pushed.public_key == a.public_key);
}

TEST_CASE("identify: random messages round-trip", "[codec][identify][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  auto maybe = [&](std::size_t n) -> std::optional<Bytes> {
    if (rng() % 2) return std::nullopt;
    return lp2p::test::random_bytes(rng, n);
  };
  auto maybe_str = [&](std::size_t n) -> std::optional<std::string> {
    auto b = maybe(n);
    if (!b) return std::nullopt;
    return std::string(b->begin(), b->end());
  };
  for (int i = 0; i < 300; ++i) {
    IdentifyMessage m;
    m.public_key = maybe(60);
    for (int k = rng() % 5; k > 0; --k) m.listen_addrs.push_back(lp2p::test::random_bytes(rng, 40));
    for (int k = rng() % 5; k > 0; --k) {
      auto b = lp2p::test::random_bytes(rng, 30);
      m.protocols.emplace_back(b.begin(), b.end());
    }
    m.observed_addr = maybe(40);
    m.protocol_version = maybe_str(20);
    m.agent_version = maybe_str(20);
    m.signed_peer_record = maybe(300);
    auto enc = identify::encode(m);
    REQUIRE_OK(enc);
    auto dec = identify::decode(*enc);
    REQUIRE_OK(dec);
    REQUIRE(*dec == m);
  }
}
