// Faults in Circuit Relay v2 hop/stop messages:
// https://github.com/libp2p/specs/blob/master/relay/circuit-v2.md
// Framing and protobuf faults are codec::error (codec/error.hpp).
#pragma once

#include "lp2p/error.hpp"

namespace lp2p::relay {

enum class error {
  missing_type = 1,            ///< a HopMessage/StopMessage without its required `type`
  unknown_type,                ///< `type` holds a value the spec does not define
  unexpected_type,             ///< a valid `type` that this side of the exchange does not expect here
  missing_peer,                ///< CONNECT without `peer`
  invalid_peer_id,             ///< `peer.id` missing or not a PeerId multihash
  missing_status,              ///< STATUS without `status`
  missing_reservation,         ///< a reservation accepted with status OK but no `reservation`
  reservation_without_expire,  ///< a `reservation` without its required `expire`
  reservation_expired,         ///< a reservation whose `expire` is already in the past
};

}  // namespace lp2p::relay

LP2P_DECLARE_ERROR_ENUM(relay)
