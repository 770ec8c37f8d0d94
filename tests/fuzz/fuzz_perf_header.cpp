// Fuzz target: the perf request header a perf server reads from an untrusted client; a decoded value
// must re-encode to the same 8 bytes, and anything shorter than 8 bytes is "need more".
#include "lp2p/codec/perf/header.hpp"

#include <algorithm>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto h = lp2p::perf::decode_header(lp2p::BytesView(data, size));
  if (size < lp2p::perf::header_size) {
    if (h) std::abort();
    return 0;
  }
  if (!h || h->rest.size() != size - lp2p::perf::header_size) std::abort();
  const auto again = lp2p::perf::encode_header(h->download_bytes);
  if (!std::equal(again.begin(), again.end(), data)) std::abort();
  return 0;
}
