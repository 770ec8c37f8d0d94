// Fuzz target: multibase decoding never crashes and is canonical: whatever it accepts re-encodes, in the
// base it detected, to exactly the input text.
#include "lp2p/core/multibase.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = lp2p::as_string_view(lp2p::BytesView(data, size));
  lp2p::multibase::Base base{};
  auto d = lp2p::multibase::decode(text, &base);
  if (!d) return 0;
  if (lp2p::multibase::encode(base, *d) != text) std::abort();
  return 0;
}
