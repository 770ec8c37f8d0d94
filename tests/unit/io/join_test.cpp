// io::join_both: `main && side` with `main` run inline and `side` spawned. Both always end before it
// returns; an exception in either stops the other (through `stop`) and is rethrown; a cancellable caller
// gets `&&` itself, so that its cancellation reaches both parts.
#include "io/join.hpp"

#include "lp2p/io/timeout.hpp"
#include "lp2p/io/use_nothrow.hpp"
#include "support/check.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <stdexcept>

using namespace lp2p;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {
/// A part that runs until `d` passes or `t` is cancelled; records that it ended and whether it was cut short.
asio::awaitable<void> part(asio::steady_timer& t, Clock::duration d, bool& ended, bool& cut) {
  t.expires_after(d);
  auto [ec] = co_await t.async_wait(use_nothrow);
  cut = ec == asio::error::operation_aborted;
  ended = true;
}
asio::awaitable<void> throw_after(Clock::duration d, const char* what) {
  co_await io::sleep_for(d);
  throw std::runtime_error(what);
}
}  // namespace

TEST_CASE("join_both returns once both parts ended, whichever ends last", "[io][join]") {
  asio::io_context ioc;
  for (const bool main_last : {true, false}) {
    INFO("main ends last: " << main_last);
    asio::steady_timer tm(ioc), ts(ioc);
    bool main_ended = false, main_cut = false, side_ended = false, side_cut = false, stopped = false;
    const std::function<void()> stop = [&] { stopped = true; };
    const auto t0 = Clock::now();
    run_coro(ioc, io::join_both(part(tm, main_last ? 40ms : 10ms, main_ended, main_cut),
                                part(ts, main_last ? 10ms : 40ms, side_ended, side_cut), stop));
    CHECK(Clock::now() - t0 >= 40ms);
    CHECK(main_ended);
    CHECK(side_ended);
    CHECK_FALSE(main_cut);
    CHECK_FALSE(side_cut);
    CHECK_FALSE(stopped);  // stop is only for a part that threw
  }
}

TEST_CASE("join_both: a throwing side stops main and is rethrown after main ended", "[io][join]") {
  asio::io_context ioc;
  asio::steady_timer tm(ioc);
  bool main_ended = false, main_cut = false;
  const std::function<void()> stop = [&] { tm.cancel(); };
  std::string what;
  try {
    run_coro(ioc, io::join_both(part(tm, 10s, main_ended, main_cut), throw_after(5ms, "side"), stop));
  } catch (const std::runtime_error& e) {
    what = e.what();
  }
  CHECK(what == "side");
  CHECK(main_ended);
  CHECK(main_cut);
}

TEST_CASE("join_both: a throwing main stops the side and waits for it before rethrowing", "[io][join]") {
  asio::io_context ioc;
  asio::steady_timer ts(ioc);
  bool side_ended = false, side_cut = false;
  bool side_ended_at_throw = false;
  const std::function<void()> stop = [&] { ts.cancel(); };
  std::string what;
  try {
    run_coro(ioc, io::join_both(throw_after(5ms, "main"), part(ts, 10s, side_ended, side_cut), stop));
  } catch (const std::runtime_error& e) {
    what = e.what();
    side_ended_at_throw = side_ended;
  }
  CHECK(what == "main");
  CHECK(side_ended_at_throw);
  CHECK(side_cut);
}

TEST_CASE("join_both: both throwing is asio::multiple_exceptions, as with &&", "[io][join]") {
  asio::io_context ioc;
  const std::function<void()> stop = [] {};
  bool multiple = false;
  try {
    run_coro(ioc, io::join_both(throw_after(5ms, "main"), throw_after(5ms, "side"), stop));
  } catch (const asio::multiple_exceptions&) {
    multiple = true;
  } catch (...) {
  }
  CHECK(multiple);
}

namespace {
asio::awaitable<result<void>> join_forever(asio::steady_timer& tm, asio::steady_timer& ts, bool* flags,
                                           const std::function<void()>& stop) {
  co_await io::join_both(part(tm, 10s, flags[0], flags[1]), part(ts, 10s, flags[2], flags[3]), stop);
  co_return result<void>{};
}
}  // namespace

TEST_CASE("join_both under a deadline: the caller's cancellation reaches both parts", "[io][join]") {
  asio::io_context ioc;
  asio::steady_timer tm(ioc), ts(ioc);
  bool flags[4] = {false, false, false, false};  // main ended, main cut, side ended, side cut
  const std::function<void()> stop = [] {};
  const auto t0 = Clock::now();
  auto r = run_coro(ioc, io::with_timeout(join_forever(tm, ts, flags, stop), 20ms));
  REQUIRE_ERR(r, io::error::timeout);
  CHECK(Clock::now() - t0 < 5s);
  CHECK(flags[0]);
  CHECK(flags[1]);
  CHECK(flags[2]);
  CHECK(flags[3]);
}
