#include "lp2p/io/timeout.hpp"

#include "io/deferred.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>

namespace lp2p::io {

asio::awaitable<bool> sleep_for(std::chrono::steady_clock::duration d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  auto [ec] = co_await timer.async_wait(nothrow_deferred);
  co_return !ec;
}

namespace detail {
namespace {
/// Shared with the timer's handler, which may run after race_deadline has returned (it was already
/// queued when the operation finished): it must find `finished` set, not a dead frame.
struct Deadline {
  explicit Deadline(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  asio::cancellation_signal cancel_op;
  bool timed_out = false;
  bool finished = false;
};
}  // namespace

// Not `op || sleep_for(d)`: awaitable_operators spawn both branches into a parallel_group, a dozen
// allocations and a handful of scheduler hops per call. Here the operation runs as one spawned coroutine
// whose cancellation slot is ours; a timer and our caller's own cancellation both emit on it. (The
// connection path itself uses io::DeadlineGuard, which aborts the resource instead of spawning.)
asio::awaitable<RaceOutcome> race_deadline(asio::awaitable<void> op, std::chrono::steady_clock::duration d) {
  auto ex = co_await asio::this_coro::executor;
  auto st = std::make_shared<Deadline>(ex);
  st->timer.expires_after(d);
  st->timer.async_wait([st](const error_code& ec) {
    if (ec || st->finished) return;
    st->timed_out = true;
    st->cancel_op.emit(asio::cancellation_type::terminal);
  });
  // Our caller's cancellation (an outer deadline, a shutdown) must reach the operation as well. While we
  // wait below, nothing else of this coroutine uses its cancellation slot (the spawn has its own).
  asio::cancellation_slot outer = (co_await asio::this_coro::cancellation_state).slot();
  bool cancelled = false;
  if (outer.is_connected())
    outer.assign([st, &cancelled](asio::cancellation_type type) {
      cancelled = true;
      st->cancel_op.emit(type);
    });
  std::exception_ptr thrown;
  try {
    co_await asio::co_spawn(ex, std::move(op), asio::bind_cancellation_slot(st->cancel_op.slot(), asio::use_awaitable));
  } catch (...) {
    thrown = std::current_exception();  // store_result() catches the op's own; this is Asio's
  }
  st->finished = true;
  if (outer.is_connected()) outer.clear();
  st->timer.cancel();
  if (thrown) std::rethrow_exception(thrown);
  if (st->timed_out) co_return RaceOutcome::timed_out;
  if (cancelled) co_return RaceOutcome::cancelled;
  co_return RaceOutcome::finished;
}

}  // namespace detail
}  // namespace lp2p::io
