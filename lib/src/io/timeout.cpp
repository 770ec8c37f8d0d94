#include "lp2p/io/timeout.hpp"

#include "lp2p/io/use_nothrow.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

namespace lp2p::io {

asio::awaitable<bool> sleep_for(std::chrono::steady_clock::duration d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  auto [ec] = co_await timer.async_wait(use_nothrow);
  co_return !ec;
}

namespace detail {

asio::awaitable<RaceOutcome> race_deadline(asio::awaitable<void> op, std::chrono::steady_clock::duration d) {
  using namespace asio::experimental::awaitable_operators;
  auto r = co_await (std::move(op) || sleep_for(d));
  if (r.index() == 0) co_return RaceOutcome::finished;
  // The timer branch also ends (with false) when the whole race is cancelled from outside.
  co_return std::get<1>(r) ? RaceOutcome::timed_out : RaceOutcome::cancelled;
}

}  // namespace detail
}  // namespace lp2p::io
