#include "lp2p/core/uvarint.hpp"

#include "support/check.hpp"

#include <random>

using namespace lp2p;

TEST_CASE("uvarint spec vectors", "[core][uvarint]") {
  // https://github.com/multiformats/unsigned-varint#examples
  struct V { std::uint64_t value; Bytes bytes; };
  const V vectors[] = {
      {1, {0x01}},           {127, {0x7f}},         {128, {0x80, 0x01}},
      {255, {0xff, 0x01}},   {300, {0xac, 0x02}},   {16384, {0x80, 0x80, 0x01}},
      {uvarint::max_value, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
  };
  for (const auto& v : vectors) {
    Bytes out;
    uvarint::encode(v.value, out);
    CHECK(out == v.bytes);
    CHECK(uvarint::encoded_size(v.value) == v.bytes.size());
    auto d = uvarint::decode(v.bytes);
    REQUIRE_OK(d);
    CHECK(d->value == v.value);
    CHECK(d->size == v.bytes.size());
  }
}

TEST_CASE("uvarint rejects bad encodings", "[core][uvarint]") {
  REQUIRE_ERR(uvarint::decode(Bytes{0x80}), core::error::varint_truncated);
  REQUIRE_ERR(uvarint::decode(Bytes{}), core::error::varint_truncated);
  REQUIRE_ERR(uvarint::decode(Bytes{0x81, 0x00}), core::error::varint_not_minimal);
  REQUIRE_ERR(uvarint::decode(Bytes(9, 0xff)), core::error::varint_overlong);
  REQUIRE_ERR(uvarint::decode(Bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}),
              core::error::varint_overlong);
  REQUIRE_ERR(uvarint::decode(Bytes{0x80}), condition::protocol_violation);
}

TEST_CASE("uvarint streaming decode reports need-more at every split", "[core][uvarint]") {
  const Bytes full{0xac, 0x02};
  error_code ec;
  CHECK_FALSE(uvarint::decode_prefix(BytesView(full).first(1), ec));
  CHECK_FALSE(ec);
  auto d = uvarint::decode_prefix(full, ec);
  REQUIRE(d);
  CHECK(d->value == 300);
}

TEST_CASE("uvarint round-trips random values", "[core][uvarint][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t v = rng() >> (rng() % 63 + 1);  // 1..63: at most 63 bits
    Bytes out;
    uvarint::encode(v, out);
    auto d = uvarint::decode(out);
    REQUIRE_OK(d);
    REQUIRE(d->value == v);
    REQUIRE(d->size == out.size());
  }
}

TEST_CASE("uvarint encode_to writes what encode appends", "[core][uvarint][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  std::vector<std::uint64_t> values = {0, 1, 127, 128, 16383, 16384, uvarint::max_value};
  for (int shift = 0; shift < 63; ++shift) {
    values.push_back(std::uint64_t{1} << shift);
    values.push_back((std::uint64_t{1} << shift) - 1);
  }
  for (int i = 0; i < 2000; ++i) values.push_back(rng() >> (1 + rng() % 63));
  for (const auto v : values) {
    INFO("value " << v);
    std::uint8_t buf[uvarint::max_bytes];
    const std::size_t n = uvarint::encode_to(v, buf);
    // The byte-at-a-time reference (what encode() did before it went through encode_to).
    Bytes ref;
    for (std::uint64_t x = v;; x >>= 7) {
      if (x < 0x80) {
        ref.push_back(static_cast<std::uint8_t>(x));
        break;
      }
      ref.push_back(static_cast<std::uint8_t>(x | 0x80));
    }
    REQUIRE(Bytes(buf, buf + n) == ref);
    REQUIRE(n == uvarint::encoded_size(v));
    Bytes appended{0xee};  // appends after what is there
    uvarint::encode(v, appended);
    REQUIRE(appended.front() == 0xee);
    REQUIRE(Bytes(appended.begin() + 1, appended.end()) == ref);
    auto d = uvarint::decode(BytesView(buf, n));
    REQUIRE_OK(d);
    REQUIRE(d->value == v);
  }
}
