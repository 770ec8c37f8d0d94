// Fuzz target: unsigned-varint decoding (complete and streaming) must never crash, and every value it
// accepts must re-encode to exactly the bytes it consumed (minimal encoding).
#include "lp2p/core/uvarint.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lp2p::BytesView in(data, size);
  auto d = lp2p::uvarint::decode(in);
  if (d) {
    lp2p::Bytes again;
    lp2p::uvarint::encode(d->value, again);
    if (again.size() != d->size || !std::equal(again.begin(), again.end(), in.begin())) std::abort();
  }
  lp2p::error_code ec;
  (void)lp2p::uvarint::decode_prefix(in, ec);
  return 0;
}
