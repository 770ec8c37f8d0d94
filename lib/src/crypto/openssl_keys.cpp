// Secp256k1, ECDSA (NIST curves) and RSA keys via OpenSSL 3 (EVP, OSSL_PARAM, EC_POINT; no deprecated
// EC_KEY/RSA APIs). Encodings: https://github.com/libp2p/specs/blob/master/peer-ids/peer-ids.md#key-types
//
// Every failure caused by input bytes returns a crypto::error and clears OpenSSL's thread-local error
// queue, so that garbage from a peer leaves no state behind. std::runtime_error is thrown only for
// failures no input can cause (allocation, a missing built-in algorithm).
#include "crypto/backend.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <algorithm>
#include <stdexcept>
#include <string_view>

namespace lp2p::crypto::detail {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { F(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using Group = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP, EC_GROUP_free>>;
using Point = std::unique_ptr<EC_POINT, Deleter<EC_POINT, EC_POINT_clear_free>>;
using Bn = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_clear_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;

constexpr const char* secp256k1_name = "secp256k1";

[[noreturn]] void internal_failure(const char* what) {
  ERR_clear_error();
  throw std::runtime_error(std::string("lp2p crypto: OpenSSL failed: ") + what);
}

/// Returns `e` after dropping whatever OpenSSL queued while rejecting the input.
error_code rejected(error e) {
  ERR_clear_error();
  return e;
}

template <class I2d>
Bytes der(I2d i2d) {
  const int n = i2d(nullptr);
  if (n <= 0) internal_failure("DER length");
  Bytes out(static_cast<std::size_t>(n));
  unsigned char* p = out.data();
  if (i2d(&p) != n) internal_failure("DER encoding");
  return out;
}

Group secp256k1_group() {
  Group g(EC_GROUP_new_by_curve_name_ex(nullptr, nullptr, NID_secp256k1));
  if (!g) internal_failure("secp256k1 group");
  return g;
}

/// An EC EVP_PKEY from a group name, an encoded public point and (optionally) the private scalar.
Pkey ec_from_params(const char* group, BytesView pub, const BIGNUM* priv) {
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size()) ||
      (priv && !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv)))
    internal_failure("OSSL_PARAM_BLD");
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) internal_failure("EC fromdata");
  EVP_PKEY* k = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &k, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return Pkey(k);
}

// ---- Secp256k1: 33-byte compressed point / 32-byte scalar ----

result<Bytes> secp256k1_public(BytesView raw) {
  // Compressed (02/03 || x) is the libp2p form; uncompressed (04 || x || y) is accepted as go and
  // rust's k256 do. Hybrid (06/07) and the 1-byte infinity encoding are refused.
  const bool shape_ok = (raw.size() == 33 && (raw[0] == 0x02 || raw[0] == 0x03)) ||
                        (raw.size() == 65 && raw[0] == 0x04);
  if (!shape_ok) return error::malformed_key;
  auto g = secp256k1_group();
  Point pt(EC_POINT_new(g.get()));
  if (!pt) internal_failure("EC_POINT_new");
  // oct2point checks that the point is on the curve.
  if (EC_POINT_oct2point(g.get(), pt.get(), raw.data(), raw.size(), nullptr) != 1 ||
      EC_POINT_is_at_infinity(g.get(), pt.get()))
    return rejected(error::malformed_key);
  Bytes out(33);
  if (EC_POINT_point2oct(g.get(), pt.get(), POINT_CONVERSION_COMPRESSED, out.data(), out.size(), nullptr) !=
      out.size())
    internal_failure("point2oct");
  return out;
}

result<PrivateParts> secp256k1_private(BytesView raw) {
  if (raw.size() != 32) return error::malformed_key;
  auto g = secp256k1_group();
  Bn d(BN_secure_new());
  if (!d || !BN_bin2bn(raw.data(), 32, d.get())) internal_failure("BN_bin2bn");
  BN_set_flags(d.get(), BN_FLG_CONSTTIME);
  // A secret key is a scalar in [1, n-1] (libsecp256k1 and k256 reject the rest; go reduces mod n).
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(g.get())) >= 0) return error::malformed_key;
  Point pub(EC_POINT_new(g.get()));
  if (!pub || EC_POINT_mul(g.get(), pub.get(), d.get(), nullptr, nullptr, nullptr) != 1)
    internal_failure("EC_POINT_mul");
  Bytes pub_bytes(33);
  if (EC_POINT_point2oct(g.get(), pub.get(), POINT_CONVERSION_COMPRESSED, pub_bytes.data(), 33, nullptr) != 33)
    internal_failure("point2oct");
  auto k = ec_from_params(secp256k1_name, pub_bytes, d.get());
  if (!k) internal_failure("secp256k1 fromdata");
  auto s = std::make_shared<Secret>();
  s->type = KeyType::secp256k1;
  s->pkey = k.release();
  return PrivateParts{std::move(s), std::move(pub_bytes)};
}

