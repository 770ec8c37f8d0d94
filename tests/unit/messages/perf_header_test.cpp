// perf request header (codec/perf/header.hpp): u64 big-endian, then upload payload (perf spec).
#include "lp2p/codec/perf/header.hpp"

#include "support/check.hpp"

#include <limits>
#include <random>
#include <vector>

using namespace lp2p;

TEST_CASE("perf header: big-endian vectors", "[perf]") {
  CHECK(perf::encode_header(0) == std::array<std::uint8_t, 8>{0, 0, 0, 0, 0, 0, 0, 0});
  CHECK(perf::encode_header(1) == std::array<std::uint8_t, 8>{0, 0, 0, 0, 0, 0, 0, 1});
  // 100 MiB, the size the cross-implementation perf runners download.
  CHECK(perf::encode_header(104857600) == std::array<std::uint8_t, 8>{0, 0, 0, 0, 0x06, 0x40, 0, 0});
  CHECK(perf::encode_header(std::numeric_limits<std::uint64_t>::max()) ==
        std::array<std::uint8_t, 8>{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  const std::vector<std::uint8_t> wire{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xaa};
  auto h = perf::decode_header(wire);
  REQUIRE(h);
  CHECK(h->download_bytes == 0x0102030405060708ULL);
  REQUIRE(h->rest.size() == 1);
  CHECK(h->rest[0] == 0xaa);
}

TEST_CASE("perf header: fewer than 8 bytes is 'need more', at every split point", "[perf]") {
  const auto wire = perf::encode_header(0x1122334455667788ULL);
  for (std::size_t n = 0; n < perf::header_size; ++n) {
    INFO("bytes available: " << n);
    CHECK_FALSE(perf::decode_header(BytesView(wire.data(), n)));
  }
  auto h = perf::decode_header(wire);
  REQUIRE(h);
  CHECK(h->download_bytes == 0x1122334455667788ULL);
  CHECK(h->rest.empty());
}

TEST_CASE("perf header: round trip of random values with trailing payload", "[perf]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t v = rng() >> (rng() % 64);
    const auto head = perf::encode_header(v);
    std::vector<std::uint8_t> wire(head.begin(), head.end());
    const std::size_t extra = rng() % 5;
    for (std::size_t k = 0; k < extra; ++k) wire.push_back(static_cast<std::uint8_t>(rng()));
    auto h = perf::decode_header(wire);
    REQUIRE(h);
    CHECK(h->download_bytes == v);
    CHECK(h->rest.size() == extra);
  }
}
