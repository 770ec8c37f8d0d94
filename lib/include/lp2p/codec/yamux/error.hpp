// Errors of the yamux session engine (/yamux/1.0.0).
// Spec: https://github.com/libp2p/specs/blob/master/yamux/README.md and hashicorp/yamux spec.md;
// the strictness choices follow rust-yamux and js-libp2p-yamux (see lp2p WIRE.md §1.5).
#pragma once

#include "lp2p/error.hpp"

namespace lp2p::yamux {

enum class error {
  // ---- peer faults (protocol_violation): the session sends GoAway(protocol error) and fails ----
  bad_version = 1,             ///< header version byte is not 0
  unknown_frame_type,          ///< header type is not Data/WindowUpdate/Ping/GoAway
  invalid_flags,               ///< a Ping whose flags are not exactly SYN or exactly ACK (js rule)
  frame_too_large,             ///< a Data frame body above Config::max_frame_body (1 MiB)
  window_exceeded,             ///< a Data frame larger than the stream's remaining receive window
  window_overflow,             ///< a WindowUpdate pushes the send window above 2^32-1
  stream_id_parity,            ///< a SYN for a stream id of our own parity (or id 0)
  duplicate_stream_id,         ///< a SYN for a stream id that is still open
  unexpected_frame_on_stream0, ///< a Data or WindowUpdate frame on the session id 0
  session_frame_on_stream,     ///< a Ping or GoAway on a stream id other than 0
  unsolicited_pong,            ///< a Ping ACK we did not ask for, or with the wrong value
  // ---- local limits (resource_limit) ----
  too_many_streams,            ///< open_stream with Config::max_streams streams already open
  connection_window_full,      ///< open_stream would grant receive window past max_connection_receive_window
  ack_backlog_full,            ///< open_stream with Config::max_ack_backlog outbound streams unacknowledged
  stream_ids_exhausted,        ///< no stream ids left of our parity
  send_queue_full,             ///< the peer made us queue more control frames than allowed (ping flood
                               ///< while our output is not drained)
  // ---- local misuse ----
  unknown_stream,              ///< no such stream: never opened, already reset or fully closed
  write_closed,                ///< write after close_write on the stream
  // ---- orderly ends ----
  end_of_stream,               ///< read: the peer half-closed and every byte has been read (condition closed)
  go_away_received_normal,     ///< the peer sent GoAway(0): no new streams (condition closed)
  go_away_received_protocol,   ///< the peer sent GoAway(1): it says we broke the protocol
  go_away_received_internal,   ///< the peer sent GoAway(2) or an unknown code (condition closed)
  session_closed,              ///< the session is terminated (locally or after Failed)
  transport_closed,            ///< on_eof: the underlying connection ended (condition closed)
  keepalive_timeout,           ///< no pong and no bytes at all from the peer within keepalive_timeout
};

}  // namespace lp2p::yamux

LP2P_DECLARE_ERROR_ENUM(yamux)
