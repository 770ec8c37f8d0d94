#include "lp2p/core/multibase.hpp"

#include "support/check.hpp"

#include <random>

using namespace lp2p;
using multibase::Base;

TEST_CASE("multibase RFC 4648 vectors", "[core][multibase]") {
  // RFC 4648 section 10, without padding.
  struct V { const char* in; const char* b16; const char* b32; const char* b64; };
  const V vectors[] = {
      {"", "", "", ""},
      {"f", "66", "my", "Zg"},
      {"fo", "666f", "mzxq", "Zm8"},
      {"foo", "666f6f", "mzxw6", "Zm9v"},
      {"foob", "666f6f62", "mzxw6yq", "Zm9vYg"},
      {"fooba", "666f6f6261", "mzxw6ytb", "Zm9vYmE"},
      {"foobar", "666f6f626172", "mzxw6ytboi", "Zm9vYmFy"},
  };
  for (const auto& v : vectors) {
    INFO("input '" << v.in << "'");
    const Bytes in = to_bytes(v.in);
    CHECK(multibase::base16_encode(in) == v.b16);
    CHECK(multibase::base32_lower_encode(in) == v.b32);
    CHECK(multibase::base64_encode(in) == v.b64);
    CHECK(multibase::base64url_encode(in) == v.b64);
    auto d16 = multibase::base16_decode(v.b16);
    REQUIRE_OK(d16);
    CHECK(*d16 == in);
    auto d32 = multibase::base32_lower_decode(v.b32);
    REQUIRE_OK(d32);
    CHECK(*d32 == in);
    auto d64 = multibase::base64_decode(v.b64);
    REQUIRE_OK(d64);
    CHECK(*d64 == in);
  }
  CHECK(multibase::base64url_encode(Bytes{0xfb, 0xff, 0xfe}) == "-__-");
  CHECK(multibase::base64_encode(Bytes{0xfb, 0xff, 0xfe}) == "+//+");
  CHECK(multibase::base32_upper_encode(Bytes{0xff, 0xff}) == "777Q");
}

TEST_CASE("multibase spec vectors ('yes mani !')", "[core][multibase]") {
  // https://github.com/multiformats/multibase/blob/master/tests/test1.csv
  const Bytes in = to_bytes("yes mani !");
  struct V { Base base; const char* text; };
  const V vectors[] = {
      {Base::base16, "f796573206d616e692021"},
      {Base::base16upper, "F796573206D616E692021"},
      {Base::base32, "bpfsxgidnmfxgsibb"},
      {Base::base32upper, "BPFSXGIDNMFXGSIBB"},
      {Base::base36, "k2lcpzo5yikidynfl"},
      {Base::base36upper, "K2LCPZO5YIKIDYNFL"},
      {Base::base58btc, "z7paNL19xttacUY"},
      {Base::base64, "meWVzIG1hbmkgIQ"},
      {Base::base64url, "ueWVzIG1hbmkgIQ"},
  };
  for (const auto& v : vectors) {
    INFO(v.text);
    CHECK(multibase::encode(v.base, in) == v.text);
    Base got = Base::base16;
    auto d = multibase::decode(v.text, &got);
    REQUIRE_OK(d);
    CHECK(*d == in);
    CHECK(got == v.base);
  }
}

