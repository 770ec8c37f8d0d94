// Faults in signed envelopes, peer records and relay reservation vouchers:
// https://github.com/libp2p/specs/blob/master/RFC/0002-signed-envelopes.md,
// https://github.com/libp2p/specs/blob/master/RFC/0003-routing-records.md,
// https://github.com/libp2p/specs/blob/master/relay/circuit-v2.md#reservation-vouchers
// Protobuf faults are codec::error::malformed_protobuf.
#pragma once

#include "lp2p/error.hpp"

namespace lp2p::record {

enum class error {
  missing_public_key = 1,      ///< an envelope without `public_key`
  payload_type_mismatch,       ///< the envelope's payload_type is not the one expected for this domain
  invalid_signature,           ///< the signature does not verify (wrong key, domain, type or payload)
  invalid_peer_id,             ///< a peer id field (record peer_id, voucher relay/peer) is not a PeerId
  voucher_without_expiration,  ///< a voucher without its required `expiration`
  peer_id_mismatch,            ///< a peer record whose peer_id is not the id of the key that signed it
  empty_domain,                ///< local misuse: sealing or opening with an empty domain string
};

}  // namespace lp2p::record

LP2P_DECLARE_ERROR_ENUM(record)
