#include "lp2p/codec/noise/symmetric_state.hpp"

#include "codec/noise/sha256.hpp"

#include <openssl/crypto.h>

#include <sodium.h>

#include <cstring>
#include <memory>
#include <new>

namespace lp2p::noise {
namespace {

using detail::Sha256;

/// HMAC-SHA256 (RFC 2104) of a || b, for keys of at most one block (Noise's keys are HASHLEN = 32).
Hash hmac(const Hash& key, BytesView a, BytesView b = {}) {
  static_assert(hash_size <= 64);
  std::uint8_t pad[64];
  for (std::size_t i = 0; i < 64; ++i) pad[i] = static_cast<std::uint8_t>((i < key.size() ? key[i] : 0) ^ 0x36);
  Hash inner;
  {
    Sha256 h;
    h.update(BytesView(pad, 64));
    h.update(a);
    h.update(b);
    h.final(inner.data());
  }
  for (auto& x : pad) x ^= 0x36 ^ 0x5c;
  Hash out;
  {
    Sha256 h;
    h.update(BytesView(pad, 64));
    h.update(inner);
    h.final(out.data());
  }
  OPENSSL_cleanse(pad, sizeof pad);
  OPENSSL_cleanse(inner.data(), inner.size());
  return out;
}

}  // namespace

Hash sha256(BytesView data) {
  Hash out;
  Sha256 h;
  h.update(data);
  h.final(out.data());
  return out;
}

std::pair<Hash, Hash> hkdf2(const Hash& chaining_key, BytesView ikm) {
  // Noise 4.3 with two outputs: the third HMAC of hkdf3 is not computed at all.
  Hash temp = hmac(chaining_key, ikm);
  const std::uint8_t one = 1, two = 2;
  std::pair<Hash, Hash> out;
  out.first = hmac(temp, BytesView(&one, 1));
  out.second = hmac(temp, out.first, BytesView(&two, 1));
  sodium_memzero(temp.data(), temp.size());
  return out;
}

std::array<Hash, 3> hkdf3(const Hash& chaining_key, BytesView ikm) {
  // Noise 4.3: temp_key = HMAC(ck, ikm); out_i = HMAC(temp_key, out_{i-1} || byte(i)).
  Hash temp = hmac(chaining_key, ikm);
  const std::uint8_t one = 1, two = 2, three = 3;
  std::array<Hash, 3> out;
  out[0] = hmac(temp, BytesView(&one, 1));
  out[1] = hmac(temp, out[0], BytesView(&two, 1));
  out[2] = hmac(temp, out[1], BytesView(&three, 1));
  sodium_memzero(temp.data(), temp.size());
  return out;
}

SymmetricState::SymmetricState(std::string_view name) {
  // Noise 5.2 InitializeSymmetric: h = name padded with zeros if it fits HASHLEN, else HASH(name).
  if (name.size() <= hash_size) {
    std::memcpy(h_.data(), name.data(), name.size());
  } else {
    h_ = sha256(as_bytes(name));
  }
  ck_ = h_;
}

SymmetricState::~SymmetricState() { sodium_memzero(ck_.data(), ck_.size()); }

void SymmetricState::mix_key(BytesView ikm) {
  auto [ck, temp_k] = hkdf2(ck_, ikm);
  ck_ = ck;
  cs_.initialize_key(temp_k);  // HASHLEN is 32 = key size: no truncation needed
  sodium_memzero(temp_k.data(), temp_k.size());
}

void SymmetricState::mix_hash(BytesView data) {
  Sha256 h;
  h.update(h_);
  h.update(data);
  h.final(h_.data());
}

result<void> SymmetricState::encrypt_and_hash(BytesView plaintext, Bytes& out) {
  const std::size_t at = out.size();
  if (auto r = cs_.encrypt_with_ad(h_, plaintext, out); !r) return r;
  mix_hash(BytesView(out).subspan(at));
  return {};
}

result<void> SymmetricState::decrypt_and_hash(BytesView ciphertext, Bytes& out) {
  if (auto r = cs_.decrypt_with_ad(h_, ciphertext, out); !r) return r;
  mix_hash(ciphertext);
  return {};
}

std::pair<CipherState, CipherState> SymmetricState::split() const {
  auto [k1, k2] = hkdf2(ck_, {});
  std::pair<CipherState, CipherState> r{CipherState(k1), CipherState(k2)};
  sodium_memzero(k1.data(), k1.size());
  sodium_memzero(k2.data(), k2.size());
  return r;
}

}  // namespace lp2p::noise
