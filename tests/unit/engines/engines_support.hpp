// Shared helpers for the engine tests: deterministic PeerIds and a virtual clock origin.
#pragma once

#include "lp2p/core/multiaddr.hpp"
#include "lp2p/core/peer_id.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace lp2p::test {

/// A distinct Ed25519-shaped PeerId per `n` (identity multihash of `08 01 12 20 <32 bytes>`).
inline PeerId peer(std::uint8_t n) {
  Bytes key = {0x08, 0x01, 0x12, 0x20};
  for (int i = 0; i < 32; ++i) key.push_back(static_cast<std::uint8_t>(n * 7 + i));
  return PeerId::from_encoded_public_key(key);
}

/// The virtual clock's origin: far from the epoch so that subtracting never underflows.
inline std::chrono::steady_clock::time_point t0() {
  return std::chrono::steady_clock::time_point{} + std::chrono::hours{24 * 365};
}

inline Multiaddr ma(const std::string& text) { return Multiaddr::parse(text).value(); }

}  // namespace lp2p::test

// support/check.hpp's REQUIRE_OK / REQUIRE_ERR expand their argument more than once, which repeats the
// call when it is a command on an engine (reserve(), on_accepted(), begin() ...). These evaluate it once.
#define REQUIRE_OK_ONCE(expr)            \
  do {                                   \
    auto&& lp2p_once_ = (expr);          \
    REQUIRE_OK(lp2p_once_);              \
  } while (0)
#define REQUIRE_ERR_ONCE(expr, e)        \
  do {                                   \
    auto&& lp2p_once_ = (expr);          \
    REQUIRE_ERR(lp2p_once_, e);          \
  } while (0)
