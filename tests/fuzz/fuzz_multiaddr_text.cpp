// Fuzz target: multiaddr text parsing never crashes; every accepted text prints canonically, and the
// canonical text parses back to the same bytes, which from_bytes also accepts.
#include "lp2p/core/multiaddr.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string detail;
  auto a = lp2p::Multiaddr::parse(lp2p::as_string_view(lp2p::BytesView(data, size)), &detail);
  if (!a) {
    if (detail.empty()) std::abort();  // every failure explains itself
    return 0;
  }
  const auto text = a->to_string();
  auto again = lp2p::Multiaddr::parse(text);
  if (!again || again->bytes() != a->bytes() || again->to_string() != text) std::abort();
  auto bin = lp2p::Multiaddr::from_bytes(a->bytes());
  if (!bin || !(*bin == *a)) std::abort();
  (void)a->components();
  (void)a->peer_id();
  return 0;
}
