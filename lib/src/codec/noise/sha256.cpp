#include "codec/noise/sha256.hpp"

#include <memory>
#include <new>

namespace lp2p::noise::detail {
namespace {

const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (!md) throw std::bad_alloc();
  return md;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

}  // namespace

Sha256::Sha256() {
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  ctx_ = ctx.get();
  if (!ctx_ || EVP_DigestInit_ex2(ctx_, sha256_md(), nullptr) != 1) throw std::bad_alloc();
}

void Sha256::update(BytesView d) {
  if (!d.empty() && EVP_DigestUpdate(ctx_, d.data(), d.size()) != 1) throw std::bad_alloc();
}

void Sha256::final(std::uint8_t* out) {
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx_, out, &n) != 1) throw std::bad_alloc();
}

}  // namespace lp2p::noise::detail
