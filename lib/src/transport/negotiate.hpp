// multistream-select over an io::ByteStream: the coroutines around the sans-IO engines in
// codec/multistream/negotiator.hpp. After negotiation, bytes the peer sent behind its last
// negotiation message stay readable from the returned stream (rust's V1Lazy sends Noise or yamux
// bytes in the same segment).
#pragma once

#include "lp2p/io/byte_stream.hpp"

#include <memory>
#include <string>
#include <vector>

namespace lp2p::transport {

struct Negotiated {
  std::string protocol;
  io::StreamPtr stream;  ///< the same stream, possibly wrapped to replay leftover bytes
};

/// Dialer side. Sends header + proposal, waits for the listener's answer, proposes the next protocol
/// on `na`.
/// @errors multistream::error::protocol_not_supported (no protocol accepted), other multistream errors,
///         transport errors
boost::asio::awaitable<result<Negotiated>> select_outbound(io::StreamPtr stream,
                                                           std::vector<std::string> protocols);

/// Lazy dialer (rust V1Lazy) for a single protocol: returns at once (no coroutine: it never waits) with
/// header + proposal + `early_data` held back, to go out in one write with the stream's first write,
/// shutdown_write() or before its first read, whichever comes first (close() and abort() drop them). The
/// listener's header and echo are verified by the first read of the returned stream; a refusal surfaces
/// there as multistream::error::protocol_not_supported.
result<Negotiated> start_outbound_lazy(io::StreamPtr stream, std::string protocol, BytesView early_data = {});

/// When the listener's final answer (header + echo) is written.
enum class Reply {
  now,             ///< at once
  if_dialer_lazy,  ///< with our first write if the dialer sent bytes behind its proposal (a lazy dialer,
                   ///< which does not wait for the answer), else at once (go, js wait for it)
  with_first_write,  ///< with our first write in any case: only when that write does not wait for the peer
};

/// Listener side: waits for the dialer's header, answers `na` to unsupported proposals and echoes the
/// first supported one. A deferred answer saves a segment; it is used by the connection upgrade, whose
/// next step always writes (Noise message 2; yamux's first keep-alive ping). Never defer for a protocol
/// whose listener may close without writing: the answer would be lost.
/// @errors multistream errors (too_many_attempts, bad_header, ...), transport errors
boost::asio::awaitable<result<Negotiated>> select_inbound(io::StreamPtr stream, std::vector<std::string> supported,
                                                          Reply reply = Reply::now);

/// The same with a shared list, which a host builds once instead of for every inbound stream.
boost::asio::awaitable<result<Negotiated>> select_inbound(io::StreamPtr stream,
                                                          std::shared_ptr<const std::vector<std::string>> supported,
                                                          Reply reply = Reply::now);

/// `stream` whose first write_all sends `prefix` and the data together. With `flush_before_read`, a read
/// that comes first sends the prefix alone (for a prefix the peer waits for).
io::StreamPtr with_write_prefix(io::StreamPtr stream, Bytes prefix, bool flush_before_read);

}  // namespace lp2p::transport
