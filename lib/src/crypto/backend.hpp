// Private to lp2p_codec: the per-key-type backends behind lp2p::PublicKey and lp2p::Keypair.
// Ed25519 goes through libsodium (ed25519.cpp); Secp256k1, ECDSA and RSA through OpenSSL 3's EVP and
// provider-era APIs only (openssl_keys.cpp). Everything here works on the per-type Data encodings of
// https://github.com/libp2p/specs/blob/master/peer-ids/peer-ids.md#key-types; the protobuf wrapper is
// handled in key.cpp.
#pragma once

#include "lp2p/crypto/key.hpp"

#include <array>
#include <cstdint>
#include <memory>

typedef struct evp_pkey_st EVP_PKEY;

namespace lp2p::crypto::detail {

/// The private half of a Keypair. Immutable once built; wiped on destruction.
struct Secret {
  KeyType type = KeyType::ed25519;
  std::array<std::uint8_t, 64> ed25519{};  ///< libsodium secret key: RFC 8032 seed || public key
  EVP_PKEY* pkey = nullptr;                ///< Secp256k1, ECDSA and RSA keys
  Secret() = default;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  ~Secret();
};

/// A freshly built secret with the canonical encoding of its public key.
struct PrivateParts {
  std::shared_ptr<Secret> secret;
  Bytes public_data;
};

// ---- Ed25519 (libsodium) ----
void ensure_sodium();
result<Bytes> ed25519_public(BytesView raw);
result<void> ed25519_check(const Bytes& public_data, BytesView message, BytesView signature);
PrivateParts ed25519_from_seed(std::span<const std::uint8_t, 32> seed);
result<PrivateParts> ed25519_decode_private(BytesView data);
Bytes ed25519_encode_private(const Secret& s);
Bytes ed25519_sign(const Secret& s, BytesView message);

// ---- Secp256k1, ECDSA, RSA (OpenSSL) ----
result<Bytes> openssl_public(KeyType type, BytesView raw);
result<void> openssl_check(KeyType type, const Bytes& public_data, BytesView message, BytesView signature);
result<PrivateParts> openssl_decode_private(KeyType type, BytesView data);
PrivateParts openssl_generate(KeyType type, int rsa_bits);
Bytes openssl_encode_private(const Secret& s);
Bytes openssl_sign(const Secret& s, BytesView message);
void openssl_free(EVP_PKEY* pkey) noexcept;

}  // namespace lp2p::crypto::detail
