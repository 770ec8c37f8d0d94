#include "lp2p/codec/yamux/error.hpp"

namespace lp2p::yamux {
namespace {
const char* describe(error e) {
  switch (e) {
    case error::bad_version: return "yamux header has an unsupported version";
    case error::unknown_frame_type: return "yamux header has an unknown frame type";
    case error::invalid_flags: return "yamux ping flags must be exactly SYN or exactly ACK";
    case error::frame_too_large: return "yamux data frame body exceeds the maximum frame size";
    case error::window_exceeded: return "yamux data frame exceeds the stream's receive window";
    case error::window_overflow: return "yamux window update overflows the send window";
    case error::stream_id_parity: return "yamux peer opened a stream with an id of our parity";
    case error::duplicate_stream_id: return "yamux peer opened a stream id that is already open";
    case error::unexpected_frame_on_stream0: return "yamux data or window update frame on stream 0";
    case error::session_frame_on_stream: return "yamux ping or go-away frame on a non-zero stream id";
    case error::unsolicited_pong: return "yamux ping response that was not requested or has the wrong value";
    case error::too_many_streams: return "yamux stream limit reached";
    case error::connection_window_full: return "yamux connection receive window limit reached";
    case error::ack_backlog_full: return "yamux: too many outbound streams await an ACK";
    case error::stream_ids_exhausted: return "yamux stream ids exhausted";
    case error::send_queue_full: return "yamux control frame backlog is full (output not drained)";
    case error::unknown_stream: return "yamux stream does not exist";
    case error::write_closed: return "yamux stream is closed for writing";
    case error::end_of_stream: return "yamux stream was closed by the peer";
    case error::go_away_received_normal: return "yamux peer sent GoAway (normal termination)";
    case error::go_away_received_protocol: return "yamux peer sent GoAway (protocol error)";
    case error::go_away_received_internal: return "yamux peer sent GoAway (internal error)";
    case error::session_closed: return "yamux session is closed";
    case error::transport_closed: return "yamux transport closed";
    case error::keepalive_timeout: return "yamux keep-alive ping timed out";
  }
  return "unknown yamux error";
}

condition classify(error e) {
  switch (e) {
    case error::too_many_streams:
    case error::connection_window_full:
    case error::ack_backlog_full:
    case error::stream_ids_exhausted:
    case error::send_queue_full: return condition::resource_limit;
    case error::unknown_stream:
    case error::write_closed: return condition::misuse;
    case error::end_of_stream:
    case error::go_away_received_normal:
    case error::go_away_received_internal:
    case error::session_closed:
    case error::transport_closed: return condition::closed;
    case error::keepalive_timeout: return condition::timeout;
    default: return condition::protocol_violation;
  }
}
}  // namespace
}  // namespace lp2p::yamux

LP2P_DEFINE_ERROR_CATEGORY(yamux, "lp2p.yamux")
