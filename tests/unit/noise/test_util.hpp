// Helpers shared by the noise unit tests.
#pragma once

#include "support/check.hpp"

#include "lp2p/codec/noise/handshake.hpp"
#include "lp2p/core/bytes.hpp"

#include <algorithm>
#include <utility>

// support/check.hpp's REQUIRE_OK/REQUIRE_ERR evaluate their argument more than once; these bind it
// first, so a call with side effects (read_message, encrypt, ...) runs exactly once.
#define NOISE_OK(expr)                    \
  do {                                    \
    const auto& noise_r_ = (expr);        \
    REQUIRE_OK(noise_r_);                 \
  } while (0)
#define NOISE_ERR(expr, e)                \
  do {                                    \
    const auto& noise_r_ = (expr);        \
    REQUIRE_ERR(noise_r_, e);             \
  } while (0)

namespace noise_test {

inline lp2p::Bytes hex(std::string_view h) {
  lp2p::Bytes b;
  if (h != "-" && !lp2p::from_hex(h, b)) FAIL("bad hex: " << h);
  return b;
}

// Moves all pending output of `from` into `to`, in chunks of `chunk` bytes.
inline lp2p::result<void> pump(lp2p::noise::Handshake& from, lp2p::noise::Handshake& to,
                               std::size_t chunk = std::size_t{1} << 20) {
  const lp2p::Bytes out = from.take_output();
  for (std::size_t pos = 0; pos < out.size(); pos += chunk) {
    auto r = to.on_bytes(lp2p::BytesView(out).subspan(pos, std::min(chunk, out.size() - pos)));
    if (!r) return r;
  }
  return {};
}

// Runs a handshake to completion (or the first error), alternating directions.
inline lp2p::result<void> run(lp2p::noise::Handshake& init, lp2p::noise::Handshake& resp,
                              std::size_t chunk = std::size_t{1} << 20) {
  for (int i = 0; i < 4 && !(init.finished() && resp.finished()); ++i) {
    if (auto r = pump(init, resp, chunk); !r) return r;
    if (auto r = pump(resp, init, chunk); !r) return r;
  }
  return {};
}

struct BothOutcomes {
  lp2p::noise::HandshakeOutcome initiator;
  lp2p::noise::HandshakeOutcome responder;
};

// Runs a handshake that must succeed to its end on both sides and returns both outcomes.
inline BothOutcomes complete(lp2p::noise::Handshake& init, lp2p::noise::Handshake& resp,
                             std::size_t chunk = std::size_t{1} << 20) {
  NOISE_OK(run(init, resp, chunk));
  REQUIRE(init.finished());
  REQUIRE(resp.finished());
  auto a = init.finish();
  auto b = resp.finish();
  REQUIRE_OK(a);
  REQUIRE_OK(b);
  return BothOutcomes{std::move(*a), std::move(*b)};
}

}  // namespace noise_test
