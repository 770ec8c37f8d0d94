// Two coroutines that make up one task (a connection's reader and writer; a connection and its stream
// acceptor), ended together: `main && side` without a parallel group (STYLE.md §7.4: one connection is one
// task tree). Asio's awaitable_operators spawn both branches into a parallel_group, with a cancellation
// signal per branch: a few dozen allocations and scheduler hops per call, and every operation inside the
// branches then pays for installing and clearing its cancellation handler. Here `main` runs in the calling
// coroutine and only `side` is spawned.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <functional>

namespace lp2p::io {

/// Runs `main` in the calling coroutine and `side` as a spawned child on the same executor, and returns
/// once both have ended, like `main && side`. When either throws, `stop` is called to make the other one
/// end (this coroutine's `main` cannot be cancelled from outside it), and once both have ended the
/// exception is rethrown (main's first; asio::multiple_exceptions when both threw, as `&&` does).
/// A caller whose own cancellation slot is connected (it runs under a deadline or inside a parallel group)
/// gets `main && side` itself, so that its cancellation reaches both.
/// `stop` is taken by reference and must outlive the call: make it a named variable of the caller (GCC 12
/// destroyed a lambda-made std::function argument of this coroutine twice, and the shared_ptr it held
/// with it).
boost::asio::awaitable<void> join_both(boost::asio::awaitable<void> main, boost::asio::awaitable<void> side,
                                       const std::function<void()>& stop);

}  // namespace lp2p::io
