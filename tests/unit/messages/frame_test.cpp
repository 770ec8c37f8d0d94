#include "lp2p/codec/frame.hpp"

#include "support/check.hpp"
#include "unit/messages/test_util.hpp"

#include <random>

using namespace lp2p;
using lp2p::test::hex;

TEST_CASE("frame: encode_frame and append_frame vectors", "[codec][frame]") {
  CHECK(codec::encode_frame({}) == hex("00"));
  CHECK(codec::encode_frame(hex("0800")) == hex("02 0800"));
  Bytes body(300, 0xaa);
  Bytes framed = codec::encode_frame(body);
  REQUIRE(framed.size() == 302);
  CHECK(framed[0] == 0xac);
  CHECK(framed[1] == 0x02);
  Bytes out = hex("ff");
  codec::append_frame(out, hex("0801"));
  CHECK(out == hex("ff 02 0801"));
}

TEST_CASE("frame: decode_frame needs more, then decodes in place", "[codec][frame]") {
  const Bytes in = hex("03 010203 ff");
  for (std::size_t n = 0; n < 4; ++n) {
    auto r = codec::decode_frame(BytesView(in).first(n), 4096);
    REQUIRE_OK(r);
    CHECK_FALSE(*r);
  }
  auto r = codec::decode_frame(in, 4096);
  REQUIRE_OK(r);
  REQUIRE(*r);
  CHECK((*r)->consumed == 4);
  CHECK(Bytes((*r)->body.begin(), (*r)->body.end()) == hex("010203"));
}

TEST_CASE("frame: size limit exactly at and one past the maximum", "[codec][frame][limits]") {
  constexpr std::size_t max = 4096;
  Bytes at = codec::encode_frame(Bytes(max, 0x11));
  codec::FrameReader reader(max);
  reader.feed(at);
  auto f = reader.next();
  REQUIRE_OK(f);
  REQUIRE(*f);
  CHECK((*f)->size() == max);

  // One past: rejected from the prefix alone, before any body byte arrives.
  Bytes prefix;
  prefix = codec::encode_frame(Bytes(max + 1, 0));
  prefix.resize(2);
  codec::FrameReader too_big(max);
  too_big.feed(prefix);
  REQUIRE_ERR(too_big.next(), codec::error::frame_too_large);
  REQUIRE_ERR(too_big.next(), codec::error::frame_too_large);  // sticky
  REQUIRE_ERR(codec::decode_frame(prefix, max), codec::error::frame_too_large);
  REQUIRE_ERR(too_big.next(), condition::resource_limit);
}

TEST_CASE("frame: one rejection per codec::error enumerator", "[codec][frame][errors]") {
  SECTION("frame_too_large") {
    REQUIRE_ERR(codec::decode_frame(hex("05 0000000000"), 4), codec::error::frame_too_large);
  }
  SECTION("truncated_frame inside the body") {
    codec::FrameReader r(4096);
    r.feed(hex("05 0102"));
    auto n = r.next();
    REQUIRE_OK(n);
    CHECK_FALSE(*n);
    r.feed_eof();
    REQUIRE_ERR(r.next(), codec::error::truncated_frame);
  }
  SECTION("truncated_frame inside the prefix") {
    codec::FrameReader r(4096);
    r.feed(hex("80"));
    r.feed_eof();
    REQUIRE_ERR(r.next(), codec::error::truncated_frame);
  }
  SECTION("invalid_length_prefix: not minimal") {
    codec::FrameReader r(4096);
    r.feed(hex("8100 00"));
    REQUIRE_ERR(r.next(), codec::error::invalid_length_prefix);
  }
  SECTION("invalid_length_prefix: overlong") {
    REQUIRE_ERR(codec::decode_frame(Bytes(10, 0xff), 4096), codec::error::invalid_length_prefix);
    REQUIRE_ERR(codec::decode_frame(Bytes(10, 0xff), 4096), condition::protocol_violation);
  }
  // malformed_protobuf and message_too_large are produced by the message codecs (see their tests).
  CHECK(codec::make_error_code(codec::error::malformed_protobuf).message() ==
        "message is not a valid protobuf encoding");
}

TEST_CASE("frame: clean EOF between frames is not an error", "[codec][frame]") {
  codec::FrameReader r(16);
  r.feed(hex("01 aa"));
  r.feed_eof();
  auto f = r.next();
  REQUIRE_OK(f);
  REQUIRE(*f);
  CHECK(**f == hex("aa"));
  auto end = r.next();
  REQUIRE_OK(end);
  CHECK_FALSE(*end);
  CHECK(r.eof());
  r.feed(hex("01 bb"));  // ignored after EOF
  CHECK(r.buffered() == 0);
}

