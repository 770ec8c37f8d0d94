// Errors of the host layer (connections, streams, handlers, limits).
#pragma once

#include "lp2p/error.hpp"

namespace lp2p::host {

enum class error {
  not_connected = 1,        ///< open_stream/ping to a peer we have no connection with (misuse)
  stopped,                  ///< the host was stopped (closed)
  connection_limit,         ///< HostConfig::limits.max_connections reached (resource_limit)
  peer_connection_limit,    ///< HostConfig::limits.max_connections_per_peer reached (resource_limit)
  pending_handshake_limit,  ///< too many inbound connections still upgrading (resource_limit)
  ip_connection_limit,      ///< HostConfig::limits.max_connections_per_ip reached (resource_limit)
  stream_limit,             ///< too many inbound streams running for one protocol (resource_limit)
  no_peer_id,               ///< the address has no /p2p/<id> and the peer is unknown (misuse)
  unsupported_address,      ///< not a TCP address lp2p can dial or listen on (misuse)
  dial_self,                ///< the address names our own PeerId (misuse)
  ping_mismatch,            ///< the ping reply did not echo our bytes (protocol_violation)
  identify_invalid,         ///< identify reply without a valid public key, or for another peer (protocol_violation)
};

}  // namespace lp2p::host

LP2P_DECLARE_ERROR_ENUM(host)