/// Rewrites a DER ECDSA signature to the low-S form (s <= n/2) that BIP 62 and rust's k256 require.
Bytes secp256k1_low_s(Bytes sig) {
  const unsigned char* p = sig.data();
  EcdsaSig parsed(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())));
  if (!parsed) internal_failure("d2i_ECDSA_SIG of our own signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(parsed.get(), &r, &s);
  auto g = secp256k1_group();
  const BIGNUM* n = EC_GROUP_get0_order(g.get());
  Bn half(BN_new());
  if (!half || !BN_rshift1(half.get(), n)) internal_failure("BN_rshift1");
  if (BN_cmp(s, half.get()) <= 0) return sig;
  Bn new_s(BN_new());
  Bn new_r(BN_dup(r));
  if (!new_s || !new_r || !BN_sub(new_s.get(), n, s)) internal_failure("BN_sub");
  if (ECDSA_SIG_set0(parsed.get(), new_r.release(), new_s.release()) != 1) internal_failure("ECDSA_SIG_set0");
  return der([&](unsigned char** out) { return i2d_ECDSA_SIG(parsed.get(), out); });
}

// ---- ECDSA: DER SubjectPublicKeyInfo / SEC1 ECPrivateKey ----

result<void> check_nist_curve(EVP_PKEY* k) {
  char name[64] = {};
  std::size_t len = 0;
  // Fails for keys with explicit curve parameters, which lp2p refuses as go's x509 parser does.
  if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) != 1)
    return rejected(error::unsupported_curve);
  const std::string_view n(name, len);
  if (n != "prime256v1" && n != "secp384r1" && n != "secp521r1") return error::unsupported_curve;
  return {};
}

/// Canonical SPKI DER of an EC key: uncompressed point, named curve (what rust's p256 and go emit).
Bytes ecdsa_spki(EVP_PKEY* k) {
  if (EVP_PKEY_set_utf8_string_param(k, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                     OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) != 1)
    internal_failure("point format");
  return der([&](unsigned char** out) { return i2d_PUBKEY(k, out); });
}

result<Pkey> parse_spki(BytesView raw, const char* key_type) {
  if (raw.empty()) return error::malformed_key;
  const unsigned char* p = raw.data();
  Pkey k(d2i_PUBKEY(nullptr, &p, static_cast<long>(raw.size())));
  if (!k || p != raw.data() + raw.size() || !EVP_PKEY_is_a(k.get(), key_type))
    return rejected(error::malformed_key);
  return k;
}

result<Bytes> ecdsa_public(BytesView raw) {
  auto k = parse_spki(raw, "EC");
  if (!k) return k.error();
  if (auto c = check_nist_curve(k->get()); !c) return c.error();
  // d2i checks the point is on the curve; public_check also refuses the point at infinity.
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, k->get(), nullptr));
  if (!ctx) internal_failure("EVP_PKEY_CTX_new_from_pkey");
  if (EVP_PKEY_public_check(ctx.get()) != 1) return rejected(error::malformed_key);
  return ecdsa_spki(k->get());
}

result<Pkey> parse_private_der(BytesView raw, int evp_type, const char* key_type) {
  if (raw.empty()) return error::malformed_key;
  const unsigned char* p = raw.data();
  Pkey k(d2i_PrivateKey_ex(evp_type, nullptr, &p, static_cast<long>(raw.size()), nullptr, nullptr));
  if (!k || p != raw.data() + raw.size() || !EVP_PKEY_is_a(k.get(), key_type))
    return rejected(error::malformed_key);
  return k;
}