TEST_CASE("frame: empty frames are frames", "[codec][frame]") {
  codec::FrameReader r(16);
  r.feed(hex("00 00"));
  for (int i = 0; i < 2; ++i) {
    auto f = r.next();
    REQUIRE_OK(f);
    REQUIRE(*f);
    CHECK((*f)->empty());
  }
  auto none = r.next();
  REQUIRE_OK(none);
  CHECK_FALSE(*none);
}

TEST_CASE("frame: bytes_needed tracks the current frame", "[codec][frame]") {
  codec::FrameReader r(4096);
  CHECK(r.bytes_needed() == 1);
  r.feed(hex("ac"));
  CHECK(r.bytes_needed() == 1);
  r.feed(hex("02"));
  CHECK(r.bytes_needed() == 300);
  r.feed(Bytes(299, 0));
  CHECK(r.bytes_needed() == 1);
  r.feed(hex("00 ff"));
  CHECK(r.bytes_needed() == 0);
  auto f = r.next();
  REQUIRE_OK(f);
  REQUIRE(*f);
  CHECK((*f)->size() == 300);
  CHECK(r.buffered() == 1);
}

namespace {
// Three frames followed by relayed data that must survive: what a relay's STATUS looks like on the wire.
struct Stream {
  std::vector<Bytes> frames{lp2p::test::hex("0802 2864"), Bytes{}, Bytes(200, 0x5a)};
  Bytes trailing = lp2p::test::hex("13 2f6d756c746973747265616d2f312e302e300a");  // multistream header
  Bytes wire() const {
    Bytes out;
    for (const auto& f : frames) codec::append_frame(out, f);
    out.insert(out.end(), trailing.begin(), trailing.end());
    return out;
  }
};

// Feeds `chunks` and collects every frame, then checks the frames and what is left over.
void check_chunked(const std::vector<BytesView>& chunks, const Stream& s) {
  codec::FrameReader r(4096);
  std::vector<Bytes> got;
  for (auto c : chunks) {
    r.feed(c);
    while (got.size() < s.frames.size()) {
      auto f = r.next();
      REQUIRE_OK(f);
      if (!*f) break;
      got.push_back(std::move(**f));
    }
  }
  REQUIRE(got == s.frames);
  CHECK(r.take_remaining() == s.trailing);
  CHECK(r.buffered() == 0);
}
}  // namespace

TEST_CASE("frame: every split point keeps frames and trailing bytes", "[codec][frame][split]") {
  const Stream s;
  const Bytes wire = s.wire();
  for (std::size_t i = 0; i <= wire.size(); ++i) {
    INFO("split at " << i);
    check_chunked({BytesView(wire).first(i), BytesView(wire).subspan(i)}, s);
  }
}

TEST_CASE("frame: byte-at-a-time feeding", "[codec][frame][split]") {
  const Stream s;
  const Bytes wire = s.wire();
  std::vector<BytesView> chunks;
  for (std::size_t i = 0; i < wire.size(); ++i) chunks.push_back(BytesView(wire).subspan(i, 1));
  check_chunked(chunks, s);
}

TEST_CASE("frame: a partial frame is handed out raw by take_remaining", "[codec][frame]") {
  codec::FrameReader r(4096);
  r.feed(hex("02 0800 05 01"));
  auto f = r.next();
  REQUIRE_OK(f);
  REQUIRE(*f);
  auto g = r.next();
  REQUIRE_OK(g);
  CHECK_FALSE(*g);
  CHECK(r.take_remaining() == hex("05 01"));
}

TEST_CASE("frame: random frame sequences round-trip through random chunking", "[codec][frame][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int iter = 0; iter < 200; ++iter) {
    std::vector<Bytes> frames(rng() % 6);
    Bytes wire;
    for (auto& f : frames) {
      f = lp2p::test::random_bytes(rng, 600);
      codec::append_frame(wire, f);
    }
    codec::FrameReader r(600);
    std::vector<Bytes> got;
    std::size_t pos = 0;
    while (pos < wire.size()) {
      const std::size_t n = std::min<std::size_t>(wire.size() - pos, 1 + rng() % 97);
      r.feed(BytesView(wire).subspan(pos, n));
      pos += n;
      for (;;) {
        auto f = r.next();
        REQUIRE_OK(f);
        if (!*f) break;
        got.push_back(std::move(**f));
      }
    }
    r.feed_eof();
    auto end = r.next();
    REQUIRE_OK(end);
    CHECK_FALSE(*end);
    REQUIRE(got == frames);
  }
}
