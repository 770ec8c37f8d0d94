// The X25519 public key of a secret via the Edwards form of Curve25519, RFC 7748 section 4.1
// (birational map) https://www.rfc-editor.org/rfc/rfc7748#section-4.1. Not a spec: private helpers of
// x25519.cpp, declared here so that the unit tests can check them directly (X25519Keypair falls back to
// crypto_scalarmult_base, which would hide a broken fast path).
#pragma once

#include "lp2p/codec/noise/x25519.hpp"

namespace lp2p::noise::detail {

/// Writes X25519(secret, 9) to `out` computed as clamp(secret)·B on edwards25519 (libsodium's precomputed
/// fixed-base tables, ~2x faster than its Montgomery ladder) mapped by montgomery_u_from_edwards_y.
/// Returns false (out unspecified) when libsodium refuses the scalar (an all-zero secret) or the map has
/// no value; the caller then uses crypto_scalarmult_base.
bool x25519_base_via_edwards(DhKey& out, const DhKey& secret);

/// u = (1 + y) / (1 - y) mod p, p = 2^255 - 19, for the encoded Edwards point `y` (32 bytes little-endian;
/// bit 255, the sign of x, is ignored), written as 32 bytes little-endian. Returns false for y = 1 (the
/// neutral point, no u) and for a non-canonical y >= p (libsodium never encodes one). Variable time:
/// public data only.
bool montgomery_u_from_edwards_y(DhKey& out, const DhKey& y);

}  // namespace lp2p::noise::detail
