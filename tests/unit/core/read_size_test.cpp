#include "lp2p/core/read_size.hpp"

#include "support/check.hpp"

#include <random>

using namespace lp2p;

TEST_CASE("ReadSize starts small and doubles exactly when a read fills the buffer", "[core][read_size]") {
  ReadSize rs;
  CHECK(rs.size() == 8 * 1024);
  CHECK(rs.max() == 64 * 1024);
  CHECK_FALSE(rs.on_read(8192, 0));     // nothing arrived
  CHECK_FALSE(rs.on_read(8192, 8191));  // one byte short of full
  CHECK(rs.size() == 8192);
  CHECK(rs.on_read(8192, 8192));
  CHECK(rs.size() == 16384);
  CHECK(rs.on_read(16384, 16384));
  CHECK(rs.size() == 32768);
  CHECK(rs.on_read(40000, 40000));  // a larger buffer than size() (e.g. a whole frame) filled: grows too
  CHECK(rs.size() == 65536);
  CHECK_FALSE(rs.on_read(65536, 65536));  // at the cap
  CHECK(rs.size() == 65536);
  CHECK_FALSE(rs.on_read(65536, 10));  // never shrinks
  CHECK(rs.size() == 65536);
}

TEST_CASE("ReadSize ignores a full read into a buffer smaller than size()", "[core][read_size]") {
  ReadSize rs(4096, 65536);
  CHECK_FALSE(rs.on_read(100, 100));
  CHECK_FALSE(rs.on_read(4095, 4095));
  CHECK(rs.size() == 4096);
  CHECK(rs.on_read(4096, 4096));
  CHECK(rs.size() == 8192);
}

TEST_CASE("ReadSize limits: cap not a multiple of the start, degenerate arguments", "[core][read_size][limit]") {
  SECTION("the last step stops at the cap") {
    ReadSize rs(5000, 65535);
    for (std::size_t s : {5000u, 10000u, 20000u, 40000u}) {
      CHECK(rs.size() == s);
      CHECK(rs.on_read(s, s));
    }
    CHECK(rs.size() == 65535);  // not 80000
    CHECK_FALSE(rs.on_read(65535, 65535));
  }
  SECTION("initial above the cap is clamped") {
    ReadSize rs(1 << 20, 4096);
    CHECK(rs.size() == 4096);
    CHECK_FALSE(rs.on_read(4096, 4096));
  }
  SECTION("zero initial and zero cap count as 1") {
    ReadSize a(0, 0);
    CHECK(a.size() == 1);
    CHECK(a.max() == 1);
    CHECK_FALSE(a.on_read(1, 1));
    ReadSize b(0, 8);
    CHECK(b.size() == 1);
    CHECK(b.on_read(1, 1));
    CHECK(b.size() == 2);
  }
}

TEST_CASE("ReadSize never exceeds the cap and only grows on full reads (random reads)", "[core][read_size][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int iter = 0; iter < 200; ++iter) {
    const std::size_t cap = 1 + rng() % 100000;
    ReadSize rs(1 + rng() % 20000, cap);
    for (int i = 0; i < 50; ++i) {
      const std::size_t before = rs.size();
      const std::size_t asked = rs.size() + (rng() % 3 == 0 ? rng() % 1000 : 0);
      const std::size_t got = rng() % 2 ? asked : rng() % (asked + 1);
      const bool grew = rs.on_read(asked, got);
      CHECK(rs.size() <= cap);
      CHECK(grew == (rs.size() != before));
      CHECK(grew == (got == asked && before < cap));
      if (grew) CHECK(rs.size() == std::min(before * 2, cap));
    }
  }
}
