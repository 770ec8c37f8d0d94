// X25519 key pairs and Diffie-Hellman for Noise, Noise Protocol Framework rev 34 section 12.1
// (DH functions, 25519), via libsodium. https://noiseprotocol.org/noise.html#the-25519-dh-functions
#pragma once

#include "lp2p/codec/noise/error.hpp"
#include "lp2p/core/bytes.hpp"

#include <array>
#include <cstdint>

namespace lp2p::noise {

constexpr std::size_t dh_size = 32;  // DHLEN
using DhKey = std::array<std::uint8_t, dh_size>;

/// An X25519 key pair: the Noise static key (s) or an ephemeral key (e).
struct X25519Keypair {
  DhKey secret{};
  DhKey public_key{};

  /// A fresh key pair from libsodium's CSPRNG.
  static X25519Keypair generate();
  /// The key pair for a given secret (clamping is done by the scalar multiplication, as in RFC 7748).
  static X25519Keypair from_secret(const DhKey& secret);
};

/// DH(key_pair, public_key) = X25519(secret, public_key).
/// @errors invalid_dh_public_key when the result is all zeros (the peer sent a low-order point;
/// go-libp2p rejects these too).
result<DhKey> dh(const X25519Keypair& kp, const DhKey& public_key);

}  // namespace lp2p::noise
