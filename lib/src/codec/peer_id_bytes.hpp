// Private: the structural PeerId check the message codecs need before core/peer_id.hpp exists.
// https://github.com/libp2p/specs/blob/master/peer-ids/peer-ids.md#peer-ids
#pragma once

#include "lp2p/core/bytes.hpp"

namespace lp2p::codec::detail {

/// Longest public-key protobuf that is inlined as an identity multihash (rust MAX_INLINE_KEY_LENGTH).
constexpr std::size_t max_inline_key_length = 42;

/// True if `bytes` is a binary PeerId: a sha2-256 multihash, or an identity multihash of a non-empty key
/// of at most 42 bytes (what rust's PeerId::from_bytes accepts).
bool is_peer_id(BytesView bytes) noexcept;

}  // namespace lp2p::codec::detail
