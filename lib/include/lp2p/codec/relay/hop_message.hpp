// HopMessage of Circuit Relay v2 (`/libp2p/circuit/relay/0.2.0/hop`):
// https://github.com/libp2p/specs/blob/master/relay/circuit-v2.md#hop-protocol
// One uvarint length-prefixed frame (codec/frame.hpp) of at most max_message_size bytes per message.
//
// decode_hop() checks the wire-level rules (type present and known, reservation.expire present);
// the check_* helpers add the rules of one step of the exchange, so each side gets a specific error.
#pragma once

#include "lp2p/codec/error.hpp"
#include "lp2p/codec/relay/common.hpp"
#include "lp2p/codec/relay/error.hpp"

namespace lp2p::relay {

struct HopMessage {
  enum class Type : std::int32_t { reserve = 0, connect = 1, status = 2 };

  Type type = Type::reserve;             ///< field 1, always written (even RESERVE = 0)
  std::optional<Peer> peer;              ///< field 2: CONNECT target
  std::optional<Reservation> reservation;///< field 3: in STATUS OK answering RESERVE
  std::optional<Limit> limit;            ///< field 4: absent = no limits
  std::optional<Status> status;          ///< field 5: in STATUS

  friend bool operator==(const HopMessage&, const HopMessage&) = default;
};

/// Encodes the message body, fields in tag order. HopMessage{type=reserve} is `08 00`.
/// @errors codec::error::message_too_large (body over max_message_size)
result<Bytes> encode(const HopMessage& msg);

/// Decodes a message body.
/// @errors codec::error::frame_too_large, codec::error::malformed_protobuf, relay::error::missing_type,
///         relay::error::unknown_type, relay::error::reservation_without_expire
result<HopMessage> decode_hop(BytesView body);

/// Relay side: a request must be RESERVE, or CONNECT with a peer whose id is a PeerId.
/// @errors relay::error::unexpected_type (STATUS), missing_peer, invalid_peer_id
result<void> check_hop_request(const HopMessage& msg);

/// Client side, answer to RESERVE: must be STATUS with a status. A non-OK status is well formed (the
/// caller reports it); OK additionally needs a reservation that has not expired at `now_unix`
/// (an expire equal to now is accepted, as rust does).
/// @errors relay::error::unexpected_type, missing_status, missing_reservation, reservation_expired
result<void> check_reserve_response(const HopMessage& msg, std::uint64_t now_unix);

/// Client side, answer to CONNECT: must be STATUS with a status (OK or a failure code).
/// @errors relay::error::unexpected_type, missing_status
result<void> check_connect_response(const HopMessage& msg);

}  // namespace lp2p::relay