TEST_CASE("multibase rejects malformed text", "[core][multibase]") {
  REQUIRE_ERR(multibase::decode(""), core::error::multibase_empty);
  REQUIRE_ERR(multibase::decode("9abc"), core::error::multibase_unsupported);  // base10
  REQUIRE_ERR(multibase::decode("cmzxq===="), core::error::multibase_unsupported);  // base32pad
  // Characters outside the alphabet, including the other case and the other base64 variant.
  REQUIRE_ERR(multibase::decode("fAB"), core::error::base_invalid_character);
  REQUIRE_ERR(multibase::decode("bMZXQ"), core::error::base_invalid_character);
  REQUIRE_ERR(multibase::decode("bmzx1"), core::error::base_invalid_character);
  REQUIRE_ERR(multibase::decode("m-__-"), core::error::base_invalid_character);
  REQUIRE_ERR(multibase::decode("u+//+"), core::error::base_invalid_character);
  REQUIRE_ERR(multibase::decode("z0OIl"), core::error::base_invalid_character);
  REQUIRE_ERR(multibase::decode("k2LC"), core::error::base_invalid_character);
  REQUIRE_ERR(multibase::decode("bmz xq"), core::error::base_invalid_character);
  REQUIRE_ERR(multibase::decode(std::string_view("bmz\0q", 5)), core::error::base_invalid_character);
  REQUIRE_ERR(multibase::decode("b\xc3\xa9"), core::error::base_invalid_character);
  // Padding is forbidden in these variants.
  REQUIRE_ERR(multibase::decode("bmzxq===="), core::error::base_invalid_padding);
  REQUIRE_ERR(multibase::decode("mZg=="), core::error::base_invalid_padding);
  // Non-zero trailing bits: "Zh" would carry a stray 1 bit after 'f' (Zg is canonical).
  REQUIRE_ERR(multibase::decode("mZh"), core::error::base_invalid_padding);
  REQUIRE_ERR(multibase::decode("bmz"), core::error::base_invalid_padding);  // canonical is "my"
  REQUIRE_ERR(multibase::decode("uZm9"), core::error::base_invalid_padding);
  // Impossible lengths.
  REQUIRE_ERR(multibase::decode("f666"), core::error::base_invalid_length);
  REQUIRE_ERR(multibase::decode("bm"), core::error::base_invalid_length);
  REQUIRE_ERR(multibase::decode("bmzx"), core::error::base_invalid_length);
  REQUIRE_ERR(multibase::decode("bmzxw6y"), core::error::base_invalid_length);  // 6 chars: never produced
  REQUIRE_ERR(multibase::decode("bmzxw6yr"), core::error::base_invalid_padding);  // 7 is fine; "q" is canonical
  REQUIRE_ERR(multibase::decode("bmzxw6yb"), core::error::base_invalid_padding);
  REQUIRE_ERR(multibase::decode("bmzxw6yr"), condition::protocol_violation);
  REQUIRE_ERR(multibase::decode("bmzxw6ytbo"), core::error::base_invalid_length);  // 9 chars: 1 mod 8
  REQUIRE_ERR(multibase::decode("mZ"), core::error::base_invalid_length);
  // Leading zero bytes are leading zero digits in the big-number bases.
  CHECK(multibase::encode(Base::base36, Bytes{0, 0, 1}) == "k001");
  auto z = multibase::decode("k001");
  REQUIRE_OK(z);
  CHECK(*z == Bytes{0, 0, 1});
  // Empty bodies are the empty byte string.
  auto e = multibase::decode("b");
  REQUIRE_OK(e);
  CHECK(e->empty());
}

TEST_CASE("multibase round-trips random data in every base", "[core][multibase][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  const Base bases[] = {Base::base16, Base::base16upper, Base::base32, Base::base32upper,
                        Base::base36, Base::base36upper, Base::base58btc, Base::base64, Base::base64url};
  for (int i = 0; i < 2000; ++i) {
    Bytes data(rng() % 70);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    for (auto base : bases) {
      const auto text = multibase::encode(base, data);
      Base got = Base::base16;
      auto d = multibase::decode(text, &got);
      REQUIRE_OK(d);
      REQUIRE(*d == data);
      REQUIRE(got == base);
    }
  }
}

TEST_CASE("multibase decoding is canonical: every accepted text re-encodes identically",
          "[core][multibase][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  const std::string_view prefixes = "fFbBmukKz";
  const std::string_view pool = "0123456789abcdefABCDEFmnopqrsxyzMNOXYZ+/-_=";
  for (int i = 0; i < 20000; ++i) {
    std::string text(1, prefixes[rng() % prefixes.size()]);
    const auto n = rng() % 12;
    for (unsigned k = 0; k < n; ++k) text.push_back(pool[rng() % pool.size()]);
    Base base = Base::base16;
    auto d = multibase::decode(text, &base);
    if (d) REQUIRE(multibase::encode(base, *d) == text);
  }
}
