// Fuzz target: yamux header decoding. Every accepted header must re-encode to exactly the 12 input bytes;
// every rejection must be one of the two header errors.
#include "lp2p/codec/yamux/header.hpp"

#include <algorithm>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lp2p::yamux;
  lp2p::BytesView in(data, size);
  while (in.size() >= header_size) {
    auto h = decode_header(in.first<header_size>());
    if (h) {
      const auto again = encode_header(*h);
      if (!std::equal(again.begin(), again.end(), in.begin())) std::abort();
    } else if (h.error() != error::bad_version && h.error() != error::unknown_frame_type) {
      std::abort();
    }
    in = in.subspan(header_size);
  }
  return 0;
}
