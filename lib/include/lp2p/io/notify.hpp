// A one-waiter wake-up signal for coroutines on one executor (the host's), built on a steady_timer.
// notify() before wait() is not lost: the next wait() returns at once.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace lp2p::io {

class Notify {
 public:
  explicit Notify(const boost::asio::any_io_executor& ex);
  /// Suspends until notify() is called (or was called since the last wait), or the wait is cancelled
  /// (then it returns false).
  boost::asio::awaitable<bool> wait();
  void notify() noexcept;

 private:
  boost::asio::steady_timer timer_;
  bool pending_ = false;
};

}  // namespace lp2p::io
