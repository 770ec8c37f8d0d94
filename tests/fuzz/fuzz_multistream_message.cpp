// Fuzz target: multistream-select message framing and ls-response parsing.
// Invariants: no crash; feeding the input in chunks (sizes derived from the input) gives exactly the
// messages, error and leftover of feeding it at once; every message re-encodes to the bytes consumed;
// every accepted ls response re-encodes to its content.
#include "lp2p/codec/multistream/message.hpp"

#include <algorithm>
#include <cstdlib>

namespace ms = lp2p::multistream;

namespace {
struct Run {
  std::vector<std::string> messages;
  lp2p::error_code ec;
  lp2p::Bytes rest;
};

Run read_all(lp2p::BytesView in, std::size_t max_chunk, std::uint32_t seed) {
  ms::MessageReader r;
  Run out;
  std::size_t pos = 0;
  do {
    seed = seed * 1103515245u + 12345u;
    const std::size_t n = std::min(in.size() - pos, 1 + (seed >> 16) % max_chunk);
    r.feed(in.subspan(pos, n));
    pos += n;
    while (auto m = r.next(out.ec)) out.messages.push_back(std::move(*m));
  } while (pos < in.size() && !out.ec);
  out.rest = r.take_buffered();
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const lp2p::BytesView in(data, size);
  const Run whole = read_all(in, size + 1, 0);
  const std::uint32_t seed = size ? data[0] : 0;
  const Run chunked = read_all(in, 1 + seed % 32, seed);
  if (whole.messages != chunked.messages || whole.ec != chunked.ec) std::abort();
  if (!whole.ec && whole.rest != chunked.rest) std::abort();

  lp2p::Bytes again;
  for (const auto& m : whole.messages) {
    ms::encode_message(m, again);
    if (auto ls = ms::parse_ls_response(m)) {
      lp2p::Bytes entries;
      for (const auto& p : *ls) ms::encode_message(p, entries);
      if (lp2p::as_string_view(entries) != m) std::abort();
    }
  }
  if (again.size() > size || !std::equal(again.begin(), again.end(), data)) std::abort();
  if (!whole.ec && again.size() + whole.rest.size() != size) std::abort();
  return 0;
}
