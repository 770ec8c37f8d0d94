#include "lp2p/core/copy.hpp"
#include "lp2p/core/bytes.hpp"

#include "support/check.hpp"

#include <algorithm>
#include <random>

using namespace lp2p;

TEST_CASE("copy_is_slow_case: rep movsb sizes with a 1..31-byte forward distance modulo 64", "[core][copy]") {
  alignas(64) static std::uint8_t a[8192];
  alignas(64) static std::uint8_t b[8192];
  CHECK_FALSE(copy_is_slow_case(b, a, 65536));       // same alignment
  CHECK(copy_is_slow_case(b + 1, a, 65536));         // distance 1
  CHECK(copy_is_slow_case(b + 16, a, 65536));        // distance 16 (malloc's 16-byte alignment)
  CHECK(copy_is_slow_case(b + 31, a, 65536));        // distance 31
  CHECK_FALSE(copy_is_slow_case(b + 32, a, 65536));  // distance 32
  CHECK_FALSE(copy_is_slow_case(b, a + 16, 65536));  // distance 48 (destination behind)
  CHECK(copy_is_slow_case(b + 18, a + 2, 65536));    // only the relative placement counts
  CHECK_FALSE(copy_is_slow_case(b + 16, a, copy_piece));      // at the piece size: one plain memcpy
  CHECK(copy_is_slow_case(b + 16, a, copy_piece + 1));        // one past it
}

TEST_CASE("copy_bytes copies exactly n bytes at every relative alignment", "[core][copy]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  Bytes src(70000 + 64);
  for (auto& x : src) x = static_cast<std::uint8_t>(rng());
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, copy_piece - 1, copy_piece, copy_piece + 1, std::size_t{65519}, std::size_t{70000}}) {
    for (std::size_t so = 0; so < 64; so += 7) {
      for (std::size_t d = 0; d < 64; d += 5) {
        INFO("n " << n << " src offset " << so << " dst offset " << d);
        Bytes dst(n + 128, 0xee);
        copy_bytes(dst.data() + d, src.data() + so, n);
        CHECK(std::equal(dst.begin() + static_cast<std::ptrdiff_t>(d), dst.begin() + static_cast<std::ptrdiff_t>(d + n),
                         src.begin() + static_cast<std::ptrdiff_t>(so)));
        // nothing outside [d, d + n) was written
        CHECK(std::all_of(dst.begin(), dst.begin() + static_cast<std::ptrdiff_t>(d), [](std::uint8_t x) { return x == 0xee; }));
        CHECK(std::all_of(dst.begin() + static_cast<std::ptrdiff_t>(d + n), dst.end(), [](std::uint8_t x) { return x == 0xee; }));
      }
    }
  }
}

TEST_CASE("append_bytes equals vector::insert at the end (random sizes and offsets)", "[core][copy][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  Bytes src(200000);
  for (auto& x : src) x = static_cast<std::uint8_t>(rng());
  for (int iter = 0; iter < 20; ++iter) {
    Bytes got, want;
    for (int k = 0; k < 30; ++k) {
      const std::size_t n = rng() % 3 == 0 ? rng() % 100 : rng() % 70000;
      const std::size_t at = rng() % (src.size() - n);
      append_bytes(got, src.data() + at, n);
      want.insert(want.end(), src.begin() + static_cast<std::ptrdiff_t>(at), src.begin() + static_cast<std::ptrdiff_t>(at + n));
      REQUIRE(got.size() == want.size());
    }
    CHECK(got == want);
    CHECK(got.capacity() < 4 * got.size() + 2 * copy_piece);  // geometric, not unbounded, growth
  }
}
