// The X25519 public key of a secret via the Edwards form of Curve25519, RFC 7748 section 4.1
// (birational map) https://www.rfc-editor.org/rfc/rfc7748#section-4.1. Not a spec: a private helper of
// x25519.cpp, declared here so that the unit tests can check it against crypto_scalarmult_base directly
// (X25519Keypair falls back to that, which would hide a broken fast path).
#pragma once

#include "lp2p/codec/noise/x25519.hpp"

namespace lp2p::noise::detail {

/// Writes X25519(secret, 9) to `out` computed as clamp(secret)·B on edwards25519 (libsodium's precomputed
/// fixed-base tables, ~2x faster than its Montgomery ladder) mapped to u = (1 + y) / (1 - y) mod p.
/// Returns false (out unspecified) when libsodium refuses the scalar (an all-zero secret) or the map has
/// no value (y = 1, the neutral point, which a clamped scalar never gives); the caller then uses
/// crypto_scalarmult_base.
bool x25519_base_via_edwards(DhKey& out, const DhKey& secret);

}  // namespace lp2p::noise::detail
