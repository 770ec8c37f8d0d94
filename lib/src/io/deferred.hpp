// `co_await op(io::nothrow_deferred)`: like lp2p::use_nothrow (the result as a tuple, errors not thrown),
// but Asio 1.81 awaits a deferred operation directly, while use_awaitable wraps each operation in a
// coroutine frame of its own (async_result<use_awaitable_t>::initiate): one frame allocation, resumption
// and destruction less per read, write, timer wait and post on the connection path. Cancellation works
// the same (the operation gets the awaiting coroutine's cancellation slot).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>

namespace lp2p::io {

inline constexpr auto nothrow_deferred = boost::asio::as_tuple(boost::asio::deferred);

}  // namespace lp2p::io
