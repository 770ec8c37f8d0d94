// StopMessage of Circuit Relay v2 (`/libp2p/circuit/relay/0.2.0/stop`):
// https://github.com/libp2p/specs/blob/master/relay/circuit-v2.md#stop-protocol
// One uvarint length-prefixed frame (codec/frame.hpp) of at most max_message_size bytes per message.
#pragma once

#include "lp2p/codec/error.hpp"
#include "lp2p/codec/relay/common.hpp"
#include "lp2p/codec/relay/error.hpp"

namespace lp2p::relay {

struct StopMessage {
  enum class Type : std::int32_t { connect = 0, status = 1 };

  Type type = Type::connect;     ///< field 1, always written (even CONNECT = 0)
  std::optional<Peer> peer;      ///< field 2: the initiator, in CONNECT
  std::optional<Limit> limit;    ///< field 3: absent = no limits
  std::optional<Status> status;  ///< field 4: in STATUS

  friend bool operator==(const StopMessage&, const StopMessage&) = default;
};

/// Encodes the message body, fields in tag order. StopMessage{type=connect} is `08 00`.
/// @errors codec::error::message_too_large
result<Bytes> encode(const StopMessage& msg);

/// Decodes a message body.
/// @errors codec::error::frame_too_large, codec::error::malformed_protobuf, relay::error::missing_type,
///         relay::error::unknown_type
result<StopMessage> decode_stop(BytesView body);

/// Reserving peer's side: the relay's request must be CONNECT with a peer whose id is a PeerId.
/// @errors relay::error::unexpected_type, missing_peer, invalid_peer_id
result<void> check_stop_request(const StopMessage& msg);

/// Relay side: the answer must be STATUS with a status (OK or a failure code).
/// @errors relay::error::unexpected_type, missing_status
result<void> check_stop_response(const StopMessage& msg);

}  // namespace lp2p::relay
