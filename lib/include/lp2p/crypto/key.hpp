// libp2p public/private keys: https://github.com/libp2p/specs/blob/master/peer-ids/peer-ids.md#keys
//
// The protobuf wrapper `{Type, Data}` and the per-type Data encodings, with signing and verification:
//
// | type      | public Data                       | private Data                     | signature                  |
// |-----------|-----------------------------------|----------------------------------|----------------------------|
// | Ed25519   | 32 raw bytes                      | 64 B seed||pk (96 B legacy read) | RFC 8032 (64 B)            |
// | Secp256k1 | 33 B compressed SEC1 point        | 32 B big-endian scalar           | DER ECDSA over SHA-256     |
// | ECDSA     | DER SubjectPublicKeyInfo (PKIX)   | DER SEC1 ECPrivateKey            | DER ECDSA over SHA-256     |
// | RSA       | DER SubjectPublicKeyInfo (PKIX)   | DER PKCS#1 RSAPrivateKey         | RSASSA-PKCS1-v1_5 SHA-256  |
//
// Deviations from the spec's text, to match what rust-libp2p and go-libp2p actually do:
//  - ECDSA private keys: the spec says "DER-encoded PKIX", but its own test vector, go
//    (x509.MarshalECPrivateKey) and rust all use SEC1 ECPrivateKey. lp2p writes SEC1 (PKCS#8 is also read).
//  - RSA: the spec sets no size limits. go refuses to decode keys under 2048 or over 8192 bits, and rust
//    (ring's RSA_PKCS1_2048_8192_SHA256) refuses to verify with them; lp2p rejects them when decoding
//    (crypto::error::rsa_key_size), so a too-small key never becomes a PeerId we trust.
//  - Secp256k1 public keys: the 65-byte uncompressed form is accepted (go and rust's k256 accept it) but
//    always re-encoded compressed; signatures we make have a low S (BIP 62), as rust's k256 requires.
//  - ECDSA: curves P-256, P-384 and P-521 are accepted (go allows all three; rust only P-256); keys
//    with explicit curve parameters are refused. Generation uses P-256.
// Decoded public keys are re-encoded canonically, so `data()` and `encode_protobuf()` (and hence the
// PeerId) are the same bytes rust-libp2p derives from the same key.
#pragma once

#include "lp2p/core/bytes.hpp"
#include "lp2p/core/peer_id.hpp"
#include "lp2p/crypto/error.hpp"

#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace lp2p {

/// The libp2p KeyType enum; the values are the protobuf wire values.
enum class KeyType : std::uint8_t { rsa = 0, ed25519 = 1, secp256k1 = 2, ecdsa = 3 };

/// "RSA", "Ed25519", "Secp256k1" or "ECDSA" (the protobuf enum names).
std::string_view to_string(KeyType type) noexcept;

namespace crypto {
/// Largest key protobuf lp2p parses. An RSA-8192 PKCS#1 private key is about 4.7 KB; this leaves room
/// while bounding what a peer can make us parse (rust's identify caps whole messages at 4 KiB).
inline constexpr std::size_t max_key_protobuf_size = 16 * 1024;
inline constexpr unsigned rsa_min_bits = 2048;  ///< go-libp2p MinRsaKeyBits, ring's lower bound
inline constexpr unsigned rsa_max_bits = 8192;  ///< go-libp2p maxRsaKeyBits, ring's upper bound
namespace detail {
struct Secret;
}
}  // namespace crypto

/// A public key of any of the four libp2p key types. Immutable value type.
/// @par Thread safety: const member functions may be called concurrently.
class PublicKey {
 public:
  KeyType type() const noexcept { return type_; }
  /// The canonical per-type encoding (the protobuf Data field).
  const Bytes& data() const noexcept { return data_; }

  /// Builds a key from its per-type encoding (the Data field), validating it and re-encoding it
  /// canonically.
  /// @errors crypto::error::malformed_key, unsupported_curve, rsa_key_size
  static result<PublicKey> from_raw(KeyType type, BytesView data);

  /// Parses a serialized PublicKey protobuf (as found in Noise payloads, identify and envelopes).
  /// Unknown protobuf fields are skipped, as rust and go do.
  /// @errors crypto::error::protobuf_too_large, malformed_protobuf, unknown_key_type, and those of from_raw
  static result<PublicKey> decode_protobuf(BytesView bytes);

