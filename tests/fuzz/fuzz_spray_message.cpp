// Fuzz target: `/lp2p/dcutr-spray/1.0.0` message decoding and step checks; decoded values must round-trip.
#include "lp2p/codec/dcutr/spray_message.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto msg = lp2p::spray::decode(lp2p::BytesView(data, size));
  if (!msg) return 0;
  (void)lp2p::spray::expect_offer(*msg);
  (void)lp2p::spray::expect_sync(*msg, 1);
  auto enc = lp2p::spray::encode(*msg);
  if (!enc) {
    // Only size can stop a decoded value from re-encoding (absent optional fields are written back).
    if (enc.error() != lp2p::codec::error::message_too_large) std::abort();
    return 0;
  }
  auto again = lp2p::spray::decode(*enc);
  if (!again || !(*again == *msg)) std::abort();
  return 0;
}
