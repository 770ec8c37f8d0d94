// In-memory connected pair of ByteStreams: the coroutine-test double of STYLE.md §7.8 (Beast's
// test::stream), also usable to run lp2p against lp2p without sockets.
#pragma once

#include "lp2p/io/byte_stream.hpp"

#include <cstddef>
#include <optional>
#include <utility>

namespace lp2p::io {

struct MemoryPipeOptions {
  /// Each read_some delivers at most this many bytes (0 = no limit): exercises partial-read handling.
  std::size_t max_chunk = 0;
  /// Bytes buffered per direction; a writer waits while the buffer is full (backpressure). Minimum 1.
  std::size_t capacity = 64 * 1024;
  /// Failure injection (Beast's fail_count): the first n operations (read_some, write_all,
  /// shutdown_write, counted over both ends together) behave normally; every later one fails with
  /// io::error::injected_failure. Loop n = 0, 1, 2, ... until the code under test succeeds to hit every
  /// failure point.
  std::optional<std::size_t> fail_after;
};

/// Creates two connected ends. Semantics mirror TCP:
/// - shutdown_write() on one end: the other reads the remaining bytes, then asio::error::eof;
/// - close() on one end: its pending operations complete with operation_aborted, later ones with
///   io::error::closed; the other end's reads and writes fail with asio::error::connection_reset
///   (buffered bytes are discarded, as with an RST). Destroying an end closes it.
/// @par Thread safety Both ends must be used from one thread (or one strand): the ends share state.
std::pair<StreamPtr, StreamPtr> make_memory_pipe(asio::any_io_executor executor, MemoryPipeOptions options = {});

}  // namespace lp2p::io
