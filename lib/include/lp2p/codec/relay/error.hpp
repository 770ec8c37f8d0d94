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

  // Decisions of the relay server's ReservationTable (codec/relay/reservation_table.hpp): not peer faults
  // but the reasons behind a refusal; relay::refusal_status() gives the Status to send for each.
  too_many_reservations,               ///< the relay already holds max_reservations
  too_many_reservations_for_peer,      ///< the peer already holds max_reservations_per_peer
  too_many_reservations_for_ip,        ///< the peer's IP already holds max_reservations_per_ip
  reservation_rate_exceeded_for_peer,  ///< the peer's reservation token bucket is empty
  reservation_rate_exceeded_for_ip,    ///< the IP's reservation token bucket is empty
  too_many_circuits,                   ///< the relay already carries max_circuits
  too_many_circuits_for_peer,          ///< the source peer already takes part in max_circuits_per_peer
  too_many_circuits_for_ip,            ///< the source IP already opened max_circuits_per_ip
  circuit_rate_exceeded_for_peer,      ///< the source peer's circuit token bucket is empty
  circuit_rate_exceeded_for_ip,        ///< the source IP's circuit token bucket is empty
  no_reservation,                      ///< the destination holds no live reservation at this relay
  // Refusals the relay (or the destination) answered with; the detail text comes from explain_status().
  refused_reservation,                 ///< RESERVATION_REFUSED (200)
  refused_resource_limit,              ///< RESOURCE_LIMIT_EXCEEDED (201)
  refused_permission_denied,           ///< PERMISSION_DENIED (202)
  refused_connection_failed,           ///< CONNECTION_FAILED (203): the relay could not reach the destination
  refused_malformed_message,           ///< MALFORMED_MESSAGE (400): the peer could not parse our message
  refused_unexpected_message,          ///< UNEXPECTED_MESSAGE (401)
  refused_unknown_status,              ///< a status code the spec does not define
};

}  // namespace lp2p::relay

LP2P_DECLARE_ERROR_ENUM(relay)
