#include "lp2p/codec/noise/payload.hpp"

#include "test_util.hpp"

#include "noise_payload.pb.h"

#include <random>

using namespace lp2p;
using namespace lp2p::noise;
using noise_test::hex;

TEST_CASE("noise payload encodes fields in tag order, empty ones omitted", "[noise][payload]") {
  HandshakePayload p;
  p.identity_key = {0x08, 0x01};
  p.identity_sig = {0xaa};
  // 0a 02 0801 | 12 01 aa
  CHECK(to_hex(encode_payload(p)) == "0a020801" "1201aa");
  p.stream_muxers = {"/yamux/1.0.0"};
  // ... | 22 0e (12 0c "/yamux/1.0.0")
  CHECK(to_hex(encode_payload(p)) == "0a020801" "1201aa" "220e120c2f79616d75782f312e302e30");
  p.webtransport_certhashes = {{0x12, 0x00}};
  CHECK(to_hex(encode_payload(p)) == "0a020801" "1201aa" "2212" "0a021200" "120c2f79616d75782f312e302e30");
  CHECK(encode_payload(HandshakePayload{}).empty());
}

TEST_CASE("noise payload decodes what go/rust send and ignores the removed field 3", "[noise][payload]") {
  // identity_key, identity_sig, data (field 3, obsolete) and extensions with one muxer.
  auto p = decode_payload(hex("0a020801" "1201aa" "1a03646174" "220e120c2f79616d75782f312e302e30"));
  REQUIRE_OK(p);
  CHECK(p->identity_key == Bytes{0x08, 0x01});
  CHECK(p->identity_sig == Bytes{0xaa});
  CHECK(p->webtransport_certhashes.empty());
  CHECK(p->stream_muxers == std::vector<std::string>{"/yamux/1.0.0"});
  auto empty = decode_payload({});
  REQUIRE_OK(empty);
  CHECK(*empty == HandshakePayload{});
}

TEST_CASE("noise payload decoding is compatible with the generated proto", "[noise][payload]") {
  pb::NoiseHandshakePayload m;
  m.set_identity_key("key");
  m.set_identity_sig("sig");
  m.mutable_extensions()->add_stream_muxers("/mplex/6.7.0");
  m.mutable_extensions()->add_stream_muxers("/yamux/1.0.0");
  m.mutable_extensions()->add_webtransport_certhashes("h1");
  const auto wire = m.SerializeAsString();
  auto p = decode_payload(as_bytes(wire));
  REQUIRE_OK(p);
  CHECK(as_string_view(p->identity_key) == "key");
  CHECK(p->stream_muxers.size() == 2);
  CHECK(p->webtransport_certhashes.size() == 1);
  CHECK(as_string_view(encode_payload(*p)) == wire);
}

TEST_CASE("noise payload rejects malformed and oversized input", "[noise][payload]") {
  NOISE_ERR(decode_payload(hex("0a05aa")), error::malformed_payload);      // length past the end
  NOISE_ERR(decode_payload(hex("ff")), error::malformed_payload);          // truncated tag varint
  NOISE_ERR(decode_payload(hex("2203ffffff")), error::malformed_payload);  // bad nested message
  NOISE_ERR(decode_payload(hex("0f")), error::malformed_payload);          // wire type 7
  NOISE_ERR(decode_payload(Bytes(max_payload_size + 1, 0)), error::payload_too_large);
  // Exactly at the cap: one identity_key field filling 65535 bytes (tag 1 + length 3 + value).
  Bytes big{0x0a, 0xfb, 0xff, 0x03};
  big.resize(max_payload_size, 0x42);
  auto p = decode_payload(big);
  REQUIRE_OK(p);
  CHECK(p->identity_key.size() == max_payload_size - 4);
}

TEST_CASE("noise payload round-trips random values", "[noise][payload][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  auto random_bytes = [&](std::size_t max) {
    Bytes b(rng() % (max + 1));
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    return b;
  };
  for (int i = 0; i < 200; ++i) {
    HandshakePayload p;
    p.identity_key = random_bytes(80);
    p.identity_sig = random_bytes(80);
    for (auto n = rng() % 3; n > 0; --n) p.webtransport_certhashes.push_back(random_bytes(40));
    for (auto n = rng() % 3; n > 0; --n) {
      auto b = random_bytes(20);
      p.stream_muxers.emplace_back(b.begin(), b.end());
    }
    auto wire = encode_payload(p);
    auto back = decode_payload(wire);
    REQUIRE_OK(back);
    CHECK(*back == p);
  }
}

TEST_CASE("noise static key signature message", "[noise][payload]") {
  Bytes pub(32, 0x11);
  auto msg = make_static_key_signature_message(pub);
  CHECK(msg.size() == 24 + 32);
  CHECK(as_string_view(BytesView(msg).first(24)) == "noise-libp2p-static-key:");
  CHECK(Bytes(msg.begin() + 24, msg.end()) == pub);
}

TEST_CASE("noise early muxer selection follows the initiator's order", "[noise][payload]") {
  CHECK(select_muxer({"/yamux/1.0.0", "/mplex/6.7.0"}, {"/mplex/6.7.0", "/yamux/1.0.0"}) == "/yamux/1.0.0");
  CHECK(select_muxer({"/mplex/6.7.0"}, {"/yamux/1.0.0"}) == std::nullopt);
  CHECK(select_muxer({}, {"/yamux/1.0.0"}) == std::nullopt);
}
