#include "lp2p/io/memory_pipe.hpp"

#include "lp2p/io/error.hpp"
#include "lp2p/io/framed.hpp"
#include "lp2p/io/timeout.hpp"
#include "support/check.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

using namespace lp2p;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {
// Lets every other ready handler on the context run once.
asio::awaitable<void> yield(int times = 1) {
  for (int i = 0; i < times; ++i) co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
}

asio::awaitable<result<Bytes>> read_to_eof(io::ByteStream& s, std::size_t max_chunk_seen_limit, std::size_t& reads) {
  Bytes all;
  std::uint8_t buf[64];
  for (;;) {
    auto n = co_await s.read_some(buf);
    if (!n) {
      if (n.error() == asio::error::eof) co_return all;
      co_return n.error();
    }
    ++reads;
    if (max_chunk_seen_limit != 0 && *n > max_chunk_seen_limit) co_return make_error_code(io::error::frame_too_large);
    all.insert(all.end(), buf, buf + *n);
  }
}
}  // namespace

TEST_CASE("memory pipe delivers bytes in chunks of at most max_chunk", "[io][memory_pipe]") {
  asio::io_context ioc;
  const std::size_t chunk = GENERATE(1, 3, 0);
  INFO("max_chunk " << chunk);
  auto [a, b] = io::make_memory_pipe(ioc.get_executor(), {.max_chunk = chunk});
  const Bytes msg = to_bytes("hello, memory pipe");
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    {
      auto r_ = co_await a->write_all(msg);
      REQUIRE_OK(r_);
    }
    {
      auto r_ = co_await a->shutdown_write();
      REQUIRE_OK(r_);
    }
    std::size_t reads = 0;
    auto got = co_await read_to_eof(*b, chunk, reads);
    REQUIRE_OK(got);
    CHECK(*got == msg);
    if (chunk != 0) CHECK(reads == (msg.size() + chunk - 1) / chunk);
    // eof is sticky
    std::uint8_t x;
    {
      auto r_ = co_await b->read_some({&x, 1});
      REQUIRE_ERR(r_, asio::error::eof);
    }
  }());
}

TEST_CASE("memory pipe half-close: EOF one way, the other way keeps working", "[io][memory_pipe]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor());
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    {
      auto r_ = co_await a->write_all(as_bytes("abc"));
      REQUIRE_OK(r_);
    }
    {
      auto r_ = co_await a->shutdown_write();
      REQUIRE_OK(r_);
    }
    {
      auto r_ = co_await a->write_all(as_bytes("x"));
      REQUIRE_ERR(r_, io::error::write_after_shutdown);
    }
    {
      auto r_ = co_await a->write_all(as_bytes("x"));
      REQUIRE_ERR(r_, condition::misuse);
    }
    std::uint8_t buf[8];
    auto n = co_await b->read_some(buf);
    REQUIRE_OK(n);
    CHECK(as_string_view(BytesView(buf, *n)) == "abc");
    {
      auto r_ = co_await b->read_some(buf);
      REQUIRE_ERR(r_, asio::error::eof);
    }
    // b -> a still open
    {
      auto r_ = co_await b->write_all(as_bytes("reply"));
      REQUIRE_OK(r_);
    }
    {
      auto r_ = co_await b->shutdown_write();
      REQUIRE_OK(r_);
    }
    std::size_t reads = 0;
    auto got = co_await read_to_eof(*a, 0, reads);
    REQUIRE_OK(got);
    CHECK(as_string_view(*got) == "reply");
  }());
}

TEST_CASE("memory pipe close: peer sees a reset, own ops see closed", "[io][memory_pipe]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor());
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    {
      auto r_ = co_await a->write_all(as_bytes("lost"));
      REQUIRE_OK(r_);
    }
    a->close();
    a->close();  // idempotent
    std::uint8_t buf[8];
    {
      auto r_ = co_await b->read_some(buf);
      REQUIRE_ERR(r_, asio::error::connection_reset);
    }
    {
      auto r_ = co_await b->write_all(as_bytes("x"));
      REQUIRE_ERR(r_, asio::error::connection_reset);
    }
    {
      auto r_ = co_await a->read_some(buf);
      REQUIRE_ERR(r_, io::error::closed);
    }
    {
      auto r_ = co_await a->write_all(as_bytes("x"));
      REQUIRE_ERR(r_, condition::closed);
    }
    {
      auto r_ = co_await a->shutdown_write();
      REQUIRE_ERR(r_, io::error::closed);
    }
  }());
}

