// The runtime byte-stream abstraction every lp2p layer stacks on (STYLE.md §7.1 "io", §7.10 last item;
// DESIGN.md §2): a relayed connection is Noise + yamux over a yamux stream of another connection, so the
// upgrade path must accept any byte stream chosen at runtime, not a NextLayer template parameter.
//
// Implementations: io::TcpStream (tcp_stream.hpp), io::BufferedStream (buffered_stream.hpp),
// io::make_memory_pipe (memory_pipe.hpp); later the Noise and yamux stream adapters.
#pragma once

#include "lp2p/core/bytes.hpp"
#include "lp2p/error.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace lp2p::io {

namespace asio = boost::asio;

/// A bidirectional byte stream driven by C++20 coroutines.
///
/// Contract shared by every implementation:
/// - At most one read_some and one write_all/shutdown_write may be outstanding at a time (as with Asio
///   sockets). All operations must run on executor() (a single thread or strand).
/// - Network conditions are returned as error codes, never thrown: asio::error::eof after the peer's FIN,
///   connection_reset / broken_pipe when the peer aborts, operation_aborted when a pending operation is
///   cancelled (by close() or by a cancellation signal such as io::with_timeout's), io::error::closed for
///   operations started after close().
/// - Destroying a stream with operations pending is a bug; call close() and let them finish first.
class ByteStream {
 public:
  virtual ~ByteStream();

  /// The executor all operations of this stream run on.
  virtual asio::any_io_executor executor() = 0;

  /// Reads at least one byte into `buf`. Never returns 0 for a non-empty `buf`: end of stream is the
  /// error asio::error::eof. An empty `buf` completes immediately with 0.
  virtual asio::awaitable<result<std::size_t>> read_some(std::span<std::uint8_t> buf) = 0;

  /// Zero-copy reading, for a stream that already holds what it delivers in a buffer of its own (Noise's
  /// decrypted frames): the next bytes, at most `max`, as a view that stays valid until the next call on
  /// this stream. Only where supports_read_view() (the default fails with operation_not_supported);
  /// read_some() and read_view() may be mixed. End of stream is asio::error::eof, as for read_some().
  virtual bool supports_read_view() const noexcept { return false; }
  virtual asio::awaitable<result<BytesView>> read_view(std::size_t max);

  /// Writes all of `data` (the bytes must stay valid until completion).
  /// @return io::error::write_after_shutdown, io::error::closed, or a transport error.
  virtual asio::awaitable<result<void>> write_all(BytesView data) = 0;

  /// Half-close: sends FIN (the peer reads eof after the bytes already written); reading continues.
  virtual asio::awaitable<result<void>> shutdown_write() = 0;

  /// Immediate close: cancels pending operations (they complete with operation_aborted) and releases the
  /// underlying resource without flushing protocol state. The peer sees end of stream or a reset,
  /// depending on the implementation (TCP: the kernel's close; MemoryPipe: connection_reset). Idempotent.
  virtual void close() noexcept = 0;

  /// Abortive close, for a connection known to be dead (keep-alive timeout, transport error): like
  /// close(), but TCP sends RST and frees its 4-tuple at once instead of retransmitting unacknowledged
  /// data and its FIN for minutes into a black hole (a NAT that dropped the mapping). Hole punching needs
  /// that 4-tuple again: the next punch dials the same address from the same listening port.
  /// Wrappers forward it; the default is close().
  virtual void abort() noexcept { close(); }

  /// Human-readable description for logs, e.g. "tcp 127.0.0.1:50000->127.0.0.1:4001".
  virtual std::string describe() const;

  /// A wrapper whose work is done for now (nothing buffered to hand out, nothing held back to send,
  /// nothing left to check) returns the stream it forwards to; otherwise null. A connection's transport
  /// is a stack of such wrappers (multistream leftovers, held-back proposals, the lazy dialer's echo
  /// check) that are pure forwarders once the handshake is over, yet each read and write would still pass
  /// through every one of them (a coroutine frame each, most too large for Asio's frame cache). Owners
  /// that read and write a lot call through skip_passthrough() instead. Ask again before every call:
  /// the answer can change (BufferedStream::unread). The returned stream is owned by this one.
  virtual ByteStream* passthrough() noexcept { return nullptr; }
};

using StreamPtr = std::unique_ptr<ByteStream>;

/// The first stream of the chain below `s` (or `s` itself) that is not a finished pass-through wrapper.
inline ByteStream& skip_passthrough(ByteStream& s) noexcept {
  ByteStream* p = &s;
  while (ByteStream* next = p->passthrough()) p = next;
  return *p;
}

}  // namespace lp2p::io
