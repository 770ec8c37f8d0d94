#include "lp2p/io/notify.hpp"

#include "io/deferred.hpp"

namespace lp2p::io {

Notify::Notify(const boost::asio::any_io_executor& ex) : timer_(ex) {}

boost::asio::awaitable<bool> Notify::wait() {
  if (!pending_) {
    timer_.expires_at(boost::asio::steady_timer::time_point::max());
    auto [ec] = co_await timer_.async_wait(nothrow_deferred);
    // notify() cancels the timer and sets pending_; a cancellation without pending_ is a real cancel.
    if (!pending_) co_return false;
    (void)ec;
  }
  pending_ = false;
  co_return true;
}

void Notify::notify() noexcept {
  pending_ = true;
  timer_.cancel();
}

}  // namespace lp2p::io
