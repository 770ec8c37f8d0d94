#include "lp2p/codec/noise/x25519.hpp"

#include "codec/noise/x25519_base.hpp"

#include <openssl/bn.h>
#include <sodium.h>

#include <memory>
#include <new>

namespace lp2p::noise {
namespace {
void ensure_sodium() {
  // sodium_init is idempotent and thread-safe; it returns -1 only when the library cannot work at all.
  static const bool ok = sodium_init() >= 0;
  if (!ok) throw std::bad_alloc();
}

struct BnFree {
  void operator()(BIGNUM* b) const noexcept { BN_free(b); }
};
struct BnCtxFree {
  void operator()(BN_CTX* c) const noexcept { BN_CTX_free(c); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

/// The field arithmetic of the birational map, one set per thread so that a key generation allocates
/// nothing after the first on its thread. Variable time on purpose: it only ever sees the public key.
struct MapState {
  std::unique_ptr<BN_CTX, BnCtxFree> ctx{BN_CTX_new()};
  Bn p{BN_new()}, y{BN_new()}, num{BN_new()}, den{BN_new()}, u{BN_new()};
  bool ok = false;
  MapState() {
    // p = 2^255 - 19
    ok = ctx && p && y && num && den && u && BN_set_bit(p.get(), 255) == 1 && BN_sub_word(p.get(), 19) == 1;
  }
};
}  // namespace

namespace detail {
bool x25519_base_via_edwards(DhKey& out, const DhKey& secret) {
  // X25519's base point u = 9 is the image of the Ed25519 base point B under the birational map of
  // RFC 7748 section 4.1, and crypto_scalarmult_ed25519_base clamps exactly like X25519 (bits 0..2 and
  // 255 cleared, bit 254 set), so clamp(secret)·B maps to X25519(secret, 9). libsodium's sandy2x X25519
  // runs a full Montgomery ladder for the base point too (as costly as a DH), whereas the Edwards
  // fixed-base multiplication uses precomputed tables; both are constant time in the secret.
  // libsodium 1.0.18 returns -1 for an all-zero scalar or an identity result.
  std::uint8_t a[crypto_scalarmult_ed25519_BYTES];
  if (crypto_scalarmult_ed25519_base(a, secret.data()) != 0) return false;
  a[31] &= 0x7f;  // the sign of x; the map needs only y

  thread_local MapState s;
  if (!s.ok) return false;
  BN_CTX* ctx = s.ctx.get();
  BIGNUM *p = s.p.get(), *y = s.y.get(), *num = s.num.get(), *den = s.den.get(), *u = s.u.get();
  // u = (1 + y) / (1 - y) mod p. libsodium encodes y canonically (y < p); y = 1 would divide by zero.
  if (!BN_lebin2bn(a, sizeof a, y) || BN_cmp(y, p) >= 0 || BN_is_one(y)) return false;
  if (!BN_copy(num, y) || !BN_add_word(num, 1)) return false;                      // 1 + y, at most p
  if (!BN_sub(den, p, y) || !BN_add_word(den, 1)) return false;                    // 1 - y + p, in (1, p)
  if (!BN_mod_inverse(den, den, p, ctx) || !BN_mod_mul(u, num, den, p, ctx)) return false;
  return BN_bn2lebinpad(u, out.data(), static_cast<int>(out.size())) == static_cast<int>(out.size());
}
}  // namespace detail

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
  // The secret is kept unclamped, as before: crypto_scalarmult clamps it again in dh().
  if (!detail::x25519_base_via_edwards(kp.public_key, kp.secret))
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
