#include "lp2p/codec/relay/status_text.hpp"

namespace lp2p::relay {

namespace {
// Kept next to the causes listed in WIRE.md §2.4 (a)-(g); update both together.
constexpr std::string_view no_reservation_text =
    "NO_RESERVATION: the relay holds no live reservation for the destination peer, so it has nobody to "
    "forward the connection to. This is decided at the relay before any hole punching starts.\n"
    "Usual causes:\n"
    "  - the destination never reserved a slot at this relay, or dialed before its reservation was "
    "accepted (start the dialer after the listener reports the reservation as accepted);\n"
    "  - the reservation expired because the destination did not renew it in time (relays grant about "
    "one hour);\n"
    "  - the destination's connection to the relay died, which drops its reservation at once; a NAT that "
    "discards idle mappings does this silently (carrier-grade and mobile NATs can do so within tens of "
    "seconds), so the listener may still believe it is reachable;\n"
    "  - the relay restarted and lost every reservation;\n"
    "  - the dialer asked for the wrong PeerId (a typo, a different key seed, or the relay's own id);\n"
    "  - the destination's reservation request was itself refused.\n"
    "What to check: on the destination, that it logged an accepted reservation at this relay and that its "
    "relay connection is still open (keep-alive pings well inside the NAT's idle timeout, reconnect and "
    "reserve again after a loss); on the dialer, that the /p2p/<id> after /p2p-circuit is exactly the "
    "destination's PeerId; then retry once the destination reports its reservation again.";
}  // namespace

std::string_view explain_status(Status s) noexcept {
  switch (s) {
    case Status::unused:
      return "UNUSED (0): the peer sent the protobuf default instead of a real status; treat it as a failure.";
    case Status::ok: return "OK: the relay accepted the request.";
    case Status::reservation_refused:
      return "RESERVATION_REFUSED: the relay declined to grant a reservation; it is configured not to serve "
             "this peer or this request, so try another relay.";
    case Status::resource_limit_exceeded:
      return "RESOURCE_LIMIT_EXCEEDED: the relay (or the destination) refused because one of its limits is "
             "reached (reservations, circuits, or a per-peer or per-IP rate); wait and retry, or use another "
             "relay.";
    case Status::permission_denied:
      return "PERMISSION_DENIED: the relay or the destination does not allow this peer to make this request "
             "(for example a relay with an allow list, or a request over an already relayed connection).";
    case Status::connection_failed:
      return "CONNECTION_FAILED: the relay found the destination's reservation but could not open the "
             "circuit to it (the stop stream failed or timed out); the destination's relay connection is "
             "probably broken.";
    case Status::no_reservation: return no_reservation_text;
    case Status::malformed_message:
      return "MALFORMED_MESSAGE: the other side could not decode our relay message; this indicates an "
             "implementation incompatibility.";
    case Status::unexpected_message:
      return "UNEXPECTED_MESSAGE: the other side received a relay message it did not expect at this point "
             "(through a relay, this also reports a destination that refused the circuit with a status the "
             "relay does not pass on).";
  }
  return "unknown relay status: the peer sent a status code that the circuit relay v2 spec does not define; "
         "treat it as a failure.";
}

}  // namespace lp2p::relay
