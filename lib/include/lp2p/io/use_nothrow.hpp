// The completion token for every Asio call that can routinely fail (STYLE.md §7.6): the coroutine
// receives (error_code, value...) as a tuple instead of an exception.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace lp2p {

/// `auto [ec, n] = co_await socket.async_read_some(buf, lp2p::use_nothrow);`
inline constexpr auto use_nothrow = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace lp2p
