// Faults and refusals of the lp2p-specific `/lp2p/dcutr-spray/1.0.0` protocol (docs/dcutr-spray.md), the
// birthday-spray extension of DCUtR (https://github.com/libp2p/specs/blob/master/relay/DCUtR.md) for one
// peer behind an endpoint-dependent NAT. Framing and protobuf faults are codec::error (codec/error.hpp).
#pragma once

#include "lp2p/error.hpp"

namespace lp2p::spray {

enum class error {
  // Peer faults in a message (spray_message.hpp).
  missing_type = 1,       ///< a message without its `type`
  unknown_type,           ///< `type` is not OFFER, SYNC or ABORT
  missing_body,           ///< the sub-message that `type` announces is absent
  unsupported_version,    ///< an OFFER with version 0 (absent): there is no version 0 of the protocol
  invalid_port_range,     ///< an OFFER whose public port range is half present, 0, above 65535 or reversed
  caps_out_of_range,      ///< socket counts, rounds, a round timeout or an ABORT detail beyond the protocol's limits
  invalid_round,          ///< a SYNC whose round is 0 or not the next one expected
  unexpected_type,        ///< a valid message at the wrong step (e.g. SYNC where an OFFER is due)
  plan_mismatch,          ///< the peer's SYNC announces a different plan than the one we computed

  // Local decisions, not peer faults.
  no_plan,                ///< the offers do not call for a spray (see SprayPlan::no_plan for why)
  aborted_by_peer,        ///< the peer sent ABORT
  rounds_exhausted,       ///< every allowed round ran without a direct connection
  budget_denied,          ///< our SprayBudget refused a spray, a round or file descriptors
};

}  // namespace lp2p::spray

LP2P_DECLARE_ERROR_ENUM(spray)
