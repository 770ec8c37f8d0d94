// Errors of the Asio glue layer (lp2p::io): framing over byte streams, deadlines, closed streams.
// Design: STYLE.md §7.6. Operating-system and Asio conditions (connection_reset, eof, operation_aborted,
// connection_refused, ...) are passed through unchanged as boost::system codes; these enumerators cover
// only what lp2p itself decides.
#pragma once

#include "lp2p/error.hpp"

namespace lp2p::io {

enum class error {
  timeout = 1,           ///< with_timeout's deadline passed before the operation finished (condition::timeout)
  eof_before_frame_end,  ///< the stream ended after part of a frame / an exact read (protocol_violation)
  frame_too_large,       ///< a length prefix announced more than the caller's maximum (protocol_violation)
  closed,                ///< the stream was closed locally with close() (condition::closed)
  write_after_shutdown,  ///< write_all after shutdown_write on the same stream (misuse)
  injected_failure,      ///< MemoryPipe failure injection (Options::fail_after) fired (condition::closed)
};

}  // namespace lp2p::io

LP2P_DECLARE_ERROR_ENUM(io)
