// Fuzz target: DCUtR HolePunch message decoding and checks; decoded values must round-trip.
#include "lp2p/codec/dcutr/holepunch_message.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto msg = lp2p::dcutr::decode(lp2p::BytesView(data, size));
  if (!msg) return 0;
  (void)lp2p::dcutr::check_connect(*msg);
  (void)lp2p::dcutr::check_sync(*msg);
  auto enc = lp2p::dcutr::encode(*msg);
  if (!enc) {
    // Only size can stop a decoded value from re-encoding (e.g. an absent Peer.id is written back as
    // an empty one, two bytes more).
    if (enc.error() != lp2p::codec::error::message_too_large) std::abort();
    return 0;
  }
  auto again = lp2p::dcutr::decode(*enc);
  if (!again || !(*again == *msg)) std::abort();
  return 0;
}
