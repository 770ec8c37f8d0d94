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

/// race_deadline's state when its caller cannot be cancelled: in the coroutine's frame, which outlives
/// every handler that refers to it (see there).
struct FrameDeadline {
  explicit FrameDeadline(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  asio::cancellation_signal cancel_op;
  bool finished = false;
  std::exception_ptr thrown;
};
}  // namespace

// Not `op || sleep_for(d)`: awaitable_operators spawn both branches into a parallel_group, a dozen
// allocations and a handful of scheduler hops per call, and a connection makes several of these calls
// (dial, upgrade, each stream's negotiation, identify). Here the operation runs as one spawned
// coroutine whose cancellation slot is ours; a timer and our caller's own cancellation both emit on it.
asio::awaitable<RaceOutcome> race_deadline(asio::awaitable<void> op, std::chrono::steady_clock::duration d) {
  auto ex = co_await asio::this_coro::executor;
  asio::cancellation_slot outer = (co_await asio::this_coro::cancellation_state).slot();
  if (!outer.is_connected()) {
    // The usual case (a detached connection task): only the timer can cancel the operation. This
    // coroutine waits on the timer itself and the operation's completion cancels it, so that no handler
    // outlives this frame and the state needs no allocation of its own.
    FrameDeadline fd(ex);
    fd.timer.expires_after(d);
    asio::co_spawn(ex, std::move(op), asio::bind_cancellation_slot(fd.cancel_op.slot(), [&fd](std::exception_ptr e) {
      fd.finished = true;
      fd.thrown = std::move(e);  // store_result() catches the op's own; this is Asio's
      fd.timer.cancel();
    }));
    bool timed_out = false;
    while (!fd.finished) {
      auto [ec] = co_await fd.timer.async_wait(nothrow_deferred);
      if (fd.finished) break;  // also when the deadline passed just as the operation finished
      if (!ec) {
        timed_out = true;
        fd.cancel_op.emit(asio::cancellation_type::terminal);
        fd.timer.expires_at(asio::steady_timer::time_point::max());  // now wait for the op to wind up
      }
    }
    if (fd.thrown) std::rethrow_exception(fd.thrown);
    co_return timed_out ? RaceOutcome::timed_out : RaceOutcome::finished;
  }
  auto st = std::make_shared<Deadline>(ex);
  st->timer.expires_after(d);
  st->timer.async_wait([st](const error_code& ec) {
    if (ec || st->finished) return;
    st->timed_out = true;
    st->cancel_op.emit(asio::cancellation_type::terminal);
  });
  // Our caller's cancellation (an outer deadline, a shutdown) must reach the operation as well. While we
  // wait below, nothing else of this coroutine uses its cancellation slot (the spawn has its own).
  bool cancelled = false;
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
  outer.clear();
  st->timer.cancel();
  if (thrown) std::rethrow_exception(thrown);
  if (st->timed_out) co_return RaceOutcome::timed_out;
  if (cancelled) co_return RaceOutcome::cancelled;
  co_return RaceOutcome::finished;
}

}  // namespace detail
}  // namespace lp2p::io