result<PrivateParts> ecdsa_private(BytesView raw) {
  auto k = parse_private_der(raw, EVP_PKEY_EC, "EC");
  if (!k) return k.error();
  if (auto c = check_nist_curve(k->get()); !c) return c.error();
  // SEC1 may carry the public key; it must be the one the scalar gives.
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, k->get(), nullptr));
  if (!ctx) internal_failure("EVP_PKEY_CTX_new_from_pkey");
  if (EVP_PKEY_pairwise_check(ctx.get()) != 1) return rejected(error::key_mismatch);
  auto pub = ecdsa_spki(k->get());
  auto s = std::make_shared<Secret>();
  s->type = KeyType::ecdsa;
  s->pkey = k->release();
  return PrivateParts{std::move(s), std::move(pub)};
}

// ---- RSA: DER SubjectPublicKeyInfo / PKCS#1 RSAPrivateKey ----

result<void> check_rsa_bits(EVP_PKEY* k) {
  const int bits = EVP_PKEY_get_bits(k);
  if (bits < static_cast<int>(rsa_min_bits) || bits > static_cast<int>(rsa_max_bits)) return error::rsa_key_size;
  return {};
}

result<Bytes> rsa_public(BytesView raw) {
  // "RSA" excludes RSASSA-PSS SubjectPublicKeyInfos, which libp2p does not use.
  auto k = parse_spki(raw, "RSA");
  if (!k) return k.error();
  if (auto c = check_rsa_bits(k->get()); !c) return c.error();
  return der([&](unsigned char** out) { return i2d_PUBKEY(k->get(), out); });
}

/// Pairwise consistency test (what FIPS 140 asks of a key it loads): a signature made with the private
/// values must verify under the public ones. OpenSSL's full check (EVP_PKEY_pairwise_check) would also
/// run primality tests, slow for 4096-bit keys; this costs one signature and catches what matters, a key
/// that signs garbage (e.g. a corrupt d and CRT values: OpenSSL then falls back from CRT to d, and the
/// signature does not verify, so every peer would reject our handshakes).
bool rsa_signs_consistently(EVP_PKEY* k) {
  static constexpr unsigned char msg[] = "lp2p RSA pairwise consistency test";
  MdCtx sign(EVP_MD_CTX_new());
  MdCtx verify(EVP_MD_CTX_new());
  if (!sign || !verify) internal_failure("EVP_MD_CTX_new");
  auto len = static_cast<std::size_t>(EVP_PKEY_get_size(k));
  Bytes sig(len);
  // Init and sign fail for a key whose values OpenSSL cannot use at all: that is bad input, not a bug.
  return EVP_DigestSignInit_ex(sign.get(), nullptr, "SHA256", nullptr, nullptr, k, nullptr) == 1 &&
         EVP_DigestSign(sign.get(), sig.data(), &len, msg, sizeof msg - 1) == 1 &&
         EVP_DigestVerifyInit_ex(verify.get(), nullptr, "SHA256", nullptr, nullptr, k, nullptr) == 1 &&
         EVP_DigestVerify(verify.get(), sig.data(), len, msg, sizeof msg - 1) == 1;
}

result<PrivateParts> rsa_private(BytesView raw) {
  auto k = parse_private_der(raw, EVP_PKEY_RSA, "RSA");
  if (!k) return k.error();
  if (auto c = check_rsa_bits(k->get()); !c) return c.error();
  if (!rsa_signs_consistently(k->get())) return rejected(error::key_mismatch);
  auto pub = der([&](unsigned char** out) { return i2d_PUBKEY(k->get(), out); });
  auto s = std::make_shared<Secret>();
  s->type = KeyType::rsa;
  s->pkey = k->release();
  return PrivateParts{std::move(s), std::move(pub)};
}

/// The EVP_PKEY for a canonical public encoding (as produced by openssl_public).
result<Pkey> load_public(KeyType type, const Bytes& data) {
  if (type == KeyType::secp256k1) {
    auto k = ec_from_params(secp256k1_name, data, nullptr);
    if (!k) return error::malformed_key;
    return k;
  }
  return parse_spki(data, type == KeyType::rsa ? "RSA" : "EC");
}

/// Strict DER: the ECDSA signature must parse completely and re-encode to the same bytes.
bool is_strict_der_ecdsa_sig(BytesView sig) {
  if (sig.empty()) return false;
  const unsigned char* p = sig.data();
  EcdsaSig parsed(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())));
  if (!parsed || p != sig.data() + sig.size()) return false;
  Bytes again = der([&](unsigned char** out) { return i2d_ECDSA_SIG(parsed.get(), out); });
  return std::equal(again.begin(), again.end(), sig.begin(), sig.end());
}

}  // namespace