TEST_CASE("memory pipe close cancels this end's pending read and wakes the peer's", "[io][memory_pipe]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor());
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    std::optional<result<std::size_t>> mine, theirs;
    std::uint8_t b1[4], b2[4];
    asio::co_spawn(ex, [&]() -> asio::awaitable<void> { mine = co_await a->read_some(b1); }, asio::detached);
    asio::co_spawn(ex, [&]() -> asio::awaitable<void> { theirs = co_await b->read_some(b2); }, asio::detached);
    co_await yield(3);
    CHECK_FALSE(mine);
    CHECK_FALSE(theirs);
    a->close();
    co_await yield(3);
    REQUIRE(mine);
    REQUIRE_ERR(*mine, asio::error::operation_aborted);
    REQUIRE(theirs);
    REQUIRE_ERR(*theirs, asio::error::connection_reset);
  }());
}

TEST_CASE("memory pipe destroying an end resets the peer", "[io][memory_pipe]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor());
  a.reset();
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    std::uint8_t buf[4];
    {
      auto r_ = co_await b->read_some(buf);
      REQUIRE_ERR(r_, asio::error::connection_reset);
    }
  }());
}

TEST_CASE("memory pipe backpressure: a writer waits while the buffer is full", "[io][memory_pipe]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor(), {.capacity = 4});
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    const Bytes msg = to_bytes("0123456789");
    std::optional<result<void>> written;
    asio::co_spawn(ex, [&]() -> asio::awaitable<void> { written = co_await a->write_all(msg); }, asio::detached);
    co_await yield(5);
    CHECK_FALSE(written);  // 10 bytes do not fit in 4
    Bytes got;
    std::uint8_t buf[16];
    while (got.size() < msg.size()) {
      auto n = co_await b->read_some(buf);
      REQUIRE_OK(n);
      CHECK(*n <= 4);
      got.insert(got.end(), buf, buf + *n);
      co_await yield(2);
    }
    CHECK(got == msg);
    REQUIRE(written);
    REQUIRE_OK(*written);
  }());
}

TEST_CASE("memory pipe: a blocked writer fails when the reader closes", "[io][memory_pipe]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor(), {.capacity = 2});
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    std::optional<result<void>> written;
    asio::co_spawn(ex, [&]() -> asio::awaitable<void> { written = co_await a->write_all(as_bytes("abcdef")); },
                   asio::detached);
    co_await yield(3);
    CHECK_FALSE(written);
    b->close();
    co_await yield(3);
    REQUIRE(written);
    REQUIRE_ERR(*written, asio::error::connection_reset);
  }());
}

TEST_CASE("memory pipe: with_timeout cancels a pending read and the pipe stays usable", "[io][memory_pipe]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor());
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    std::uint8_t buf[8];
    {
      auto r_ = co_await io::with_timeout(b->read_some(buf), 20ms);
      REQUIRE_ERR(r_, io::error::timeout);
    }
    {
      auto r_ = co_await a->write_all(as_bytes("ok"));
      REQUIRE_OK(r_);
    }
    auto n = co_await io::with_timeout(b->read_some(buf), 1s);
    REQUIRE_OK(n);
    CHECK(as_string_view(BytesView(buf, *n)) == "ok");
  }());
}

TEST_CASE("memory pipe fail_after hits every failure point of an exchange", "[io][memory_pipe]") {
  // The exchange: a sends a frame, b answers with a frame, a half-closes. Loop the failure point over
  // every operation until the exchange succeeds (Beast's fail_count loop, STYLE.md §7.8).
  auto exchange = [](io::ByteStream& a, io::ByteStream& b) -> asio::awaitable<result<void>> {
    if (auto r = co_await io::write_uvarint_frame(a, as_bytes("ping")); !r) co_return r.error();
    auto req = co_await io::read_uvarint_frame(b, 64);
    if (!req) co_return req.error();
    if (auto r = co_await io::write_uvarint_frame(b, *req); !r) co_return r.error();
    auto resp = co_await io::read_uvarint_frame(a, 64);
    if (!resp) co_return resp.error();
    if (auto r = co_await a.shutdown_write(); !r) co_return r.error();
    co_return result<void>{};
  };
  std::size_t n = 0;
  for (;; ++n) {
    REQUIRE(n < 100);
    asio::io_context ioc;
    auto [a, b] = io::make_memory_pipe(ioc.get_executor(), {.max_chunk = 2, .fail_after = n});
    auto r = run_coro(ioc, exchange(*a, *b));
    if (r) break;
    INFO("failure point " << n);
    REQUIRE_ERR(r, io::error::injected_failure);
  }
  // 2 writes + 2 frames read byte-wise (1 varint byte + 4 body bytes in 2-byte chunks = 3 reads) + shutdown
  CHECK(n == 9);
}
