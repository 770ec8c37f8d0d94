// Ed25519 keys via libsodium: https://github.com/libp2p/specs/blob/master/peer-ids/peer-ids.md#ed25519
#include "crypto/backend.hpp"

#include <sodium.h>

#include <algorithm>
#include <stdexcept>

namespace lp2p::crypto::detail {

static_assert(crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_SECRETKEYBYTES == 64 &&
              crypto_sign_SEEDBYTES == 32 && crypto_sign_BYTES == 64);

Secret::~Secret() {
  sodium_memzero(ed25519.data(), ed25519.size());
  openssl_free(pkey);
}

void ensure_sodium() {
  // sodium_init is idempotent and thread-safe; the static only saves repeated calls.
  static const int rc = sodium_init();
  if (rc < 0) throw std::runtime_error("lp2p: sodium_init failed");
}

result<Bytes> ed25519_public(BytesView raw) {
  // Like go-libp2p, only the length is checked here; libsodium's verification rejects small-order and
  // non-canonical points, so such a key can never validate a signature.
  if (raw.size() != crypto_sign_PUBLICKEYBYTES) return error::malformed_key;
  return Bytes(raw.begin(), raw.end());
}

result<void> ed25519_check(const Bytes& public_data, BytesView message, BytesView signature) {
  ensure_sodium();
  if (signature.size() != crypto_sign_BYTES) return error::malformed_signature;
  static const unsigned char empty = 0;
  const unsigned char* m = message.empty() ? &empty : message.data();
  if (crypto_sign_verify_detached(signature.data(), m, message.size(), public_data.data()) != 0)
    return error::invalid_signature;
  return {};
}

PrivateParts ed25519_from_seed(std::span<const std::uint8_t, 32> seed) {
  ensure_sodium();
  auto s = std::make_shared<Secret>();
  s->type = KeyType::ed25519;
  Bytes pk(crypto_sign_PUBLICKEYBYTES);
  crypto_sign_seed_keypair(pk.data(), s->ed25519.data(), seed.data());
  return {std::move(s), std::move(pk)};
}

result<PrivateParts> ed25519_decode_private(BytesView data) {
  // Preferred: seed || pk (64 bytes). Legacy: seed || pk || pk (96 bytes), valid only if both copies agree.
  if (data.size() != 64 && data.size() != 96) return error::malformed_key;
  if (data.size() == 96 && !std::equal(data.begin() + 32, data.begin() + 64, data.begin() + 64))
    return error::key_mismatch;
  auto parts = ed25519_from_seed(data.first<32>());
  // As rust does: a stored public key that the seed does not produce means a corrupt key file.
  if (!std::equal(parts.public_data.begin(), parts.public_data.end(), data.begin() + 32))
    return error::key_mismatch;
  return parts;
}

Bytes ed25519_encode_private(const Secret& s) { return Bytes(s.ed25519.begin(), s.ed25519.end()); }

Bytes ed25519_sign(const Secret& s, BytesView message) {
  Bytes sig(crypto_sign_BYTES);
  static const unsigned char empty = 0;
  const unsigned char* m = message.empty() ? &empty : message.data();
  crypto_sign_detached(sig.data(), nullptr, m, message.size(), s.ed25519.data());
  return sig;
}

}  // namespace lp2p::crypto::detail
