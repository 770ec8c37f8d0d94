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

/// 1/z mod p for the 256-bit little-endian `z` (any value; reduced mod p first), written reduced below p;
/// 0 for z = 0 mod p (which has no inverse), as z^(p-2) gives. The map's variable-time divstep inversion;
/// false only if it exceeded its proven step bound (never; the map then falls back to Fermat).
bool invert_mod_p_vartime(DhKey& out, const DhKey& z);
/// The same by Fermat, z^(p-2) (constant sequence of 254 squarings and 11 products): the reference.
void invert_mod_p_fermat(DhKey& out, const DhKey& z);

}  // namespace lp2p::noise::detail
