#include "lp2p/io/buffered_stream.hpp"

#include "lp2p/io/memory_pipe.hpp"
#include "support/check.hpp"
#include "support/run_coro.hpp"

// Note: never put co_await inside a Catch2 macro: GCC 12 may evaluate it more than once.

#include <boost/asio/io_context.hpp>

using namespace lp2p;
namespace asio = boost::asio;

namespace {
asio::awaitable<std::string> read_string(io::ByteStream& s, std::size_t max) {
  std::vector<std::uint8_t> buf(max);
  auto n = co_await s.read_some(buf);
  REQUIRE_OK(n);
  co_return std::string(as_string_view(BytesView(buf.data(), *n)));
}
}  // namespace

TEST_CASE("buffered stream returns leftover, then unread bytes in front, then the inner stream", "[io][buffered]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor());
  io::BufferedStream s(std::move(b), to_bytes("leftover"));
  CHECK(s.buffered() == 8);
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    auto w = co_await a->write_all(as_bytes("inner"));
    REQUIRE_OK(w);
    {
      const std::string got = co_await read_string(s, 4);
      CHECK(got == "left");
    }
    s.unread(as_bytes("UN"));
    CHECK(s.buffered() == 6);
    {
      const std::string got = co_await read_string(s, 100);
      CHECK(got == "UNover");
    }  // never mixes buffered and inner bytes in one read
    CHECK(s.buffered() == 0);
    {
      const std::string got = co_await read_string(s, 100);
      CHECK(got == "inner");
    }
    s.unread(as_bytes("again"));
    {
      const std::string got = co_await read_string(s, 100);
      CHECK(got == "again");
    }
  }());
}

TEST_CASE("buffered stream forwards writes, shutdown and close to the inner stream", "[io][buffered]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor());
  io::BufferedStream s(std::move(a));
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    auto w = co_await s.write_all(as_bytes("hi"));
    REQUIRE_OK(w);
    auto f = co_await s.shutdown_write();
    REQUIRE_OK(f);
    {
      const std::string got = co_await read_string(*b, 10);
      CHECK(got == "hi");
    }
    std::uint8_t x;
    auto eof = co_await b->read_some({&x, 1});
    REQUIRE_ERR(eof, asio::error::eof);
    s.close();
    auto reset = co_await b->write_all(as_bytes("z"));
    REQUIRE_ERR(reset, asio::error::connection_reset);
  }());
  CHECK(s.describe().find("memory-pipe") != std::string::npos);
}

TEST_CASE("buffered stream release hands back the inner stream and unread bytes", "[io][buffered]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor());
  io::BufferedStream s(std::move(b), to_bytes("xyz"));
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    const std::string got = co_await read_string(s, 1);
    CHECK(got == "x");
  }());
  auto [inner, rest] = std::move(s).release();
  REQUIRE(inner);
  CHECK(as_string_view(rest) == "yz");
}

TEST_CASE("buffered stream: read views of the leftover, then the inner stream's; a view-less inner has none",
          "[io][buffered][view]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor());
  io::BufferedStream s(std::move(b), to_bytes("leftover"));
  // A memory pipe has no views, so neither has the wrapper once its buffer is drained.
  CHECK_FALSE(s.supports_read_view());
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    {
      auto v = co_await s.read_view(3);
      REQUIRE_OK(v);
      CHECK(as_string_view(*v) == "lef");
    }
    {
      auto v = co_await s.read_view(100);
      REQUIRE_OK(v);
      CHECK(as_string_view(*v) == "tover");  // never mixes buffered and inner bytes
    }
    CHECK(s.buffered() == 0);
    CHECK(s.passthrough() != nullptr);
    auto w = co_await a->write_all(as_bytes("inner"));
    REQUIRE_OK(w);
    {
      auto v = co_await s.read_view(100);
      REQUIRE_ERR(v, asio::error::operation_not_supported);
    }
    {
      const std::string got = co_await read_string(s, 100);
      CHECK(got == "inner");
    }
  }());
}
