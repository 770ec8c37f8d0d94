// Upgrades both ends of a byte-stream pair at once (multistream → Noise → yamux), for tests that drive
// transport::upgrade directly instead of through a Host.
#pragma once

#include "host/muxed_connection.hpp"
#include "transport/upgrader.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>

#include <tuple>

namespace lp2p::test {

namespace detail {
inline boost::asio::awaitable<result<transport::Upgraded>> upgrade_and_run(io::StreamPtr s,
                                                                          transport::UpgradeParams p) {
  auto u = co_await transport::upgrade(std::move(s), std::move(p), nullptr);
  if (u) boost::asio::co_spawn(co_await boost::asio::this_coro::executor, u->mux->run(), boost::asio::detached);
  co_return u;
}
}  // namespace detail

/// Runs the dialer's and the listener's upgrade concurrently. The dialer's muxer is started as soon as its
/// upgrade returns, as the Host does: its Noise message 3 and /yamux proposal leave with the muxer's first
/// write, and the listener's upgrade waits for them. The listener's muxer is left to the caller.
inline boost::asio::awaitable<std::tuple<result<transport::Upgraded>, result<transport::Upgraded>>> upgrade_both(
    io::StreamPtr dialer, transport::UpgradeParams dial_params, io::StreamPtr listener,
    transport::UpgradeParams listen_params) {
  using namespace boost::asio::experimental::awaitable_operators;
  co_return co_await (detail::upgrade_and_run(std::move(dialer), std::move(dial_params)) &&
                      transport::upgrade(std::move(listener), std::move(listen_params), nullptr));
}

}  // namespace lp2p::test
