// Runs one coroutine to completion on an io_context inside a Catch2 test (STYLE.md §7.8):
//     auto r = run_coro(ioc, some_coroutine(...));        // returns its value
// Fails the test when the coroutine has not finished within `limit` (a hang), and rethrows an exception
// that escaped it. Other work left on the context (a pending accept, a detached task) does not keep
// run_coro waiting: the context is stopped as soon as the coroutine completes, and restarted on the
// next call.
// Never put co_await inside a Catch2 macro (CHECK(co_await f())): GCC 12 can evaluate it twice. Bind
// the result to a variable first.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <type_traits>

// GCC 12 false positive: when an immediately invoked lambda coroutine's frame allocation (Asio's
// awaitable_frame_base::operator new) and deallocation are both inlined into a test body,
// -Wmismatched-new-delete pairs the wrong functions. Test files only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace lp2p::test {

template <class T>
T run_coro(boost::asio::io_context& ioc, boost::asio::awaitable<T> coro,
           std::chrono::seconds limit = std::chrono::seconds(5)) {
  bool done = false;
  std::exception_ptr error;
  std::conditional_t<std::is_void_v<T>, bool, std::optional<T>> value{};
  if constexpr (std::is_void_v<T>) {
    boost::asio::co_spawn(ioc, std::move(coro), [&](std::exception_ptr e) {
      error = e;
      done = true;
      ioc.stop();
    });
  } else {
    boost::asio::co_spawn(ioc, std::move(coro), [&](std::exception_ptr e, T v) {
      error = e;
      if (!e) value.emplace(std::move(v));
      done = true;
      ioc.stop();
    });
  }
  ioc.restart();
  ioc.run_for(limit);
  if (!done) FAIL("coroutine did not finish within " << limit.count() << " s (hang)");
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<T>) return std::move(*value);
}

}  // namespace lp2p::test

using lp2p::test::run_coro;
