#include "lp2p/io/timeout.hpp"

#include "lp2p/io/use_nothrow.hpp"
#include "support/check.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <optional>
#include <stdexcept>

using namespace lp2p;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {
// An operation that never completes on its own; records how it ended.
asio::awaitable<result<int>> never(bool& cancelled) {
  asio::steady_timer t(co_await asio::this_coro::executor, Clock::time_point::max());
  auto [ec] = co_await t.async_wait(use_nothrow);
  cancelled = ec == asio::error::operation_aborted;
  co_return ec;
}
asio::awaitable<result<int>> after(Clock::duration d, int v) {
  co_await io::sleep_for(d);
  co_return v;
}
asio::awaitable<result<void>> void_after(Clock::duration d) {
  co_await io::sleep_for(d);
  co_return result<void>{};
}
asio::awaitable<result<int>> throws() {
  co_await io::sleep_for(1ms);
  throw std::runtime_error("bug");
}
}  // namespace

TEST_CASE("with_timeout fires and cancels the operation", "[io][timeout]") {
  asio::io_context ioc;
  bool cancelled = false;
  const auto t0 = Clock::now();
  auto r = run_coro(ioc, io::with_timeout(never(cancelled), 30ms));
  const auto elapsed = Clock::now() - t0;
  REQUIRE_ERR(r, io::error::timeout);
  REQUIRE_ERR(r, condition::timeout);
  CHECK(cancelled);
  CHECK(elapsed >= 30ms);
  CHECK(elapsed < 2s);
}

TEST_CASE("with_timeout does not fire when the operation finishes first", "[io][timeout]") {
  asio::io_context ioc;
  const auto t0 = Clock::now();
  auto r = run_coro(ioc, io::with_timeout(after(5ms, 42), 2s));
  REQUIRE_OK(r);
  CHECK(*r == 42);
  CHECK(Clock::now() - t0 < 1s);  // the timer was cancelled, not waited for

  auto v = run_coro(ioc, io::with_timeout(void_after(1ms), 2s));
  REQUIRE_OK(v);
  auto vt = run_coro(ioc, io::with_timeout(void_after(2s), 10ms));
  REQUIRE_ERR(vt, io::error::timeout);
}

TEST_CASE("with_timeout passes the operation's own error through", "[io][timeout]") {
  asio::io_context ioc;
  auto op = []() -> asio::awaitable<result<int>> { co_return make_error_code(asio::error::connection_refused); };
  auto r = run_coro(ioc, io::with_timeout(op(), 1s));
  REQUIRE_ERR(r, asio::error::connection_refused);
}

TEST_CASE("with_timeout rethrows an exception from the operation", "[io][timeout]") {
  asio::io_context ioc;
  CHECK_THROWS_AS(run_coro(ioc, io::with_timeout(throws(), 1s)), std::runtime_error);
}

TEST_CASE("with_timeout nests: the inner deadline wins when shorter", "[io][timeout]") {
  asio::io_context ioc;
  bool cancelled = false;
  auto r = run_coro(ioc, io::with_timeout(io::with_timeout(never(cancelled), 10ms), 2s));
  REQUIRE_ERR(r, io::error::timeout);
  CHECK(cancelled);
}

TEST_CASE("with_timeout nests: the outer deadline wins when shorter", "[io][timeout]") {
  asio::io_context ioc;
  bool cancelled = false;
  auto r = run_coro(ioc, io::with_timeout(io::with_timeout(never(cancelled), 2s), 10ms));
  REQUIRE_ERR(r, io::error::timeout);
  CHECK(cancelled);  // the outer cancellation reached the operation through the inner deadline
}

TEST_CASE("with_timeout: the inner call sees its caller's cancellation as operation_aborted",
          "[io][timeout]") {
  asio::io_context ioc;
  bool cancelled = false;
  std::optional<result<int>> inner;
  auto outer = [&]() -> asio::awaitable<result<int>> {
    inner = co_await io::with_timeout(never(cancelled), 2s);
    co_return *inner;
  };
  auto r = run_coro(ioc, io::with_timeout(outer(), 10ms));
  REQUIRE_ERR(r, io::error::timeout);
  REQUIRE(inner.has_value());
  CHECK(inner->error() == asio::error::operation_aborted);
  CHECK(cancelled);
}

TEST_CASE("with_timeout: many sequential deadlines leave no timer behind", "[io][timeout]") {
  asio::io_context ioc;
  int ok = 0;
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 1000; ++i)
      if (auto r = co_await io::with_timeout(after(0ms, i), 1h); r && *r == i) ++ok;
  }());
  CHECK(ok == 1000);
  // Every deadline timer was cancelled when its operation finished (a pending 1 h timer would keep the
  // context busy): the context runs out of work at once instead of waiting.
  ioc.restart();
  ioc.run_for(std::chrono::milliseconds(500));
  CHECK(ioc.stopped());
}

TEST_CASE("sleep_for waits", "[io][timeout]") {
  asio::io_context ioc;
  const auto t0 = Clock::now();
  CHECK(run_coro(ioc, io::sleep_for(10ms)));
  CHECK(Clock::now() - t0 >= 10ms);
}
