#include "lp2p/io/framed.hpp"

#include "lp2p/core/uvarint.hpp"
#include "lp2p/io/error.hpp"
#include "lp2p/io/memory_pipe.hpp"
#include "support/check.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <random>

using namespace lp2p;
namespace asio = boost::asio;

namespace {
// Writes raw bytes then half-closes, so the reader sees exactly `bytes` and then EOF.
asio::awaitable<void> feed(io::ByteStream& s, BytesView bytes) {
  auto w = co_await s.write_all(bytes);
  REQUIRE_OK(w);
  auto f = co_await s.shutdown_write();
  REQUIRE_OK(f);
}
}  // namespace

TEST_CASE("uvarint frames round-trip at every chunk size", "[io][framed]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  const std::size_t chunk = GENERATE(1, 2, 7, 0);
  INFO("max_chunk " << chunk);
  const std::size_t sizes[] = {0, 1, 127, 128, 300, 16384, 70000};
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor(), {.max_chunk = chunk, .capacity = 1000});
  std::vector<Bytes> frames;
  for (auto n : sizes) {
    Bytes f(n);
    for (auto& x : f) x = static_cast<std::uint8_t>(rng());
    frames.push_back(std::move(f));
  }
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    // Writer runs concurrently: the 1000-byte pipe capacity forces interleaving.
    asio::co_spawn(ex, [&]() -> asio::awaitable<void> {
      for (const auto& f : frames) {
        auto w = co_await io::write_uvarint_frame(*a, f);
        REQUIRE_OK(w);
      }
    }, asio::detached);
    for (const auto& f : frames) {
      auto r = co_await io::read_uvarint_frame(*b, 100000);
      REQUIRE_OK(r);
      REQUIRE(*r == f);
    }
  }(), std::chrono::seconds(20));
}

TEST_CASE("read_uvarint_frame never reads past the frame", "[io][framed]") {
  asio::io_context ioc;
  // max_chunk 0: the pipe would happily hand over everything a greedy reader asked for.
  auto [a, b] = io::make_memory_pipe(ioc.get_executor());
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    Bytes wire;
    uvarint::encode(5, wire);
    for (char c : std::string_view("helloNEXT-LAYER")) wire.push_back(static_cast<std::uint8_t>(c));
    co_await feed(*a, wire);
    auto f = co_await io::read_uvarint_frame(*b, 64);
    REQUIRE_OK(f);
    CHECK(as_string_view(*f) == "hello");
    std::uint8_t rest[10];
    auto r = co_await io::read_exact(*b, rest);
    REQUIRE_OK(r);
    CHECK(as_string_view(BytesView(rest, 10)) == "NEXT-LAYER");
  }());
}

TEST_CASE("read_uvarint_frame enforces max_size exactly", "[io][framed]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor());
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    const Bytes at_max(4096, 0xab), over(4097, 0xcd);
    auto w1 = co_await io::write_uvarint_frame(*a, at_max);
    REQUIRE_OK(w1);
    auto w2 = co_await io::write_uvarint_frame(*a, over);
    REQUIRE_OK(w2);
    auto ok = co_await io::read_uvarint_frame(*b, 4096);
    REQUIRE_OK(ok);
    CHECK(ok->size() == 4096);
    auto too_big = co_await io::read_uvarint_frame(*b, 4096);
    REQUIRE_ERR(too_big, io::error::frame_too_large);
    REQUIRE_ERR(too_big, condition::protocol_violation);
    // Rejected before any body byte was consumed.
    std::uint8_t first;
    auto r = co_await io::read_exact(*b, {&first, 1});
    REQUIRE_OK(r);
    CHECK(first == 0xcd);
  }());
}

TEST_CASE("read_uvarint_frame end-of-stream and malformed prefixes", "[io][framed]") {
  struct Case { const char* name; Bytes wire; error_code expected; };
  const Case cases[] = {
      {"clean eof before a frame", {}, make_error_code(asio::error::eof)},
      {"eof inside the varint", {0x80}, make_error_code(io::error::eof_before_frame_end)},
      {"eof inside the body", {0x03, 'a', 'b'}, make_error_code(io::error::eof_before_frame_end)},
      {"non-minimal varint", {0x81, 0x00}, make_error_code(core::error::varint_not_minimal)},
      {"overlong varint", Bytes(10, 0xff), make_error_code(core::error::varint_overlong)},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    asio::io_context ioc;
    auto [a, b] = io::make_memory_pipe(ioc.get_executor(), {.max_chunk = 1});
    auto r = run_coro(ioc, [&]() -> asio::awaitable<result<Bytes>> {
      co_await feed(*a, c.wire);
      auto f = co_await io::read_uvarint_frame(*b, 1 << 20);
      co_return f;
    }());
    REQUIRE_ERR(r, c.expected);
  }
}

TEST_CASE("read_uvarint_frame accepts an empty frame", "[io][framed]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor());
  auto r = run_coro(ioc, [&]() -> asio::awaitable<result<Bytes>> {
    const Bytes empty_frame{0x00};
    co_await feed(*a, empty_frame);
    auto f = co_await io::read_uvarint_frame(*b, 0);
    co_return f;
  }());
  REQUIRE_OK(r);
  CHECK(r->empty());
}

TEST_CASE("read_exact", "[io][framed]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor(), {.max_chunk = 2});
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await feed(*a, as_bytes("abcde"));
    std::uint8_t buf[4];
    auto none = co_await io::read_exact(*b, std::span<std::uint8_t>(buf, 0));
    REQUIRE_OK(none);
    auto four = co_await io::read_exact(*b, buf);
    REQUIRE_OK(four);
    CHECK(as_string_view(BytesView(buf, 4)) == "abcd");
    auto partial = co_await io::read_exact(*b, buf);  // only "e" left
    REQUIRE_ERR(partial, io::error::eof_before_frame_end);
    auto eof = co_await io::read_exact(*b, buf);
    REQUIRE_ERR(eof, asio::error::eof);
  }());
}
