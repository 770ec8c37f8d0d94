// Fuzz target: arbitrary bytes as the ObsAddrs of a DCUtR CONNECT must end in a candidate list or
// dcutr::error::no_addresses, never a crash. Input layout: a sequence of entries, each one length byte
// followed by that many bytes (a short final entry takes what is left), so the fuzzer controls both the
// number of addresses and their contents.
#include "lp2p/codec/dcutr/attempt_policy.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<lp2p::Bytes> obs;
  std::size_t i = 0;
  while (i < size) {
    const std::size_t n = data[i++];
    const std::size_t take = n < size - i ? n : size - i;
    obs.emplace_back(data + i, data + i + take);
    i += take;
  }
  auto r = lp2p::dcutr::filter_remote_candidates(obs);
  if (!r) {
    if (!obs.empty() || r.error() != lp2p::dcutr::error::no_addresses) std::abort();
    return 0;
  }
  if (r->size() > lp2p::dcutr::max_remote_candidates) std::abort();
  for (const auto& a : *r) {
    if (!lp2p::dcutr::is_punchable_tcp(a)) std::abort();
    // Every accepted address round-trips through its binary form.
    auto again = lp2p::Multiaddr::from_bytes(a.bytes());
    if (!again || !(*again == a)) std::abort();
  }
  return 0;
}
