#include "lp2p/codec/yamux/header.hpp"

#include "support/check.hpp"

#include <random>

using namespace lp2p;
using namespace lp2p::yamux;

TEST_CASE("yamux header encodes to exact big-endian bytes", "[yamux][codec]") {
  // WindowUpdate(SYN) opening stream 1 with no extra credit: what go/js send to open a stream.
  CHECK(to_hex(encode_header(Header{0, FrameType::window_update, flags::syn, 1, 0})) ==
        "000100010000000100000000");
  // Ping ACK echoing 0x01020304.
  CHECK(to_hex(encode_header(Header{0, FrameType::ping, flags::ack, 0, 0x01020304})) ==
        "000200020000000001020304");
  // GoAway(protocol error).
  CHECK(to_hex(encode_header(Header{0, FrameType::go_away, 0, 0, 1})) == "000300000000000000000001");
  // Data FIN|ACK on a large stream id with a large length: every byte position is distinct.
  CHECK(to_hex(encode_header(Header{0, FrameType::data, flags::fin | flags::ack, 0xa1b2c3d4, 0x00102030})) ==
        "00000006a1b2c3d400102030");
  Bytes appended{0xee};
  encode_header(Header{0, FrameType::data, flags::rst, 2, 5}, appended);
  CHECK(to_hex(appended) == "ee000000080000000200000005");

  Bytes in;
  REQUIRE(from_hex("00000006a1b2c3d400102030", in));
  auto h = decode_header(BytesView(in).first<header_size>());
  REQUIRE_OK(h);
  CHECK(h->type == FrameType::data);
  CHECK(h->flags == (flags::fin | flags::ack));
  CHECK(h->stream_id == 0xa1b2c3d4u);
  CHECK(h->length == 0x00102030u);
}

TEST_CASE("yamux header round-trips random headers", "[yamux][codec][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int i = 0; i < 10000; ++i) {
    Header h;
    h.type = static_cast<FrameType>(rng() % 4);
    h.flags = static_cast<std::uint16_t>(rng());
    h.stream_id = static_cast<std::uint32_t>(rng());
    h.length = static_cast<std::uint32_t>(rng());
    const auto bytes = encode_header(h);
    auto d = decode_header(bytes);
    REQUIRE_OK(d);
    REQUIRE(*d == h);
  }
}

TEST_CASE("yamux header rejects bad input", "[yamux][codec]") {
  auto b = encode_header(Header{0, FrameType::ping, flags::syn, 0, 7});
  b[0] = 1;
  REQUIRE_ERR(decode_header(b), error::bad_version);
  REQUIRE_ERR(decode_header(b), condition::protocol_violation);
  b[0] = 0;
  b[1] = 4;
  REQUIRE_ERR(decode_header(b), error::unknown_frame_type);
  b[1] = 0xff;
  REQUIRE_ERR(decode_header(b), error::unknown_frame_type);
  b[1] = 3;
  REQUIRE_OK(decode_header(b));
  // From a longer buffer only the first 12 bytes are read.
  Bytes longer(b.begin(), b.end());
  longer.push_back(0x99);
  auto h = decode_header(BytesView(longer).first<header_size>());
  REQUIRE_OK(h);
  CHECK(h->type == FrameType::go_away);
}
