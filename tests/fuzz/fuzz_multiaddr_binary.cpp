// Fuzz target: binary multiaddr decoding (what peers send in identify, relay and DCUtR messages) never
// crashes; every accepted input prints as text that parses back to exactly the same bytes.
#include "lp2p/core/multiaddr.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lp2p::BytesView in(data, size);
  std::string detail;
  auto a = lp2p::Multiaddr::from_bytes(in, &detail);
  if (!a) {
    if (detail.empty()) std::abort();
    return 0;
  }
  if (!std::equal(a->bytes().begin(), a->bytes().end(), in.begin(), in.end())) std::abort();
  auto again = lp2p::Multiaddr::parse(a->to_string());
  if (!again || again->bytes() != a->bytes()) std::abort();
  auto rebuilt = lp2p::Multiaddr::from_components(a->components());
  if (!rebuilt || !(*rebuilt == *a)) std::abort();
  (void)a->peer_id();
  return 0;
}
