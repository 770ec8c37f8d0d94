// Helpers shared by the message codec tests.
#pragma once

#include "lp2p/core/bytes.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <stdexcept>
#include <string_view>

namespace lp2p::test {

/// Hex to bytes; spaces are ignored so vectors can be grouped by field.
inline Bytes hex(std::string_view s) {
  std::string compact;
  for (char c : s)
    if (c != ' ') compact.push_back(c);
  Bytes out;
  // Also used for namespace-scope constants, before Catch2 runs: a bad literal throws.
  if (!from_hex(compact, out)) throw std::invalid_argument("bad hex literal in test");
  return out;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

/// A binary Ed25519 PeerId (identity multihash of `08 01 12 20 <32 bytes>`), key bytes all `fill`.
inline Bytes ed25519_peer_id(std::uint8_t fill) {
  Bytes id = hex("0024 08011220");
  id.insert(id.end(), 32, fill);
  return id;
}

inline Bytes random_bytes(std::mt19937& rng, std::size_t max_len) {
  Bytes b(rng() % (max_len + 1));
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

}  // namespace lp2p::test
