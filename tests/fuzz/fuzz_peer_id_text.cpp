// Fuzz target: PeerId text parsing (base58 and CIDv1 in any multibase) never crashes; every accepted id
// re-parses from both of its printed forms and from its bytes.
#include "lp2p/core/peer_id.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto id = lp2p::PeerId::parse(lp2p::as_string_view(lp2p::BytesView(data, size)));
  if (!id) return 0;
  auto a = lp2p::PeerId::parse(id->to_base58());
  auto b = lp2p::PeerId::parse(id->to_cid());
  auto c = lp2p::PeerId::from_bytes(id->bytes());
  if (!a || !b || !c || !(*a == *id) || !(*b == *id) || !(*c == *id)) std::abort();
  if (id->inline_public_key().has_value() == (id->multihash().code() != lp2p::Multihash::Code::identity))
    std::abort();
  return 0;
}
