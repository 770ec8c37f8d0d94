#include "codec/peer_id_bytes.hpp"

#include "lp2p/core/multihash.hpp"

namespace lp2p::codec::detail {

bool is_peer_id(BytesView bytes) noexcept {
  try {
    auto mh = Multihash::decode(bytes);
    if (!mh) return false;
    if (mh->code() == Multihash::Code::identity)
      return !mh->digest().empty() && mh->digest().size() <= max_inline_key_length;
    return true;  // sha2-256 (decode checked the 32-byte digest)
  } catch (const std::bad_alloc&) {
    return false;
  }
}

}  // namespace lp2p::codec::detail
