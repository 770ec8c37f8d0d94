// Noise CipherState with ChaCha20-Poly1305 (IETF, 96-bit nonce), Noise Protocol Framework rev 34,
// sections 5.1 (CipherState) and 12.3 (ChaChaPoly): nonce = 4 zero bytes || u64 little-endian counter.
// https://noiseprotocol.org/noise.html#the-cipherstate-object
// libp2p uses empty associated data for transport messages (specs noise/README.md "Wire Format").
//
// One OpenSSL EVP_CIPHER_CTX is allocated per CipherState and re-initialised per message, so encrypting
// into a caller-provided buffer does no heap allocation (creating a context per message is much slower).
#pragma once

#include "lp2p/codec/noise/error.hpp"
#include "lp2p/core/bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

struct evp_cipher_ctx_st;  // OpenSSL's EVP_CIPHER_CTX; kept out of the public header

namespace lp2p::noise {

constexpr std::size_t key_size = 32;
constexpr std::size_t tag_size = 16;
/// Noise spec section 3: a Noise message (handshake or transport) is at most 65535 bytes.
constexpr std::size_t max_message_size = 65535;
/// The largest plaintext that fits one Noise transport message.
constexpr std::size_t max_plaintext_size = max_message_size - tag_size;

using Key = std::array<std::uint8_t, key_size>;

/// A symmetric key k plus nonce counter n. Movable, not copyable (copying would duplicate nonces).
/// @par Thread safety
/// Distinct objects: safe. Shared objects: unsafe.
class CipherState {
 public:
  /// The Noise spec reserves nonce 2^64-1 (section 5.1): reaching it means the channel must end.
  static constexpr std::uint64_t max_nonce = ~std::uint64_t{0};

  /// A CipherState with no key: encrypt/decrypt pass data through unchanged (Noise InitializeKey(empty)).
  CipherState() noexcept = default;
  explicit CipherState(const Key& k);
  ~CipherState();
  CipherState(CipherState&& o) noexcept;
  CipherState& operator=(CipherState&& o) noexcept;
  CipherState(const CipherState&) = delete;
  CipherState& operator=(const CipherState&) = delete;

  /// InitializeKey(k): sets the key and resets the nonce to 0.
  void initialize_key(const Key& k);
  bool has_key() const noexcept { return has_key_; }

  /// The next nonce to be used.
  std::uint64_t nonce() const noexcept { return n_; }
  /// SetNonce (Noise spec 5.1). Used by tests to reach the end of the nonce space.
  void set_nonce(std::uint64_t n) noexcept { n_ = n; }

  /// Encrypts `plaintext` with associated data `ad` into `out`, which must hold plaintext.size() + 16
  /// bytes (just plaintext.size() without a key). `out` may start at the same address as `plaintext`
  /// (in-place encryption); other overlaps are not allowed. No heap allocation.
  /// @return bytes written.
  /// @errors nonce_exhausted, frame_too_large (plaintext over max_plaintext_size), cipher_failure
  result<std::size_t> encrypt_into(BytesView ad, BytesView plaintext, std::span<std::uint8_t> out);
  /// Appends the ciphertext to `out`.
  result<void> encrypt_with_ad(BytesView ad, BytesView plaintext, Bytes& out);

  /// Decrypts `ciphertext` (including its 16-byte tag) into `out`, which must hold
  /// ciphertext.size() - 16 bytes. In-place decryption as for encrypt. On failure the nonce is not
  /// advanced and `out` is zeroed.
  /// @return bytes written.
  /// @errors decrypt_failed, frame_too_short, frame_too_large, nonce_exhausted, cipher_failure
  result<std::size_t> decrypt_into(BytesView ad, BytesView ciphertext, std::span<std::uint8_t> out);
  /// Appends the plaintext to `out`.
  result<void> decrypt_with_ad(BytesView ad, BytesView ciphertext, Bytes& out);

 private:
  result<std::size_t> run(bool encrypt, BytesView ad, BytesView in, std::span<std::uint8_t> out);

  evp_cipher_ctx_st* ctx_ = nullptr;
  Key k_{};
  std::uint64_t n_ = 0;
  bool has_key_ = false;
};

}  // namespace lp2p::noise
