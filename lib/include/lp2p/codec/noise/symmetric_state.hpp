// Noise SymmetricState with SHA-256 and HMAC-SHA256 HKDF, Noise Protocol Framework rev 34,
// sections 4.3 (HASH, HKDF) and 5.2 (SymmetricState). https://noiseprotocol.org/noise.html
#pragma once

#include "lp2p/codec/noise/cipher_state.hpp"

#include <string_view>
#include <utility>

namespace lp2p::noise {

constexpr std::size_t hash_size = 32;  // HASHLEN for SHA-256
using Hash = std::array<std::uint8_t, hash_size>;

/// The protocol name libp2p mandates (specs noise/README.md "Cryptographic Primitives").
constexpr std::string_view protocol_name = "Noise_XX_25519_ChaChaPoly_SHA256";

/// HKDF(chaining_key, input_key_material, 2) of Noise section 4.3, using HMAC-SHA256.
std::pair<Hash, Hash> hkdf2(const Hash& chaining_key, BytesView ikm);
/// HKDF with three outputs (used by the psk modifier; kept for completeness and tests).
std::array<Hash, 3> hkdf3(const Hash& chaining_key, BytesView ikm);
/// SHA-256 of `data`.
Hash sha256(BytesView data);

/// Chaining key ck, handshake hash h and the handshake's CipherState.
/// @par Thread safety
/// Distinct objects: safe. Shared objects: unsafe.
class SymmetricState {
 public:
  /// InitializeSymmetric(protocol_name).
  explicit SymmetricState(std::string_view name = protocol_name);
  ~SymmetricState();
  SymmetricState(SymmetricState&&) noexcept = default;
  SymmetricState& operator=(SymmetricState&&) noexcept = default;

  /// MixKey(ikm): ck, temp_k = HKDF(ck, ikm, 2); InitializeKey(temp_k).
  void mix_key(BytesView ikm);
  /// MixHash(data): h = HASH(h || data).
  void mix_hash(BytesView data);
  /// EncryptAndHash: appends the ciphertext (plaintext as is before the first MixKey) to `out` and
  /// mixes it into h. @errors frame_too_large, nonce_exhausted, cipher_failure
  result<void> encrypt_and_hash(BytesView plaintext, Bytes& out);
  /// DecryptAndHash: appends the plaintext to `out` and mixes the ciphertext into h.
  /// @errors decrypt_failed, frame_too_short, frame_too_large, nonce_exhausted
  result<void> decrypt_and_hash(BytesView ciphertext, Bytes& out);
  /// Split(): the two transport CipherStates (c1 initiator->responder, c2 responder->initiator).
  /// c1 reuses the handshake CipherState's cipher context, so afterwards has_key() is false and the
  /// object is only good for handshake_hash() (Noise 5.2: the SymmetricState is done after Split).
  std::pair<CipherState, CipherState> split();

  bool has_key() const noexcept { return cs_.has_key(); }
  const Hash& handshake_hash() const noexcept { return h_; }
  const Hash& chaining_key() const noexcept { return ck_; }

 private:
  CipherState cs_;
  Hash ck_{};
  Hash h_{};
};

}  // namespace lp2p::noise
