#include "lp2p/codec/noise/cipher_state.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>
#include <new>
#include <utility>

namespace lp2p::noise {
namespace {
// Fetched once: EVP_chacha20_poly1305() would make OpenSSL 3 look the algorithm up again on every
// context initialisation (three per handshake side).
const EVP_CIPHER* chacha20_poly1305() {
  static EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
  if (!c) throw std::bad_alloc();
  return c;
}
}  // namespace

CipherState::CipherState(const Key& k) { initialize_key(k); }

CipherState::~CipherState() {
  if (ctx_) EVP_CIPHER_CTX_free(ctx_);
  OPENSSL_cleanse(k_.data(), k_.size());
}

CipherState::CipherState(CipherState&& o) noexcept
    : ctx_(std::exchange(o.ctx_, nullptr)), k_(o.k_), n_(o.n_), has_key_(std::exchange(o.has_key_, false)) {
  OPENSSL_cleanse(o.k_.data(), o.k_.size());
  o.n_ = 0;
}

CipherState& CipherState::operator=(CipherState&& o) noexcept {
  if (this != &o) {
    std::swap(ctx_, o.ctx_);
    std::swap(k_, o.k_);
    std::swap(n_, o.n_);
    std::swap(has_key_, o.has_key_);
  }
  return *this;
}

void CipherState::initialize_key(const Key& k) {
  if (!ctx_) {
    // Allocated once; every message only re-initialises key and nonce on this context.
    ctx_ = EVP_CIPHER_CTX_new();
    if (!ctx_ || EVP_CipherInit_ex(ctx_, chacha20_poly1305(), nullptr, nullptr, nullptr, 1) != 1)
      throw std::bad_alloc();
  }
  k_ = k;
  n_ = 0;
  has_key_ = true;
}

result<std::size_t> CipherState::run(bool encrypt, BytesView ad, BytesView in, std::span<std::uint8_t> out) {
  // Noise 5.1: nonce 2^64-1 is reserved; the caller must stop using this channel.
  if (n_ == max_nonce) return error::nonce_exhausted;
  const std::size_t len = encrypt ? in.size() : in.size() - tag_size;

  // Noise 12.3 (ChaChaPoly): 32 bits of zeros followed by the little-endian 64-bit counter.
  std::uint8_t nonce[12] = {};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(n_ >> (8 * i));

  int outl = 0;
  if (EVP_CipherInit_ex(ctx_, nullptr, nullptr, k_.data(), nonce, encrypt ? 1 : 0) != 1)
    return error::cipher_failure;
  if (!encrypt) {
    std::uint8_t tag[tag_size];
    std::memcpy(tag, in.data() + len, tag_size);
    if (EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag_size), tag) != 1)
      return error::cipher_failure;
  }
  if (!ad.empty() && EVP_CipherUpdate(ctx_, nullptr, &outl, ad.data(), static_cast<int>(ad.size())) != 1)
    return error::cipher_failure;
  if (len > 0 && EVP_CipherUpdate(ctx_, out.data(), &outl, in.data(), static_cast<int>(len)) != 1)
    return error::cipher_failure;
  int finl = 0;
  if (EVP_CipherFinal_ex(ctx_, out.data() + len, &finl) != 1) {
    if (encrypt) return error::cipher_failure;
    // Never hand out unauthenticated plaintext, even partially.
    OPENSSL_cleanse(out.data(), len);
    return error::decrypt_failed;
  }
  if (encrypt) {
    if (EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tag_size), out.data() + len) != 1)
      return error::cipher_failure;
  }
  ++n_;
  return encrypt ? len + tag_size : len;
}

result<std::size_t> CipherState::encrypt_into(BytesView ad, BytesView plaintext, std::span<std::uint8_t> out) {
  if (plaintext.size() > max_plaintext_size) return error::frame_too_large;
  if (!has_key_) {
    if (out.size() < plaintext.size()) return error::cipher_failure;
    if (!plaintext.empty()) std::memmove(out.data(), plaintext.data(), plaintext.size());
    return plaintext.size();
  }
  if (out.size() < plaintext.size() + tag_size) return error::cipher_failure;
  return run(true, ad, plaintext, out);
}

result<void> CipherState::encrypt_with_ad(BytesView ad, BytesView plaintext, Bytes& out) {
  if (plaintext.size() > max_plaintext_size) return error::frame_too_large;
  const std::size_t at = out.size();
  out.resize(at + plaintext.size() + (has_key_ ? tag_size : 0));
  auto r = encrypt_into(ad, plaintext, std::span<std::uint8_t>(out).subspan(at));
  if (!r) {
    out.resize(at);
    return r.error();
  }
  return {};
}

result<std::size_t> CipherState::decrypt_into(BytesView ad, BytesView ciphertext, std::span<std::uint8_t> out) {
  if (ciphertext.size() > max_message_size) return error::frame_too_large;
  if (!has_key_) {
    if (out.size() < ciphertext.size()) return error::cipher_failure;
    if (!ciphertext.empty()) std::memmove(out.data(), ciphertext.data(), ciphertext.size());
    return ciphertext.size();
  }
  if (ciphertext.size() < tag_size) return error::frame_too_short;
  if (out.size() < ciphertext.size() - tag_size) return error::cipher_failure;
  return run(false, ad, ciphertext, out);
}

result<void> CipherState::decrypt_with_ad(BytesView ad, BytesView ciphertext, Bytes& out) {
  if (ciphertext.size() > max_message_size) return error::frame_too_large;
  if (has_key_ && ciphertext.size() < tag_size) return error::frame_too_short;
  const std::size_t at = out.size();
  out.resize(at + ciphertext.size() - (has_key_ ? tag_size : 0));
  auto r = decrypt_into(ad, ciphertext, std::span<std::uint8_t>(out).subspan(at));
  if (!r) {
    out.resize(at);
    return r.error();
  }
  return {};
}

}  // namespace lp2p::noise
