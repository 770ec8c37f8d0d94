// Peer record: https://github.com/libp2p/specs/blob/master/RFC/0003-routing-records.md
// Wire format as go-libp2p core/peer/pb/peer_record.proto (proto3). The domain and payload type are the
// ones go and js use (and rust's `new_interop`), not the legacy "libp2p-routing-state" pair that the RFC
// text and rust's default still name.
#pragma once

#include "lp2p/codec/error.hpp"
#include "lp2p/codec/record/envelope.hpp"
#include "lp2p/codec/record/error.hpp"
#include "lp2p/core/bytes.hpp"

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace lp2p::record {

constexpr std::string_view peer_record_domain = "libp2p-peer-record";
/// The multicodec "libp2p-peer-record" (0x0301) as raw bytes.
inline constexpr std::array<std::uint8_t, 2> peer_record_payload_type{0x03, 0x01};

struct PeerRecord {
  Bytes peer_id;              ///< field 1: binary PeerId of the signer
  std::uint64_t seq = 0;      ///< field 2: increases with every new record (often unix time)
  std::vector<Bytes> addrs;   ///< field 3 (AddressInfo.multiaddr): binary multiaddrs, raw

  friend bool operator==(const PeerRecord&, const PeerRecord&) = default;
};

/// Encodes a record payload (proto3: zero seq and empty peer_id are omitted).
Bytes encode(const PeerRecord& rec);

/// Decodes a record payload; peer_id must be a PeerId.
/// @errors codec::error::frame_too_large, codec::error::malformed_protobuf, record::error::invalid_peer_id
result<PeerRecord> decode_peer_record(BytesView payload);

/// Seals `rec` with peer_record_domain / peer_record_payload_type, ready to be encoded into identify's
/// signedPeerRecord. rec.peer_id should be key's PeerId (open_peer_record() checks it).
Envelope seal_peer_record(const Keypair& key, const PeerRecord& rec);

/// Opens a peer record envelope: checks type and signature (open()), decodes the payload and checks
/// that the record's peer_id is the signer's PeerId.
/// @errors those of open() and decode_peer_record(), record::error::peer_id_mismatch
result<PeerRecord> open_peer_record(const Envelope& env);
/// Same, from the encoded envelope (identify's signedPeerRecord field).
/// @errors those of decode_envelope() and open_peer_record(const Envelope&)
result<PeerRecord> open_peer_record(BytesView envelope_bytes);

}  // namespace lp2p::record
