// SHA256_Init/Update/Final are deprecated in OpenSSL 3.0 in favour of EVP, but shipped and allocation-free;
// see sha256.hpp for why they are used here. The suppression is confined to this file.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "codec/noise/sha256.hpp"

#include <openssl/crypto.h>

#include <cstring>

namespace lp2p::noise::detail {

// The low-level functions only fail on a null context, so their results are not checked.
Sha256::Sha256() noexcept { SHA256_Init(&ctx_); }

void Sha256::update(BytesView d) noexcept {
  if (!d.empty()) SHA256_Update(&ctx_, d.data(), d.size());
}

void Sha256::final(std::uint8_t* out) noexcept { SHA256_Final(out, &ctx_); }

void Sha256::wipe() noexcept { OPENSSL_cleanse(&ctx_, sizeof ctx_); }

HmacSha256::HmacSha256(BytesView key) noexcept {
  constexpr std::size_t block = SHA256_CBLOCK;
  std::uint8_t k[block] = {};
  if (key.size() > block) {
    Sha256 h;
    h.update(key);
    h.final(k);
    h.wipe();
  } else if (!key.empty()) {
    std::memcpy(k, key.data(), key.size());
  }
  for (auto& x : k) x ^= 0x36;
  inner_.update(BytesView(k, block));
  for (auto& x : k) x ^= 0x36 ^ 0x5c;
  outer_.update(BytesView(k, block));
  OPENSSL_cleanse(k, sizeof k);
}

HmacSha256::~HmacSha256() {
  inner_.wipe();
  outer_.wipe();
}

void HmacSha256::mac(BytesView a, BytesView b, std::uint8_t* out) const noexcept {
  std::uint8_t inner_digest[SHA256_DIGEST_LENGTH];
  Sha256 h = inner_;
  h.update(a);
  h.update(b);
  h.final(inner_digest);
  h = outer_;
  h.update(BytesView(inner_digest, sizeof inner_digest));
  h.final(out);
  h.wipe();
  OPENSSL_cleanse(inner_digest, sizeof inner_digest);
}

}  // namespace lp2p::noise::detail
