// Fuzz target: the multistream Dialer fed arbitrary listener bytes.
// Input: byte 0 picks lazy mode, the number of proposals and the chunking; the rest is what the
// "listener" sends. Invariants: no crash; chunked feeding ends in exactly the outcome, output and
// leftover of one-shot feeding; a success names one of our proposals; optimistic() only in lazy mode.
#include "lp2p/codec/multistream/negotiator.hpp"

#include <algorithm>
#include <cstdlib>

namespace ms = lp2p::multistream;

namespace {
const std::vector<std::string> candidates{"/tls/1.0.0", "/yamux/1.0.0", "/noise"};

struct Run {
  std::optional<ms::Outcome> outcome;
  lp2p::Bytes output, leftover;
};

Run run(lp2p::BytesView in, bool lazy, std::size_t count, std::size_t max_chunk, std::uint32_t seed) {
  ms::Dialer d(std::vector<std::string>(candidates.end() - static_cast<std::ptrdiff_t>(count), candidates.end()),
               lazy);
  Run out;
  std::size_t pos = 0;
  while (pos < in.size()) {
    if (d.optimistic() && !lazy) std::abort();
    seed = seed * 1103515245u + 12345u;
    const std::size_t n = std::min(in.size() - pos, 1 + (seed >> 16) % max_chunk);
    d.on_bytes(in.subspan(pos, n));
    pos += n;
    const auto pending = d.pending_output();
    const std::size_t w = (seed >> 8) % (pending.size() + 1);
    out.output.insert(out.output.end(), pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(w));
    d.output_written(w);
  }
  const auto pending = d.pending_output();
  out.output.insert(out.output.end(), pending.begin(), pending.end());
  d.output_written(pending.size());
  out.outcome = d.outcome();
  out.leftover = d.take_leftover();
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  const bool lazy = control & 1;
  const std::size_t count = 1 + (control >> 1) % 3;
  const lp2p::BytesView in(data + 1, size - 1);
  const Run whole = run(in, lazy, count, in.size() + 1, 0);
  const Run chunked = run(in, lazy, count, 1 + (control >> 3), control);
  if (whole.output != chunked.output || whole.leftover != chunked.leftover) std::abort();
  if (whole.outcome.has_value() != chunked.outcome.has_value()) std::abort();
  if (whole.outcome) {
    if (whole.outcome->error != chunked.outcome->error ||
        whole.outcome->protocol != chunked.outcome->protocol)
      std::abort();
    if (whole.outcome->ok() &&
        std::find(candidates.begin(), candidates.end(), whole.outcome->protocol) == candidates.end())
      std::abort();
  }
  return 0;
}
