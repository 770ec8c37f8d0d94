// Fuzz target: identify message decoding. Whatever decodes must re-encode and decode to the same value,
// and merging/applying it must not crash.
#include "lp2p/codec/identify/message.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto msg = lp2p::identify::decode(lp2p::BytesView(data, size));
  if (!msg) return 0;
  auto enc = lp2p::identify::encode(*msg);
  if (!enc) {
    // Only size can stop a decoded value from re-encoding (e.g. an absent Peer.id is written back as
    // an empty one, two bytes more).
    if (enc.error() != lp2p::codec::error::message_too_large) std::abort();
    return 0;
  }
  auto again = lp2p::identify::decode(*enc);
  if (!again || !(*again == *msg)) std::abort();
  lp2p::identify::IdentifyMessage state;
  lp2p::identify::merge(state, *msg);
  lp2p::identify::apply_push(state, *msg);
  (void)lp2p::identify::encode_frames(state);
  return 0;
}
