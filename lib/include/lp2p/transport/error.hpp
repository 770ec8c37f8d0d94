// Errors of the TCP transport (lp2p::transport). Socket-level failures (connection_refused,
// address_in_use, host_not_found, ...) are passed through as the boost::system codes Asio produces.
#pragma once

#include "lp2p/error.hpp"

namespace lp2p::transport {

enum class error {
  invalid_dial_target = 1,  ///< dial to port 0 or an unspecified address (0.0.0.0, ::) (misuse)
  no_addresses,             ///< DNS answered, but with no address of the requested family (refused)
  unsupported_address,      ///< a multiaddr that is not /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>[/p2p/<id>]
};

}  // namespace lp2p::transport

LP2P_DECLARE_ERROR_ENUM(transport)
