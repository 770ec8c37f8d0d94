#include "io/deadline_guard.hpp"

namespace lp2p::io {

DeadlineGuard::DeadlineGuard(const asio::any_io_executor& ex, std::chrono::steady_clock::duration d, AbortFn abort,
                             void* ctx)
    : state_(std::make_shared<State>(State{abort, ctx})), timer_(ex, d) {
  // The handler holds the state, not the guard: it may run after the guard is gone (queued with success
  // just before disarm()), and then it must find `armed` false rather than a dead coroutine frame.
  timer_.async_wait([st = state_](const error_code& ec) {
    if (ec || !st->armed) return;
    st->armed = false;
    st->fired = true;
    st->abort(st->ctx);
  });
}

DeadlineGuard::DeadlineGuard(const asio::any_io_executor& ex, std::chrono::steady_clock::duration d,
                             ByteStream& stream)
    : DeadlineGuard(ex, d, [](void* s) noexcept { static_cast<ByteStream*>(s)->abort(); }, &stream) {}

void DeadlineGuard::disarm() noexcept {
  if (!state_->armed) return;
  state_->armed = false;
  timer_.cancel();
}

}  // namespace lp2p::io
