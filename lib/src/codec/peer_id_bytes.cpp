#include "codec/peer_id_bytes.hpp"

#include "lp2p/core/peer_id.hpp"

namespace lp2p::codec::detail {

bool is_peer_id(BytesView bytes) noexcept {
  try {
    auto id = PeerId::from_bytes(bytes);
    if (!id) return false;
    // An identity multihash of nothing names no key; rust and go would fail to use it too.
    auto key = id->inline_public_key();
    return !key || !key->empty();
  } catch (const std::bad_alloc&) {
    return false;
  }
}

}  // namespace lp2p::codec::detail