  /// The deterministic PublicKey protobuf: 08 <type> 12 <uvarint len> <data>.
  Bytes encode_protobuf() const;

  /// Checks `signature` over `message` (hashing as the key type prescribes).
  /// @errors crypto::error::malformed_signature (wrong length, not strict DER), invalid_signature
  result<void> check_signature(BytesView message, BytesView signature) const;

  /// True iff `signature` is a valid signature of `message`. Never throws, whatever the bytes.
  bool verify(BytesView message, BytesView signature) const noexcept;

  /// The PeerId of this key: identity multihash of encode_protobuf() when that is at most 42 bytes
  /// (Ed25519, Secp256k1), sha2-256 otherwise (ECDSA, RSA).
  PeerId peer_id() const;

  /// Recovers the key inlined in an identity-multihash PeerId ("12D3KooW...", "16Uiu2HA...").
  /// Guarantees `from_peer_id(id)->peer_id() == id`.
  /// @errors core::error::peer_id_no_inline_key (a sha2-256 PeerId: only the hash is known),
  ///         core::error::peer_id_invalid (the inlined protobuf is not in canonical form), and the
  ///         errors of decode_protobuf
  static result<PublicKey> from_peer_id(const PeerId& id);

  friend bool operator==(const PublicKey&, const PublicKey&) = default;
  friend auto operator<=>(const PublicKey&, const PublicKey&) = default;

 private:
  PublicKey(KeyType type, Bytes data) : type_(type), data_(std::move(data)) {}
  friend class Keypair;

  KeyType type_;
  Bytes data_;
};

/// A private key with its public key. Cheap to copy (the secret is shared, immutable, and wiped when
/// the last copy goes away).
/// @par Thread safety: const member functions may be called concurrently.
class Keypair {
 public:
  /// A fresh random Ed25519 key (libsodium).
  static Keypair generate_ed25519();
  /// The Ed25519 key whose RFC 8032 secret seed is `seed` (libsodium crypto_sign_seed_keypair; rust's
  /// `ed25519::SecretKey::try_from_bytes` + `Keypair::from`).
  static Keypair ed25519_from_seed(std::span<const std::uint8_t, 32> seed);
  /// The key the rust-libp2p examples derive from `--secret-key-seed n`: the Ed25519 seed is
  /// [n, 0, 0, ..., 0] (32 bytes). n = 0 gives 12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN.
  static Keypair from_secret_key_seed(std::uint8_t n);
  /// A fresh random Secp256k1 key.
  static Keypair generate_secp256k1();
  /// A fresh random ECDSA key on P-256.
  static Keypair generate_ecdsa_p256();
  /// A fresh random RSA key (for tests: 2048-bit generation takes tens of milliseconds or more).
  /// @pre rsa_min_bits <= bits <= rsa_max_bits (otherwise std::invalid_argument is thrown)
  static Keypair generate_rsa(int bits = 2048);

  /// Parses a serialized PrivateKey protobuf (a libp2p key file).
  /// @errors crypto::error::protobuf_too_large, malformed_protobuf, unknown_key_type, malformed_key,
  ///         key_mismatch, unsupported_curve, rsa_key_size
  static result<Keypair> decode_private_protobuf(BytesView bytes);

  /// The deterministic PrivateKey protobuf (the per-type private encodings in the table above).
  Bytes encode_private_protobuf() const;

  /// Signs `message` as the key type prescribes. ECDSA/Secp256k1/RSA signatures use OpenSSL; ECDSA ones
  /// are randomised. Throws std::runtime_error only if OpenSSL fails internally (out of memory).
  Bytes sign(BytesView message) const;

  const PublicKey& public_key() const noexcept { return public_; }
  KeyType type() const noexcept { return public_.type(); }

 private:
  Keypair(std::shared_ptr<const crypto::detail::Secret> secret, PublicKey pub)
      : secret_(std::move(secret)), public_(std::move(pub)) {}

  std::shared_ptr<const crypto::detail::Secret> secret_;
  PublicKey public_;
};

}  // namespace lp2p
