#include "io/join.hpp"

#include "io/deferred.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <exception>

namespace lp2p::io {

namespace asio = boost::asio;

namespace {
/// Lives in join_both's frame, which outlives the child: join_both does not return before the child's
/// completion handler ran (and when the io_context is destroyed instead, that handler is destroyed
/// without being called).
struct Joint {
  explicit Joint(const asio::any_io_executor& ex) : wake(ex) {}
  asio::steady_timer wake;  // never expires: the child's completion cancels it
  bool side_done = false;
  std::exception_ptr side_error;
};
}  // namespace

asio::awaitable<void> join_both(asio::awaitable<void> main, asio::awaitable<void> side,
                                const std::function<void()>& stop) {
  if ((co_await asio::this_coro::cancellation_state).slot().is_connected()) {
    using namespace asio::experimental::awaitable_operators;
    co_await (std::move(main) && std::move(side));
    co_return;
  }
  Joint j(co_await asio::this_coro::executor);
  asio::co_spawn(j.wake.get_executor(), std::move(side), [&j, &stop](std::exception_ptr e) {
    j.side_done = true;
    if (e) {
      j.side_error = e;
      stop();
    }
    j.wake.cancel();
  });
  std::exception_ptr main_error;
  try {
    co_await std::move(main);
  } catch (...) {
    main_error = std::current_exception();
    stop();
  }
  if (!j.side_done) {
    j.wake.expires_at(asio::steady_timer::time_point::max());
    while (!j.side_done) (void)co_await j.wake.async_wait(nothrow_deferred);
  }
  if (main_error && j.side_error) throw asio::multiple_exceptions(main_error);
  if (main_error) std::rethrow_exception(main_error);
  if (j.side_error) std::rethrow_exception(j.side_error);
}

}  // namespace lp2p::io