void openssl_free(EVP_PKEY* pkey) noexcept { EVP_PKEY_free(pkey); }

result<Bytes> openssl_public(KeyType type, BytesView raw) {
  switch (type) {
    case KeyType::secp256k1: return secp256k1_public(raw);
    case KeyType::ecdsa: return ecdsa_public(raw);
    case KeyType::rsa: return rsa_public(raw);
    case KeyType::ed25519: break;
  }
  return error::unknown_key_type;
}

result<void> openssl_check(KeyType type, const Bytes& public_data, BytesView message, BytesView signature) {
  auto k = load_public(type, public_data);
  if (!k) return k.error();
  if (type == KeyType::rsa) {
    // RSASSA-PKCS1-v1_5 signatures are exactly the modulus length (RFC 8017 §8.2.2 step 1; go and ring).
    if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(k->get())))
      return error::malformed_signature;
  } else if (!is_strict_der_ecdsa_sig(signature)) {
    return rejected(error::malformed_signature);
  }
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, k->get(), nullptr) != 1)
    internal_failure("EVP_DigestVerifyInit_ex");
  static const unsigned char empty = 0;
  const unsigned char* m = message.empty() ? &empty : message.data();
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), m, message.size()) != 1)
    return rejected(error::invalid_signature);
  return {};
}

result<PrivateParts> openssl_decode_private(KeyType type, BytesView data) {
  switch (type) {
    case KeyType::secp256k1: return secp256k1_private(data);
    case KeyType::ecdsa: return ecdsa_private(data);
    case KeyType::rsa: return rsa_private(data);
    case KeyType::ed25519: break;
  }
  return error::unknown_key_type;
}

PrivateParts openssl_generate(KeyType type, int rsa_bits) {
  if (type == KeyType::secp256k1) {
    // Uniform over [1, n-1] by rejection sampling (n is within 2^-127 of 2^256, so this rarely loops).
    for (;;) {
      std::array<std::uint8_t, 32> raw{};
      if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) internal_failure("RAND_bytes");
      auto parts = secp256k1_private(raw);
      OPENSSL_cleanse(raw.data(), raw.size());
      if (parts) return std::move(*parts);
    }
  }
  Pkey k;
  if (type == KeyType::ecdsa) {
    k.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  } else if (type == KeyType::rsa) {
    k.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(rsa_bits)));
  }
  if (!k) internal_failure("key generation");
  auto s = std::make_shared<Secret>();
  s->type = type;
  Bytes pub = type == KeyType::ecdsa ? ecdsa_spki(k.get())
                                     : der([&](unsigned char** out) { return i2d_PUBKEY(k.get(), out); });
  s->pkey = k.release();
  return {std::move(s), std::move(pub)};
}

Bytes openssl_encode_private(const Secret& s) {
  if (s.type == KeyType::secp256k1) {
    BIGNUM* raw_d = nullptr;
    if (EVP_PKEY_get_bn_param(s.pkey, OSSL_PKEY_PARAM_PRIV_KEY, &raw_d) != 1) internal_failure("get priv");
    Bn d(raw_d);
    Bytes out(32);
    if (BN_bn2binpad(d.get(), out.data(), 32) != 32) internal_failure("BN_bn2binpad");
    return out;
  }
  // i2d_PrivateKey writes the type-specific structure: PKCS#1 for RSA, SEC1 (with the named curve and
  // the public key, like go's x509.MarshalECPrivateKey) for EC.
  return der([&](unsigned char** out) { return i2d_PrivateKey(s.pkey, out); });
}

Bytes openssl_sign(const Secret& s, BytesView message) {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, s.pkey, nullptr) != 1)
    internal_failure("EVP_DigestSignInit_ex");
  std::size_t len = static_cast<std::size_t>(EVP_PKEY_get_size(s.pkey));
  Bytes sig(len);
  static const unsigned char empty = 0;
  const unsigned char* m = message.empty() ? &empty : message.data();
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, m, message.size()) != 1) internal_failure("EVP_DigestSign");
  sig.resize(len);
  if (s.type == KeyType::secp256k1) return secp256k1_low_s(std::move(sig));
  return sig;
}

}  // namespace lp2p::crypto::detail
