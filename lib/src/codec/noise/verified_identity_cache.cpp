#include "lp2p/codec/noise/verified_identity_cache.hpp"

#include "codec/noise/sha256.hpp"

#include <openssl/rand.h>

#include <cstring>
#include <new>

namespace lp2p::noise {
namespace {

// A length prefix makes the concatenation unambiguous: (key, static || x) never digests like (key || ..., ...).
void update_with_length(detail::Sha256& h, BytesView d) {
  std::uint8_t len[8];
  std::uint64_t n = d.size();
  for (int i = 7; i >= 0; --i, n >>= 8) len[i] = static_cast<std::uint8_t>(n);
  h.update(BytesView(len, sizeof len));
  h.update(d);
}

}  // namespace

VerifiedIdentityCache::VerifiedIdentityCache(std::size_t capacity) : capacity_(capacity) {
  if (RAND_bytes(salt_.data(), static_cast<int>(salt_.size())) != 1) throw std::bad_alloc();
  if (capacity_ > 0) index_.reserve(capacity_ < default_capacity ? capacity_ : default_capacity);
}

VerifiedIdentityCache::Digest VerifiedIdentityCache::digest(BytesView identity_key, BytesView remote_static,
                                                            BytesView signature) const {
  detail::Sha256 h;
  h.update(salt_);
  update_with_length(h, identity_key);
  update_with_length(h, remote_static);
  update_with_length(h, signature);
  Digest d;
  h.final(d.data());
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
