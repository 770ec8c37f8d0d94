// Fuzz target: NoiseHandshakePayload decoding must never crash, and every payload it accepts must
// survive encode -> decode unchanged.
#include "lp2p/codec/noise/payload.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto p = lp2p::noise::decode_payload(lp2p::BytesView(data, size));
  if (!p) return 0;
  auto again = lp2p::noise::decode_payload(lp2p::noise::encode_payload(*p));
  if (!again || !(*again == *p)) std::abort();
  return 0;
}
