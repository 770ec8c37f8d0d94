#include "lp2p/codec/noise/verified_identity_cache.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>
#include <new>

namespace lp2p::noise {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

// OpenSSL's SHA-256 (SHA extensions where the CPU has them), one fetched algorithm and one context per
// thread, so a digest costs no allocation (as in symmetric_state.cpp).
EVP_MD_CTX* sha256_begin() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!md || !ctx || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1) throw std::bad_alloc();
  return ctx.get();
}

void update(EVP_MD_CTX* ctx, BytesView d) {
  if (!d.empty() && EVP_DigestUpdate(ctx, d.data(), d.size()) != 1) throw std::bad_alloc();
}

// A length prefix makes the concatenation unambiguous: (key, static || x) never digests like (key || ..., ...).
void update_with_length(EVP_MD_CTX* ctx, BytesView d) {
  std::uint8_t len[8];
  std::uint64_t n = d.size();
  for (int i = 7; i >= 0; --i, n >>= 8) len[i] = static_cast<std::uint8_t>(n);
  update(ctx, BytesView(len, sizeof len));
  update(ctx, d);
}

}  // namespace

VerifiedIdentityCache::VerifiedIdentityCache(std::size_t capacity) : capacity_(capacity) {
  if (RAND_bytes(salt_.data(), static_cast<int>(salt_.size())) != 1) throw std::bad_alloc();
  if (capacity_ > 0) index_.reserve(capacity_ < default_capacity ? capacity_ : default_capacity);
}

VerifiedIdentityCache::Digest VerifiedIdentityCache::digest(BytesView identity_key, BytesView remote_static,
                                                            BytesView signature) const {
  auto* ctx = sha256_begin();
  update(ctx, salt_);
  update_with_length(ctx, identity_key);
  update_with_length(ctx, remote_static);
  update_with_length(ctx, signature);
  Digest d;
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx, d.data(), &n) != 1) throw std::bad_alloc();
  return d;
}

std::size_t VerifiedIdentityCache::DigestHash::operator()(const Digest& d) const noexcept {
  // The digest is already uniformly distributed and salted: any 8 bytes of it are a good hash.
  std::size_t h;
  std::memcpy(&h, d.data(), sizeof h);
  return h;
}

bool VerifiedIdentityCache::lookup(const Digest& d) {
  std::lock_guard lock(mu_);
  auto it = index_.find(d);
  if (it == index_.end()) {
    ++stats_.misses;
    return false;
  }
  lru_.splice(lru_.begin(), lru_, it->second);  // iterators stay valid
  ++stats_.hits;
  return true;
}

void VerifiedIdentityCache::insert(const Digest& d) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mu_);
  if (auto it = index_.find(d); it != index_.end()) {
    // Two handshakes of one peer verified at the same time: keep one entry.
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  if (index_.size() >= capacity_) {
    index_.erase(lru_.back());
    lru_.pop_back();
    ++stats_.evictions;
  }
  lru_.push_front(d);
  try {
    index_.emplace(d, lru_.begin());
  } catch (...) {
    lru_.pop_front();  // keep the list and the index in step
    throw;
  }
  ++stats_.insertions;
}

std::size_t VerifiedIdentityCache::size() const {
  std::lock_guard lock(mu_);
  return index_.size();
}

VerifiedIdentityCache::Stats VerifiedIdentityCache::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace lp2p::noise
