// Faults in DCUtR hole punch messages: https://github.com/libp2p/specs/blob/master/relay/DCUtR.md
// Framing and protobuf faults are codec::error (codec/error.hpp).
#pragma once

#include "lp2p/error.hpp"

namespace lp2p::dcutr {

enum class error {
  missing_type = 1,  ///< a HolePunch message without its required `type`
  unknown_type,      ///< `type` is neither CONNECT (100) nor SYNC (300)
  unexpected_type,   ///< a valid `type` at the wrong step (e.g. SYNC where CONNECT is due)
  no_addresses,      ///< a CONNECT carrying no ObsAddrs at all (rust: NoAddresses)

  // Decisions of the attempt policy (codec/dcutr/attempt_policy.hpp), not peer faults.
  attempts_exceeded,  ///< every allowed hole punch attempt failed (rust: AttemptsExceeded(3))
};

}  // namespace lp2p::dcutr

LP2P_DECLARE_ERROR_ENUM(dcutr)
