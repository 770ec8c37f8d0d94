// Private: the structural PeerId check of the message codecs (PeerId::from_bytes, plus "not empty").
// https://github.com/libp2p/specs/blob/master/peer-ids/peer-ids.md#peer-ids
#pragma once

#include "lp2p/core/bytes.hpp"

namespace lp2p::codec::detail {

/// True if `bytes` is a binary PeerId: a sha2-256 multihash, or an identity multihash of a non-empty key
/// of at most 42 bytes (what rust's PeerId::from_bytes accepts).
bool is_peer_id(BytesView bytes) noexcept;

}  // namespace lp2p::codec::detail
