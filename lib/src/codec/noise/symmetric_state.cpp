#include "lp2p/codec/noise/symmetric_state.hpp"

#include <sodium.h>

#include <cstring>

namespace lp2p::noise {
namespace {

Hash hmac(BytesView key, BytesView a, BytesView b = {}) {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key.data(), key.size());
  crypto_auth_hmacsha256_update(&st, a.data(), a.size());
  if (!b.empty()) crypto_auth_hmacsha256_update(&st, b.data(), b.size());
  Hash out;
  crypto_auth_hmacsha256_final(&st, out.data());
  sodium_memzero(&st, sizeof st);
  return out;
}

}  // namespace

Hash sha256(BytesView data) {
  Hash out;
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

std::pair<Hash, Hash> hkdf2(const Hash& chaining_key, BytesView ikm) {
  auto all = hkdf3(chaining_key, ikm);
  sodium_memzero(all[2].data(), all[2].size());
  return {all[0], all[1]};
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
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, h_.data(), h_.size());
  crypto_hash_sha256_update(&st, data.data(), data.size());
  crypto_hash_sha256_final(&st, h_.data());
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
