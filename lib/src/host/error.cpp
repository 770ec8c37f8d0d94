#include "lp2p/host/error.hpp"

namespace lp2p::host {
namespace {
const char* describe(error e) {
  switch (e) {
    case error::not_connected: return "no connection to that peer";
    case error::stopped: return "the host is stopped";
    case error::connection_limit: return "connection limit reached";
    case error::peer_connection_limit: return "per-peer connection limit reached";
    case error::pending_handshake_limit: return "too many inbound connections are still upgrading";
    case error::ip_connection_limit: return "per-IP inbound connection limit reached";
    case error::stream_limit: return "too many inbound streams for this protocol";
    case error::no_peer_id: return "the address has no /p2p/<peer id> component";
    case error::unsupported_address: return "not a TCP multiaddr (/ip4|ip6|dns|dns4|dns6/.../tcp/PORT)";
    case error::dial_self: return "refusing to dial our own PeerId";
    case error::ping_mismatch: return "ping reply does not match the request";
    case error::identify_invalid: return "invalid identify message";
  }
  return "unknown host error";
}
condition classify(error e) {
  switch (e) {
    case error::not_connected:
    case error::no_peer_id:
    case error::unsupported_address:
    case error::dial_self: return condition::misuse;
    case error::stopped: return condition::closed;
    case error::connection_limit:
    case error::peer_connection_limit:
    case error::pending_handshake_limit:
    case error::ip_connection_limit:
    case error::stream_limit: return condition::resource_limit;
    case error::ping_mismatch:
    case error::identify_invalid: return condition::protocol_violation;
  }
  return condition::protocol_violation;
}
}  // namespace
}  // namespace lp2p::host

LP2P_DEFINE_ERROR_CATEGORY(host, "lp2p.host")
