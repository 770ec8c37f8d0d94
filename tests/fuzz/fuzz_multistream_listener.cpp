// Fuzz target: the multistream Listener fed arbitrary dialer bytes.
// Input: byte 0 picks the chunking and the attempt cap, the rest is what the "dialer" sends.
// Invariants: no crash; chunked feeding (random sizes, random partial output drains) ends in exactly
// the outcome, output and leftover of one-shot feeding; a success names a supported protocol.
#include "lp2p/codec/multistream/negotiator.hpp"

#include <algorithm>
#include <cstdlib>

namespace ms = lp2p::multistream;

namespace {
const std::vector<std::string> supported{"/noise", "/yamux/1.0.0", "/ipfs/ping/1.0.0"};

struct Run {
  std::optional<ms::Outcome> outcome;
  lp2p::Bytes output, leftover;
};

Run run(lp2p::BytesView in, const ms::Config& cfg, std::size_t max_chunk, std::uint32_t seed) {
  ms::Listener l(supported, cfg);
  Run out;
  std::size_t pos = 0;
  while (pos < in.size()) {
    seed = seed * 1103515245u + 12345u;
    const std::size_t n = std::min(in.size() - pos, 1 + (seed >> 16) % max_chunk);
    l.on_bytes(in.subspan(pos, n));
    pos += n;
    const auto pending = l.pending_output();
    const std::size_t w = (seed >> 8) % (pending.size() + 1);  // partial writes
    out.output.insert(out.output.end(), pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(w));
    l.output_written(w);
  }
  const auto pending = l.pending_output();
  out.output.insert(out.output.end(), pending.begin(), pending.end());
  l.output_written(pending.size());
  out.outcome = l.outcome();
  out.leftover = l.take_leftover();
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  const lp2p::BytesView in(data + 1, size - 1);
  ms::Config cfg;
  cfg.max_attempts = 1 + (control >> 5);  // 1..8: reach the cap with small inputs
  const Run whole = run(in, cfg, in.size() + 1, 0);
  const Run chunked = run(in, cfg, 1 + (control & 31), control);
  if (whole.output != chunked.output || whole.leftover != chunked.leftover) std::abort();
  if (whole.outcome.has_value() != chunked.outcome.has_value()) std::abort();
  if (whole.outcome) {
    if (whole.outcome->error != chunked.outcome->error ||
        whole.outcome->protocol != chunked.outcome->protocol)
      std::abort();
    if (whole.outcome->ok() &&
        std::find(supported.begin(), supported.end(), whole.outcome->protocol) == supported.end())
      std::abort();
    if (!whole.outcome->ok() && !whole.leftover.empty()) std::abort();
  } else if (!whole.leftover.empty()) {
    std::abort();
  }
  return 0;
}
