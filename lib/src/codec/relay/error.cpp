#include "lp2p/codec/relay/error.hpp"

namespace lp2p::relay {
namespace {
const char* describe(error e) {
  switch (e) {
    case error::missing_type: return "relay message has no type";
    case error::unknown_type: return "relay message has an unknown type";
    case error::unexpected_type: return "relay message has a type that is not expected here";
    case error::missing_peer: return "relay CONNECT message has no peer";
    case error::invalid_peer_id: return "relay message peer id is missing or invalid";
    case error::missing_status: return "relay STATUS message has no status";
    case error::missing_reservation: return "relay accepted the reservation but sent no reservation";
    case error::reservation_without_expire: return "relay reservation has no expiration time";
    case error::reservation_expired: return "relay reservation expires in the past";
    case error::too_many_reservations: return "relay holds its maximum number of reservations";
    case error::too_many_reservations_for_peer: return "peer holds its maximum number of reservations at this relay";
    case error::too_many_reservations_for_ip:
      return "IP address holds its maximum number of reservations at this relay";
    case error::reservation_rate_exceeded_for_peer: return "peer is making reservations too fast";
    case error::reservation_rate_exceeded_for_ip: return "IP address is making reservations too fast";
    case error::too_many_circuits: return "relay carries its maximum number of circuits";
    case error::too_many_circuits_for_peer: return "peer takes part in its maximum number of circuits";
    case error::too_many_circuits_for_ip: return "IP address has opened its maximum number of circuits";
    case error::circuit_rate_exceeded_for_peer: return "peer is opening circuits too fast";
    case error::circuit_rate_exceeded_for_ip: return "IP address is opening circuits too fast";
    case error::no_reservation: return "relay has no reservation for the destination";
    case error::refused_reservation: return "relay refused the reservation";
    case error::refused_resource_limit: return "relay resource limit exceeded";
    case error::refused_permission_denied: return "relay denied permission";
    case error::refused_connection_failed: return "relay could not connect to the destination";
    case error::refused_malformed_message: return "relay says our message was malformed";
    case error::refused_unexpected_message: return "relay says our message was unexpected";
    case error::refused_unknown_status: return "relay answered with an unknown status";
  }
  return "unknown relay error";
}
condition classify(error e) {
  if (e == error::no_reservation || e >= error::refused_reservation) {
    if (e == error::refused_resource_limit) return condition::resource_limit;
    return condition::refused;
  }
  if (e >= error::too_many_reservations) return condition::resource_limit;
  return condition::protocol_violation;
}
}  // namespace
}  // namespace lp2p::relay

LP2P_DEFINE_ERROR_CATEGORY(relay, "lp2p.relay")
