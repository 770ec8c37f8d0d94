#include "io/deadline_guard.hpp"

#include "lp2p/io/memory_pipe.hpp"
#include "support/check.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>
#include <thread>

using namespace lp2p;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {
void count_abort(void* ctx) noexcept { ++*static_cast<int*>(ctx); }

// Reads from a stream nobody writes to, under a guard; returns the read's error (after settle()) and
// whether it fired.
asio::awaitable<std::pair<error_code, bool>> guarded_read(io::ByteStream& s, std::chrono::milliseconds d) {
  io::DeadlineGuard guard(s.executor(), d, s);
  std::uint8_t buf[8];
  auto r = co_await s.read_some(buf);
  const bool fired = guard.settle(r);
  error_code ec = r ? error_code{} : r.error();
  co_return std::make_pair(ec, fired);
}
}  // namespace

TEST_CASE("DeadlineGuard: expiry fires once and aborts the resource", "[io][deadline]") {
  asio::io_context ioc;
  int aborts = 0;
  io::DeadlineGuard guard(ioc.get_executor(), 10ms, &count_abort, &aborts);
  CHECK_FALSE(guard.fired());
  ioc.run_for(200ms);
  CHECK(aborts == 1);
  CHECK(guard.fired());
  guard.disarm();  // after firing: harmless
  CHECK(guard.fired());
  CHECK(aborts == 1);
}

TEST_CASE("DeadlineGuard: disarmed before expiry never fires", "[io][deadline]") {
  asio::io_context ioc;
  int aborts = 0;
  {
    io::DeadlineGuard guard(ioc.get_executor(), 20ms, &count_abort, &aborts);
    asio::steady_timer t(ioc, 5ms);
    t.async_wait([&](const error_code&) { guard.disarm(); });
    ioc.run_for(100ms);
    CHECK_FALSE(guard.fired());
  }
  {
    // Destroyed (not disarmed) before expiry.
    std::optional<io::DeadlineGuard> g;
    g.emplace(ioc.get_executor(), 20ms, &count_abort, &aborts);
    g.reset();
    ioc.restart();
    ioc.run_for(100ms);
  }
  CHECK(aborts == 0);
}

TEST_CASE("DeadlineGuard: destroyed with its expired handler already queued is safe", "[io][deadline]") {
  // H1 waits until the deadline has passed and posts H2; the reactor then moves the expired wait into
  // the ready queue behind H2, so H2 destroys the guard while the timer's handler is queued with success
  // (cancel() can no longer reach it). That handler must not abort, nor touch the guard (ASan build).
  // A plain timer expiring at the same moment shows the ordering really happened.
  asio::io_context ioc;
  int aborts = 0;
  auto g = std::make_unique<io::DeadlineGuard>(ioc.get_executor(), 5ms, &count_abort, &aborts);
  asio::steady_timer witness(ioc, 5ms);
  std::optional<error_code> witness_ec;
  witness.async_wait([&](const error_code& ec) { witness_ec = ec; });
  std::size_t witness_cancelled = 99;
  asio::post(ioc, [&] {
    std::this_thread::sleep_for(30ms);
    asio::post(ioc, [&] {
      witness_cancelled = witness.cancel();
      g.reset();
    });
  });
  ioc.run_for(200ms);
  CHECK(witness_cancelled == 0);  // already queued: too late to cancel
  REQUIRE(witness_ec);
  CHECK_FALSE(*witness_ec);  // and it ran with success after cancel()
  CHECK(aborts == 0);
  CHECK_FALSE(g);
}

TEST_CASE("DeadlineGuard: a stalled read ends by the abort and reports fired", "[io][deadline]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor());
  auto r = run_coro(ioc, guarded_read(*a, 20ms));
  CHECK(r.first);  // the read failed because its stream was aborted
  CHECK(r.first == make_error_code(io::error::timeout));  // and settle() reports it as the timeout
  CHECK(r.second);
}

TEST_CASE("DeadlineGuard: a read that completes in time is untouched", "[io][deadline]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor());
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
    std::uint8_t one = 7;
    (void)co_await b->write_all(BytesView(&one, 1));
  }, asio::detached);
  auto r = run_coro(ioc, guarded_read(*a, 5s));
  CHECK_FALSE(r.first);
  CHECK_FALSE(r.second);
}
