// Relay reservation voucher: https://github.com/libp2p/specs/blob/master/relay/circuit-v2.md#reservation-vouchers
// The payload of a signed envelope (domain voucher_domain, payload type 03 02), sent by go relays in
// Reservation.voucher. Vouchers are advisory, but go clients reject a reservation whose voucher is present
// and invalid, so what we send must verify.
#pragma once

#include "lp2p/codec/error.hpp"
#include "lp2p/codec/record/envelope.hpp"
#include "lp2p/codec/record/error.hpp"
#include "lp2p/core/bytes.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace lp2p::record {

constexpr std::string_view voucher_domain = "libp2p-relay-rsvp";
/// go's RecordCodec for vouchers (not yet in the multicodec table).
inline constexpr std::array<std::uint8_t, 2> voucher_payload_type{0x03, 0x02};

struct Voucher {
  Bytes relay;                  ///< field 1: PeerId of the relay
  Bytes peer;                   ///< field 2: PeerId of the reserving peer
  std::uint64_t expiration = 0; ///< field 3: Unix seconds (UTC), as Reservation.expire

  friend bool operator==(const Voucher&, const Voucher&) = default;
};

/// Encodes the voucher payload in canonical form: all three fields, in field order, even when zero.
Bytes encode(const Voucher& v);

/// Decodes a voucher payload.
/// @errors codec::error::frame_too_large, codec::error::malformed_protobuf, record::error::invalid_peer_id,
///         record::error::voucher_without_expiration
result<Voucher> decode_voucher(BytesView payload);

/// Seals `v` with voucher_domain / voucher_payload_type (the relay signs; v.relay should be its PeerId).
Envelope seal_voucher(const Keypair& relay_key, const Voucher& v);

/// Opens a voucher envelope (Reservation.voucher) as go's client does: checks type and signature,
/// decodes the payload and checks that the signer is v.relay. The caller must still check that v.peer
/// is its own PeerId (and, if it cares, that v.relay is the relay it reserved with).
/// @errors those of decode_envelope(), open() and decode_voucher(), record::error::peer_id_mismatch
result<Voucher> open_voucher(BytesView envelope_bytes);

}  // namespace lp2p::record
