#include "lp2p/codec/noise/x25519.hpp"

#include "codec/noise/x25519_base.hpp"

#include <sodium.h>

#include <new>

namespace lp2p::noise {
namespace {
void ensure_sodium() {
  // sodium_init is idempotent and thread-safe; it returns -1 only when the library cannot work at all.
  static const bool ok = sodium_init() >= 0;
  if (!ok) throw std::bad_alloc();
}

// ---- arithmetic mod p = 2^255 - 19, for the map from Edwards y to Montgomery u only -------------------
// It only ever sees the public key, so it need not be constant time (its checks and final reduction
// branch). OpenSSL's BN_mod_inverse takes ~12 us here, as much as the scalar
// multiplication saves; these five 51-bit limbs (value = sum l[i] 2^(51 i)) take a few us.
__extension__ typedef unsigned __int128 u128;  // GCC/Clang on 64-bit targets
constexpr std::uint64_t mask51 = (std::uint64_t{1} << 51) - 1;
struct Fe {
  std::uint64_t l[5];
};

// Product limbs r[0..4] to limbs below 2^52: each limb keeps 51 bits, the carry out of the top limb comes
// back into l[0] times 19 (2^255 = 19 mod p). With input limbs below 2^52, fe_mul and fe_sq give r[k]
// below 2^111 and r[4] (no factor 19) below 2^107, so no carry or 19 * carry overflows 64 bits.
Fe fe_carry(const u128 r[5]) {
  Fe out;
  std::uint64_t carry = 0;
  for (int k = 0; k < 5; ++k) {
    const u128 t = r[k] + carry;
    out.l[k] = static_cast<std::uint64_t>(t) & mask51;
    carry = static_cast<std::uint64_t>(t >> 51);
  }
  out.l[0] += 19 * carry;
  out.l[1] += out.l[0] >> 51;
  out.l[0] &= mask51;
  return out;
}

u128 m(std::uint64_t a, std::uint64_t b) { return static_cast<u128>(a) * b; }

// Inputs with limbs below 2^52. Schoolbook, with a_i b_j for i + j >= 5 folded down as 19 a_i b_j.
Fe fe_mul(const Fe& x, const Fe& y) {
  const std::uint64_t *a = x.l, *b = y.l;
  const std::uint64_t b1 = 19 * b[1], b2 = 19 * b[2], b3 = 19 * b[3], b4 = 19 * b[4];
  const u128 r[5] = {m(a[0], b[0]) + m(a[1], b4) + m(a[2], b3) + m(a[3], b2) + m(a[4], b1),
                     m(a[0], b[1]) + m(a[1], b[0]) + m(a[2], b4) + m(a[3], b3) + m(a[4], b2),
                     m(a[0], b[2]) + m(a[1], b[1]) + m(a[2], b[0]) + m(a[3], b4) + m(a[4], b3),
                     m(a[0], b[3]) + m(a[1], b[2]) + m(a[2], b[1]) + m(a[3], b[0]) + m(a[4], b4),
                     m(a[0], b[4]) + m(a[1], b[3]) + m(a[2], b[2]) + m(a[3], b[1]) + m(a[4], b[0])};
  return fe_carry(r);
}

// fe_mul(x, x) with the symmetric products computed once.
Fe fe_sq(const Fe& x) {
  const std::uint64_t* a = x.l;
  const std::uint64_t d0 = 2 * a[0], d1 = 2 * a[1], d2 = 2 * a[2], d3 = 2 * a[3];
  const std::uint64_t a3_19 = 19 * a[3], a4_19 = 19 * a[4];
  const u128 r[5] = {m(a[0], a[0]) + m(d1, a4_19) + m(d2, a3_19), m(d0, a[1]) + m(d2, a4_19) + m(a[3], a3_19),
                     m(d0, a[2]) + m(a[1], a[1]) + m(d3, a4_19), m(d0, a[3]) + m(d1, a[2]) + m(a[4], a4_19),
                     m(d0, a[4]) + m(d1, a[3]) + m(a[2], a[2])};
  return fe_carry(r);
}

Fe fe_sq_n(Fe a, int n) {
  while (n-- > 0) a = fe_sq(a);
  return a;
}

// z^(p - 2) = 1/z (Fermat), p - 2 = 2^255 - 21, by the usual chain of 254 squarings and 11 products.
Fe fe_invert(const Fe& z) {
  const Fe z2 = fe_sq(z);
  const Fe z9 = fe_mul(fe_sq_n(z2, 2), z);
  const Fe z11 = fe_mul(z9, z2);
  const Fe e5 = fe_mul(fe_sq(z11), z9);  // e_k = z^(2^k - 1)
  const Fe e10 = fe_mul(fe_sq_n(e5, 5), e5);
  const Fe e20 = fe_mul(fe_sq_n(e10, 10), e10);
  const Fe e40 = fe_mul(fe_sq_n(e20, 20), e20);
  const Fe e50 = fe_mul(fe_sq_n(e40, 10), e10);
  const Fe e100 = fe_mul(fe_sq_n(e50, 50), e50);
  const Fe e200 = fe_mul(fe_sq_n(e100, 100), e100);
  const Fe e250 = fe_mul(fe_sq_n(e200, 50), e50);
  return fe_mul(fe_sq_n(e250, 5), z11);  // z^(2^255 - 32 + 11)
}

void load_words(std::uint64_t w[4], const std::uint8_t* b) {
  for (int i = 0; i < 4; ++i) {
    w[i] = 0;
    for (int j = 7; j >= 0; --j) w[i] = (w[i] << 8) | b[8 * i + j];
  }
}

// The inverse of load_words: four little-endian 64-bit words into 32 bytes.
void store_words(std::uint8_t* b, const std::uint64_t w[4]) {
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 8; ++j) b[8 * i + j] = static_cast<std::uint8_t>(w[i] >> (8 * j));
}

Fe fe_from_words(const std::uint64_t w[4]) {
  return Fe{{w[0] & mask51, ((w[0] >> 51) | (w[1] << 13)) & mask51, ((w[1] >> 38) | (w[2] << 26)) & mask51,
             ((w[2] >> 25) | (w[3] << 39)) & mask51, (w[3] >> 12) & mask51}};
}

// Any 256-bit value (bit 255 included, as 2^255 = 19 mod p), for the test entry points.
Fe fe_from_words_full(const std::uint64_t w[4]) {
  std::uint64_t low[4] = {w[0], w[1], w[2], w[3] & ~(std::uint64_t{1} << 63)};
  Fe a = fe_from_words(low);
  a.l[0] += 19 * (w[3] >> 63);
  return a;
}

// The value reduced below p, as four little-endian 64-bit words.
void fe_to_words(std::uint64_t w[4], Fe a) {
  for (int pass = 0; pass < 2; ++pass) {  // limbs below 2^51: value < 2^255
    for (int k = 0; k < 4; ++k) {
      a.l[k + 1] += a.l[k] >> 51;
      a.l[k] &= mask51;
    }
    a.l[0] += 19 * (a.l[4] >> 51);
    a.l[4] &= mask51;
  }
  // value >= p exactly when value + 19 >= 2^255; then value - p = value + 19 - 2^255.
  Fe t = a;
  t.l[0] += 19;
  for (int k = 0; k < 4; ++k) {
    t.l[k + 1] += t.l[k] >> 51;
    t.l[k] &= mask51;
  }
  if (t.l[4] >> 51) {
    t.l[4] &= mask51;
    a = t;
  }
  w[0] = a.l[0] | (a.l[1] << 51);
  w[1] = (a.l[1] >> 13) | (a.l[2] << 38);
  w[2] = (a.l[2] >> 26) | (a.l[3] << 25);
  w[3] = (a.l[3] >> 39) | (a.l[4] << 12);
}

// The canonical encoding (value reduced below p), little-endian.
void fe_to_bytes(std::uint8_t* out, Fe a) {
  std::uint64_t w[4];
  fe_to_words(w, a);
  store_words(out, w);
}

// ---- variable-time inversion: Bernstein-Yang "safegcd" divsteps (https://eprint.iacr.org/2019/266) ----
// 1/z by Fermat costs 254 squarings; the divstep gcd of p and z needs ~500 steps that are mostly shifts
// and adds on one 64-bit word, applied to the full numbers as one 2x2 matrix per 62 steps. Its running time
// depends on z, which is fine for the public key this map is used for. Numbers are five signed 62-bit
// limbs (value = sum l[i] 2^(62 i), l[0..3] in [0, 2^62), l[4] signed): room for |d|, |e| < 13 p.
__extension__ typedef __int128 i128;
constexpr std::uint64_t mask62 = (std::uint64_t{1} << 62) - 1;
struct S62 {
  std::int64_t l[5];
};
constexpr S62 p62{{static_cast<std::int64_t>(mask62 - 18), static_cast<std::int64_t>(mask62),
                   static_cast<std::int64_t>(mask62), static_cast<std::int64_t>(mask62), 127}};
// p^-1 mod 2^64 by Newton's iteration (each step doubles the correct low bits; p is odd).
constexpr std::uint64_t inverse_mod_2_64(std::uint64_t a) {
  std::uint64_t x = a;  // correct to 3 bits for odd a
  for (int i = 0; i < 5; ++i) x *= 2 - a * x;
  return x;
}
constexpr std::uint64_t p_inv64 = inverse_mod_2_64(~std::uint64_t{0} - 18);
static_assert((~std::uint64_t{0} - 18) * p_inv64 == 1);

// The transition matrix of 62 divsteps: [f'; g'] * 2^62 = [u v; q r] [f; g].
struct Matrix {
  std::int64_t u, v, q, r;
};

// 62 divsteps (delta, f, g) -> (1 - delta, g, (g - f) / 2) if delta > 0 and g odd, else
// (1 + delta, f, (g + (g odd) f) / 2), on the low 64 bits of f and g only (each step reads bit 0 of g and
// shifts g down by one, so 64 bits keep enough correct low bits for all 62). Runs of even g are taken
// in one shift. Returns the new delta.
std::int64_t divsteps_62(std::int64_t delta, std::uint64_t f, std::uint64_t g, Matrix& t) {
  // Unsigned for well-defined wrap-around; the entries stay within +-2^62 as signed numbers.
  std::uint64_t u = 1, v = 0, q = 0, r = 1;
  int left = 62;
  for (;;) {
    const int zeros = __builtin_ctzll(g | (~std::uint64_t{0} << left));  // at most `left`
    g >>= zeros;
    u <<= zeros;
    v <<= zeros;
    delta += zeros;
    left -= zeros;
    if (left == 0) break;
    // g is odd.
    if (delta > 0) {
      const std::uint64_t f_old = f, u_old = u, v_old = v;
      f = g;
      g = (g - f_old) >> 1;
      u = q << 1;
      v = r << 1;
      q -= u_old;
      r -= v_old;
      delta = 1 - delta;
    } else {
      g = (g + f) >> 1;
      q += u;
      r += v;
      u <<= 1;
      v <<= 1;
      delta = 1 + delta;
    }
    --left;
  }
  t = Matrix{static_cast<std::int64_t>(u), static_cast<std::int64_t>(v), static_cast<std::int64_t>(q),
             static_cast<std::int64_t>(r)};
  return delta;
}

// [a; b] = (t [a; b] + [ma; mb] p) / 2^62, exact: the caller picks ma, mb so that the low 62 bits cancel.
void apply_matrix(S62& a, S62& b, const Matrix& t, std::int64_t ma, std::int64_t mb) {
  i128 ca = static_cast<i128>(t.u) * a.l[0] + static_cast<i128>(t.v) * b.l[0] + static_cast<i128>(ma) * p62.l[0];
  i128 cb = static_cast<i128>(t.q) * a.l[0] + static_cast<i128>(t.r) * b.l[0] + static_cast<i128>(mb) * p62.l[0];
  ca >>= 62;
  cb >>= 62;
  for (int i = 1; i < 5; ++i) {
    ca += static_cast<i128>(t.u) * a.l[i] + static_cast<i128>(t.v) * b.l[i] + static_cast<i128>(ma) * p62.l[i];
    cb += static_cast<i128>(t.q) * a.l[i] + static_cast<i128>(t.r) * b.l[i] + static_cast<i128>(mb) * p62.l[i];
    a.l[i - 1] = static_cast<std::int64_t>(static_cast<std::uint64_t>(ca) & mask62);
    b.l[i - 1] = static_cast<std::int64_t>(static_cast<std::uint64_t>(cb) & mask62);
    ca >>= 62;
    cb >>= 62;
  }
  a.l[4] = static_cast<std::int64_t>(ca);
  b.l[4] = static_cast<std::int64_t>(cb);
}

// [f; g] = t [f; g] / 2^62 (exact: the divsteps cleared the low 62 bits).
void update_fg(S62& f, S62& g, const Matrix& t) { apply_matrix(f, g, t, 0, 0); }

// [d; e] = (t [d; e] + [md; me] p) / 2^62, with md, me in [0, 2^62) chosen to make the division exact:
// the same matrix keeps f = d z and g = e z (mod p). |d|, |e| grow by less than p per call.
void update_de(S62& d, S62& e, const Matrix& t) {
  const std::uint64_t d0 = static_cast<std::uint64_t>(d.l[0]), e0 = static_cast<std::uint64_t>(e.l[0]);
  const std::uint64_t low_d = static_cast<std::uint64_t>(t.u) * d0 + static_cast<std::uint64_t>(t.v) * e0;
  const std::uint64_t low_e = static_cast<std::uint64_t>(t.q) * d0 + static_cast<std::uint64_t>(t.r) * e0;
  const auto md = static_cast<std::int64_t>((0 - low_d * p_inv64) & mask62);
  const auto me = static_cast<std::int64_t>((0 - low_e * p_inv64) & mask62);
  apply_matrix(d, e, t, md, me);
}

bool s62_is_zero(const S62& a) { return (a.l[0] | a.l[1] | a.l[2] | a.l[3] | a.l[4]) == 0; }

// a += sign * p (sign = +1 or -1), then the limbs normalised again.
void s62_add_p(S62& a, std::int64_t sign) {
  i128 c = 0;
  for (int i = 0; i < 4; ++i) {
    c += static_cast<i128>(a.l[i]) + sign * p62.l[i];
    a.l[i] = static_cast<std::int64_t>(static_cast<std::uint64_t>(c) & mask62);
    c >>= 62;
  }
  a.l[4] = static_cast<std::int64_t>(c + a.l[4] + sign * p62.l[4]);
}

// a >= p, for 0 <= a < 2^310.
bool s62_ge_p(const S62& a) {
  for (int i = 4; i >= 0; --i)
    if (a.l[i] != p62.l[i]) return a.l[i] > p62.l[i];
  return true;
}

// The divstep bound for 255-bit inputs is 738 steps (Bernstein-Yang theorem 11.2), i.e. 12 batches.
constexpr int max_batches = 12;

// 1/z mod p as four little-endian words reduced below p; 0 for z = 0 mod p (as z^(p-2)).
// Returns false only if the step bound were exceeded (it cannot be; the caller then uses Fermat).
bool invert_words_vartime(std::uint64_t out[4], const std::uint64_t z[4]) {
  S62 f = p62;
  S62 g{{static_cast<std::int64_t>(z[0] & mask62), static_cast<std::int64_t>(((z[0] >> 62) | (z[1] << 2)) & mask62),
         static_cast<std::int64_t>(((z[1] >> 60) | (z[2] << 4)) & mask62),
         static_cast<std::int64_t>(((z[2] >> 58) | (z[3] << 6)) & mask62), static_cast<std::int64_t>(z[3] >> 56)}};
  S62 d{{0, 0, 0, 0, 0}}, e{{1, 0, 0, 0, 0}};
  std::int64_t delta = 1;
  int batches = 0;
  while (!s62_is_zero(g)) {
    if (++batches > max_batches) return false;
    Matrix t;
    delta = divsteps_62(delta, static_cast<std::uint64_t>(f.l[0]) | (static_cast<std::uint64_t>(f.l[1]) << 62),
                        static_cast<std::uint64_t>(g.l[0]) | (static_cast<std::uint64_t>(g.l[1]) << 62), t);
    update_fg(f, g, t);
    update_de(d, e, t);
  }
  // Now f = +-gcd(z, p): +-1 when z is invertible, and then 1/z = d f.
  const bool f_is_one = f.l[0] == 1 && (f.l[1] | f.l[2] | f.l[3] | f.l[4]) == 0;
  const bool f_is_minus_one = f.l[0] == static_cast<std::int64_t>(mask62) && f.l[1] == f.l[0] &&
                              f.l[2] == f.l[0] && f.l[3] == f.l[0] && f.l[4] == -1;
  if (!f_is_one && !f_is_minus_one) {
    out[0] = out[1] = out[2] = out[3] = 0;
    return true;
  }
  if (f_is_minus_one) {  // d = -d
    i128 c = 0;
    for (int i = 0; i < 4; ++i) {
      c -= d.l[i];
      d.l[i] = static_cast<std::int64_t>(static_cast<std::uint64_t>(c) & mask62);
      c >>= 62;
    }
    d.l[4] = static_cast<std::int64_t>(c - d.l[4]);
  }
  while (d.l[4] < 0) s62_add_p(d, 1);  // |d| < 13 p: a few rounds at most
  while (s62_ge_p(d)) s62_add_p(d, -1);
  const auto l = [&](int i) { return static_cast<std::uint64_t>(d.l[i]); };
  out[0] = l(0) | (l(1) << 62);
  out[1] = (l(1) >> 2) | (l(2) << 60);
  out[2] = (l(2) >> 4) | (l(3) << 58);
  out[3] = (l(3) >> 6) | (l(4) << 56);
  return true;
}

// 1/z (0 for z = 0), variable time: for public values only.
Fe fe_invert_vartime(const Fe& z) {
  std::uint64_t w[4], inv[4];
  fe_to_words(w, z);
  if (!invert_words_vartime(inv, w)) return fe_invert(z);
  return fe_from_words(inv);
}
}  // namespace

