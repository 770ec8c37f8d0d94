// Detached coroutines whose failures are not silent: an exception escaping one is a bug, so it is
// logged at error level with what the coroutine was doing (STYLE.md §7.6).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace lp2p::io {

/// co_spawns `task` on `ex`; an escaping exception is logged as "bug: exception escaped <what>".
void spawn_detached(const boost::asio::any_io_executor& ex, boost::asio::awaitable<void> task, const char* what);

}  // namespace lp2p::io
