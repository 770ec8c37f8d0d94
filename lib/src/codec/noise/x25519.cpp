#include "lp2p/codec/noise/x25519.hpp"

#include <sodium.h>

#include <new>

namespace lp2p::noise {
namespace {
void ensure_sodium() {
  // sodium_init is idempotent and thread-safe; it returns -1 only when the library cannot work at all.
  static const bool ok = sodium_init() >= 0;
  if (!ok) throw std::bad_alloc();
}
}  // namespace

X25519Keypair X25519Keypair::generate() {
  ensure_sodium();
  DhKey secret;
  randombytes_buf(secret.data(), secret.size());
  auto kp = from_secret(secret);
  sodium_memzero(secret.data(), secret.size());
  return kp;
}

X25519Keypair X25519Keypair::from_secret(const DhKey& secret) {
  ensure_sodium();
  X25519Keypair kp;
  kp.secret = secret;
  crypto_scalarmult_base(kp.public_key.data(), kp.secret.data());
  return kp;
}

result<DhKey> dh(const X25519Keypair& kp, const DhKey& public_key) {
  ensure_sodium();
  DhKey out;
  // libsodium returns -1 when the shared secret is all zeros (a low-order peer point).
  if (crypto_scalarmult(out.data(), kp.secret.data(), public_key.data()) != 0) return error::invalid_dh_public_key;
  return out;
}

}  // namespace lp2p::noise