namespace detail {
bool montgomery_u_from_edwards_y(DhKey& out, const DhKey& y_bytes) {
  std::uint64_t w[4];
  load_words(w, y_bytes.data());
  w[3] &= ~(std::uint64_t{1} << 63);  // the sign of x; the map needs only y
  // y >= p = 2^255 - 19 only when the top 250 bits are all ones and the low word is >= 2^64 - 19.
  const bool ge_p = w[3] == (~std::uint64_t{0} >> 1) && w[2] == ~std::uint64_t{0} && w[1] == ~std::uint64_t{0} &&
                    w[0] >= ~std::uint64_t{0} - 18;
  const bool is_one = w[0] == 1 && w[1] == 0 && w[2] == 0 && w[3] == 0;
  if (ge_p || is_one) return false;
  const Fe y = fe_from_words(w);
  Fe num = y, den;
  num.l[0] += 1;  // 1 + y
  // 1 - y + 2p, limb by limb (2p = 2^52 - 38, then 2^52 - 2 four times), so no limb goes negative.
  den.l[0] = (std::uint64_t{1} << 52) - 38 + 1 - y.l[0];
  for (int k = 1; k < 5; ++k) den.l[k] = (std::uint64_t{1} << 52) - 2 - y.l[k];
  fe_to_bytes(out.data(), fe_mul(num, fe_invert_vartime(den)));
  return true;
}

void invert_mod_p_fermat(DhKey& out, const DhKey& z) {
  std::uint64_t w[4];
  load_words(w, z.data());
  fe_to_bytes(out.data(), fe_invert(fe_from_words_full(w)));
}

bool invert_mod_p_vartime(DhKey& out, const DhKey& z) {
  std::uint64_t w[4], inv[4];
  load_words(w, z.data());
  fe_to_words(w, fe_from_words_full(w));
  if (!invert_words_vartime(inv, w)) return false;
  store_words(out.data(), inv);
  return true;
}

bool x25519_base_via_edwards(DhKey& out, const DhKey& secret) {
  // X25519's base point u = 9 is the image of the Ed25519 base point B under the birational map of
  // RFC 7748 section 4.1, and crypto_scalarmult_ed25519_base clamps exactly like X25519 (bits 0..2 and
  // 255 cleared, bit 254 set), so clamp(secret)·B maps to X25519(secret, 9). libsodium's sandy2x X25519
  // runs a full Montgomery ladder for the base point too (as costly as a DH), whereas the Edwards
  // fixed-base multiplication uses precomputed tables; both are constant time in the secret.
  // libsodium 1.0.18 returns -1 for an all-zero scalar or an identity result.
  DhKey a;
  if (crypto_scalarmult_ed25519_base(a.data(), secret.data()) != 0) return false;
  return montgomery_u_from_edwards_y(out, a);
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
