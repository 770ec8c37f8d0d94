#include "lp2p/codec/noise/symmetric_state.hpp"

#include "codec/noise/sha256.hpp"

#include <sodium.h>

#include <cstring>

namespace lp2p::noise {

using detail::HmacSha256;
using detail::Sha256;

Hash sha256(BytesView data) {
  Hash out;
  Sha256 h;
  h.update(data);
  h.final(out.data());
  return out;
}

std::pair<Hash, Hash> hkdf2(const Hash& chaining_key, BytesView ikm) {
  // Noise 4.3 with two outputs: the third HMAC of hkdf3 is not computed at all. temp_key's padded blocks
  // are compressed once for both outputs.
  Hash temp;
  HmacSha256(chaining_key).mac(ikm, {}, temp.data());
  const HmacSha256 t(temp);
  sodium_memzero(temp.data(), temp.size());
  const std::uint8_t one = 1, two = 2;
  std::pair<Hash, Hash> out;
  t.mac(BytesView(&one, 1), {}, out.first.data());
  t.mac(out.first, BytesView(&two, 1), out.second.data());
  return out;
}

std::array<Hash, 3> hkdf3(const Hash& chaining_key, BytesView ikm) {
  // Noise 4.3: temp_key = HMAC(ck, ikm); out_i = HMAC(temp_key, out_{i-1} || byte(i)).
  Hash temp;
  HmacSha256(chaining_key).mac(ikm, {}, temp.data());
  const HmacSha256 t(temp);
  sodium_memzero(temp.data(), temp.size());
  const std::uint8_t one = 1, two = 2, three = 3;
  std::array<Hash, 3> out;
  t.mac(BytesView(&one, 1), {}, out[0].data());
  t.mac(out[0], BytesView(&two, 1), out[1].data());
  t.mac(out[1], BytesView(&three, 1), out[2].data());
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

std::pair<CipherState, CipherState> SymmetricState::split() {
  auto [k1, k2] = hkdf2(ck_, {});
  // c1 takes over the handshake CipherState's cipher context (re-keyed, nonce 0): one context allocation
  // fewer per handshake side. The handshake CipherState is never used after Split (Noise 5.2).
  std::pair<CipherState, CipherState> r{std::move(cs_), CipherState(k2)};
  r.first.initialize_key(k1);
  sodium_memzero(k1.data(), k1.size());
  sodium_memzero(k2.data(), k2.size());
  return r;
}

}  // namespace lp2p::noise
