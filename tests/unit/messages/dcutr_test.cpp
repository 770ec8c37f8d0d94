#include "lp2p/codec/dcutr/holepunch_message.hpp"

#include "support/check.hpp"
#include "unit/messages/test_util.hpp"

#include <random>

using namespace lp2p;
using dcutr::HolePunchMessage;
using lp2p::test::cat;
using lp2p::test::hex;

TEST_CASE("dcutr: byte-exact vectors", "[codec][dcutr]") {
  // CONNECT = 100 = 0x64; SYNC = 300 -> varint ac 02. ObsAddrs is field 2 (tag 0x12).
  const Bytes addr = hex("0401020304060fa1");  // /ip4/1.2.3.4/tcp/4001
  struct V {
    HolePunchMessage msg;
    Bytes wire;
  };
  const V vectors[] = {
      {{HolePunchMessage::Type::connect, {addr}}, cat({hex("0864 1208"), addr})},
      {{HolePunchMessage::Type::connect, {addr, hex("0405060708060fa1")}},
       cat({hex("0864 1208"), addr, hex("1208 0405060708060fa1")})},
      {{HolePunchMessage::Type::sync, {}}, hex("08ac02")},
      {{HolePunchMessage::Type::connect, {}}, hex("0864")},
  };
  for (const auto& v : vectors) {
    auto enc = dcutr::encode(v.msg);
    REQUIRE_OK(enc);
    CHECK(to_hex(*enc) == to_hex(v.wire));
    auto dec = dcutr::decode(v.wire);
    REQUIRE_OK(dec);
    CHECK(*dec == v.msg);
  }
}

TEST_CASE("dcutr: one rejection per dcutr::error enumerator", "[codec][dcutr][errors]") {
  REQUIRE_ERR(dcutr::decode({}), dcutr::error::missing_type);
  REQUIRE_ERR(dcutr::decode(hex("1200")), dcutr::error::missing_type);
  REQUIRE_ERR(dcutr::decode(hex("0801")), dcutr::error::unknown_type);
  REQUIRE_ERR(dcutr::decode(hex("0800")), dcutr::error::unknown_type);
  REQUIRE_ERR(dcutr::decode(hex("08c801")), dcutr::error::unknown_type);  // 200
  REQUIRE_ERR(dcutr::check_connect(HolePunchMessage{HolePunchMessage::Type::sync, {}}),
              dcutr::error::unexpected_type);
  REQUIRE_ERR(dcutr::check_sync(HolePunchMessage{HolePunchMessage::Type::connect, {hex("00")}}),
              dcutr::error::unexpected_type);
  REQUIRE_ERR(dcutr::check_connect(HolePunchMessage{HolePunchMessage::Type::connect, {}}),
              dcutr::error::no_addresses);
  REQUIRE_ERR(dcutr::check_connect(HolePunchMessage{HolePunchMessage::Type::connect, {}}),
              condition::protocol_violation);
  REQUIRE_ERR(dcutr::decode(hex("0864 1205 01")), codec::error::malformed_protobuf);
}

TEST_CASE("dcutr: checks accept the normal exchange", "[codec][dcutr]") {
  REQUIRE_OK(dcutr::check_connect(HolePunchMessage{HolePunchMessage::Type::connect, {hex("00")}}));
  REQUIRE_OK(dcutr::check_sync(HolePunchMessage{HolePunchMessage::Type::sync, {}}));
  REQUIRE_OK(dcutr::check_sync(HolePunchMessage{HolePunchMessage::Type::sync, {hex("00")}}));  // ignored
  auto dec = dcutr::decode(hex("08ac02 3801"));  // unknown field 7 is skipped
  REQUIRE_OK(dec);
  CHECK(dec->type == HolePunchMessage::Type::sync);
}

TEST_CASE("dcutr: limits at and one past 4096", "[codec][dcutr][limits]") {
  // 2 (type) + 1 (tag) + 2 (length) + n = 4096 at n = 4091.
  HolePunchMessage m{HolePunchMessage::Type::connect, {Bytes(4091, 0x04)}};
  auto at = dcutr::encode(m);
  REQUIRE_OK(at);
  CHECK(at->size() == dcutr::max_message_size);
  auto dec = dcutr::decode(*at);
  REQUIRE_OK(dec);
  CHECK(*dec == m);
  m.obs_addrs[0].push_back(0x04);
  REQUIRE_ERR(dcutr::encode(m), codec::error::message_too_large);
  Bytes past = *at;
  past.push_back(0x00);
  REQUIRE_ERR(dcutr::decode(past), codec::error::frame_too_large);
  REQUIRE_ERR(dcutr::decode(past), condition::resource_limit);
}

TEST_CASE("dcutr: random messages round-trip", "[codec][dcutr][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int i = 0; i < 500; ++i) {
    HolePunchMessage m{rng() % 2 ? HolePunchMessage::Type::connect : HolePunchMessage::Type::sync, {}};
    for (int k = rng() % 8; k > 0; --k) m.obs_addrs.push_back(lp2p::test::random_bytes(rng, 60));
    auto enc = dcutr::encode(m);
    REQUIRE_OK(enc);
    auto dec = dcutr::decode(*enc);
    REQUIRE_OK(dec);
    REQUIRE(*dec == m);
  }
}
