// A deadline for one wait whose resource can be aborted (STYLE.md §7.4: every network co_await has a
// deadline). io::with_timeout runs the operation as a spawned coroutine that a timer cancels: a frame, a
// thread and a handler per call. Where the operation waits on a resource we can abort ourselves (a
// socket, a yamux stream), the deadline only has to abort that resource: the operation then ends with an
// error by itself, in the caller's own coroutine, and the caller reports io::error::timeout.
#pragma once

#include "lp2p/io/byte_stream.hpp"
#include "lp2p/io/error.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>

namespace lp2p::io {

/// Arms a timer of `d` on construction; when it expires while the guard is still armed, fired() becomes
/// true and `abort(ctx)` runs (on the executor, while the caller is suspended in its wait). Disarmed by
/// disarm() or the destructor, after which abort never runs. The guard must only be used from the
/// executor's thread (or strand), like the resource it guards.
///
/// The timer's handler may already be queued (expired, not yet run) when the guard goes away; it then
/// finds the guard's small shared state disarmed. That state is the guard's one allocation.
///
/// @par Example
/// `DeadlineGuard g(ex, 10s, *stream); auto r = co_await op(*stream); g.settle(r);`
class DeadlineGuard {
 public:
  using AbortFn = void (*)(void* ctx) noexcept;

  DeadlineGuard(const asio::any_io_executor& ex, std::chrono::steady_clock::duration d, AbortFn abort, void* ctx);
  /// Aborts `stream` (ByteStream::abort) at the deadline. The stream must outlive the armed guard.
  DeadlineGuard(const asio::any_io_executor& ex, std::chrono::steady_clock::duration d, ByteStream& stream);
  ~DeadlineGuard() { disarm(); }
  DeadlineGuard(const DeadlineGuard&) = delete;
  DeadlineGuard& operator=(const DeadlineGuard&) = delete;

  /// Stops the deadline: abort will not run from now on. Idempotent.
  void disarm() noexcept;
  /// True once the deadline has passed and abort ran.
  bool fired() const noexcept { return state_->fired; }
  /// After the guarded wait: disarms, and when the deadline fired replaces `r` (whatever error the
  /// aborted resource produced) with io::error::timeout. Returns fired().
  template <class T>
  bool settle(result<T>& r) noexcept {
    disarm();
    if (fired()) r = make_error_code(error::timeout);
    return fired();
  }

 private:
  struct State {
    AbortFn abort;
    void* ctx;
    bool armed = true;
    bool fired = false;
  };
  std::shared_ptr<State> state_;
  asio::steady_timer timer_;
};

}  // namespace lp2p::io
