// Deadlines for coroutines (STYLE.md §7.4: "every network co_await goes through with_timeout"; §6: Boost
// 1.81 has no cancel_after, so a deadline is a steady_timer whose expiry cancels the operation through
// its cancellation slot).
//
// The template here only adapts the value type; the race itself is compiled once in timeout.cpp.
#pragma once

#include "lp2p/io/error.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <exception>
#include <optional>

namespace lp2p::io {

namespace asio = boost::asio;

namespace detail {
enum class RaceOutcome { finished, timed_out, cancelled };
/// Runs `op` with a timer of `d` that cancels it; also forwards the caller's own cancellation to it.
asio::awaitable<RaceOutcome> race_deadline(asio::awaitable<void> op, std::chrono::steady_clock::duration d);

template <class T>
asio::awaitable<void> store_result(asio::awaitable<result<T>> op, std::optional<result<T>>& out,
                                   std::exception_ptr& ep) {
  try {
    out.emplace(co_await std::move(op));
  } catch (...) {
    // Keep it: a throwing op must not look like a timeout (`||` ignores a branch that threw).
    ep = std::current_exception();
  }
}
}  // namespace detail

/// Runs `op` with a deadline. When `d` passes first, `op` is cancelled through its cancellation slot
/// (Asio sockets, timers, MemoryPipe and everything built from them honour it) and the result is
/// io::error::timeout, which compares equal to lp2p::condition::timeout. An operation that ignores
/// cancellation (a blocking getaddrinfo) delays the return until it completes.
/// @return op's own result, io::error::timeout, or asio::error::operation_aborted when the caller itself
///         is cancelled. Exceptions thrown by `op` are rethrown.
/// @par Example `auto n = co_await io::with_timeout(stream.read_some(buf), 10s);`
template <class T>
asio::awaitable<result<T>> with_timeout(asio::awaitable<result<T>> op, std::chrono::steady_clock::duration d) {
  std::optional<result<T>> out;
  std::exception_ptr ep;
  const auto outcome = co_await detail::race_deadline(detail::store_result<T>(std::move(op), out, ep), d);
  switch (outcome) {
    case detail::RaceOutcome::finished:
      if (ep) std::rethrow_exception(ep);
      co_return std::move(*out);
    case detail::RaceOutcome::timed_out:
      // Whatever the cancelled op produced (operation_aborted, or an exception) is not the story.
      co_return make_error_code(error::timeout);
    case detail::RaceOutcome::cancelled:
      break;
  }
  co_return make_error_code(asio::error::operation_aborted);
}

/// Waits `d` on the current coroutine's executor. False when cancelled before the time was up.
asio::awaitable<bool> sleep_for(std::chrono::steady_clock::duration d);

}  // namespace lp2p::io
