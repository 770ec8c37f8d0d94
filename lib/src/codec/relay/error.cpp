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
  }
  return "unknown relay error";
}
condition classify(error) { return condition::protocol_violation; }
}  // namespace
}  // namespace lp2p::relay

LP2P_DEFINE_ERROR_CATEGORY(relay, "lp2p.relay")
