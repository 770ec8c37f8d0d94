// Host::Impl::emit_if_wanted: the per-connection events (established, identify received, closed) are not
// built when nobody would see them (no observer, queue full, debug logging off), but they must still be
// counted in dropped_events() exactly as if they had been built and dropped, and an observer must still
// see every one of them.
#include "lp2p/host/host.hpp"
#include "support/check.hpp"
#include "support/host_helpers.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/io_context.hpp>

using namespace lp2p;
using namespace lp2p::testing;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

struct Seen {
  int established = 0, identified = 0, closed = 0, total = 0;
};

/// `n` connections from `client` to `server`, one after the other: each is identified on the server (its
/// identify handling records our observed address first, so observations() tells, with or without an
/// observer), closed by the client and gone from the server before the next. The pauses let the
/// server's NAT classification (at most every 100 ms) run after each observation, so two servers going
/// through this emit the same sequence of events.
asio::awaitable<void> connect_n_times(Host& client, Host& server, int n) {
  for (int i = 0; i < n; ++i) {
    auto c = co_await client.dial(dial_addr(server));
    REQUIRE_OK(c);
    const auto want = static_cast<std::size_t>(i + 1);
    const bool identified = co_await eventually([&] { return server.observations().size() >= want; });
    REQUIRE(identified);
    client.close_connection(c->id);
    const bool gone = co_await eventually([&] { return server.connections().empty(); });
    REQUIRE(gone);
    (void)co_await io::sleep_for(150ms);
  }
}

}  // namespace

TEST_CASE("events nobody can see are counted as dropped without being built; observers see them all",
          "[host][events]") {
  constexpr int n = 3;
  Seen seen;  // before the hosts: their observers must not outlive it
  asio::io_context ioc;
  auto server_config = [](std::uint8_t seed) {
    auto cfg = loopback_config(seed);
    cfg.limits.event_queue = 1;  // ListenAddressAdded fills it; every later event is dropped
    cfg.ping.enabled = false;
    return cfg;
  };
  auto quiet = Host::create(ioc.get_executor(), server_config(1)).value();     // no observer
  auto observed = Host::create(ioc.get_executor(), server_config(2)).value();  // an observer counts
  auto client = Host::create(ioc.get_executor(), loopback_config(3)).value();
  observed->add_observer([&seen](const HostEvent& ev) {
    ++seen.total;
    if (std::holds_alternative<ConnectionEstablished>(ev)) ++seen.established;
    if (std::holds_alternative<IdentifyReceived>(ev)) ++seen.identified;
    if (std::holds_alternative<ConnectionClosed>(ev)) ++seen.closed;
  });
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*quiet, *observed, *client);
    CHECK(quiet->dropped_events() == 0);  // ListenAddressAdded took the one queue slot
    co_await connect_n_times(*client, *quiet, n);
    co_await connect_n_times(*client, *observed, n);
    co_await stop_all(*client, *quiet, *observed);
  }(), 20s);
  CHECK(seen.established == n);
  CHECK(seen.identified == n);
  CHECK(seen.closed == n);
  // The observer saw every event; the queue kept the first (ListenAddressAdded); the rest were dropped.
  CHECK(observed->dropped_events() == static_cast<std::size_t>(seen.total - 1));
  // The same events happened on the quiet server (same scenario, same classification points): counted
  // the same, though the per-connection ones were never built.
  CHECK(quiet->dropped_events() == observed->dropped_events());
  CHECK(quiet->dropped_events() >= static_cast<std::size_t>(3 * n));
}
