// A bounded cache of identity payloads that already verified, so that a peer reconnecting with the same
// Noise static key does not cost us another signature verification.
// Spec: https://github.com/libp2p/specs/blob/master/noise/README.md#static-key-authentication
// (the identity key signs "noise-libp2p-static-key:" || the Noise static key).
//
// Why it is sound: verifying identity_sig is a pure function of (identity key bytes, static key, signature).
// lp2p and rust-libp2p make one Noise static key per Host, so a peer that reconnects presents a
// byte-identical triple every time, and the answer is the one we already computed. The key of an entry is
// SHA-256 over the length-prefixed triple (so no two distinct triples share an encoding) and a random
// per-cache salt (so a peer cannot steer which hash bucket its entries land in). Only successful
// verifications are stored: a failure is never remembered, a changed byte anywhere is a miss and is verified.
// Per connection this saves one Ed25519 verification (~77 us) for about 1 us of SHA-256 and a lookup.
#pragma once

#include "lp2p/core/bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <unordered_map>

namespace lp2p::noise {

/// LRU set of digests of verified (identity key, static key, signature) triples.
/// @par Thread safety
/// Distinct objects: safe. Shared objects: safe (one mutex; each call holds it for a hash-map operation).
class VerifiedIdentityCache {
 public:
  /// 4096 entries of ~150 bytes (digest, list node, hash node): ~600 KiB at most.
  static constexpr std::size_t default_capacity = 4096;

  using Digest = std::array<std::uint8_t, 32>;

  struct Stats {
    std::uint64_t hits = 0;        ///< lookups that found their triple (a verification skipped)
    std::uint64_t misses = 0;      ///< lookups that did not (the signature was verified)
    std::uint64_t insertions = 0;  ///< new entries
    std::uint64_t evictions = 0;   ///< entries dropped, least recently used first, to stay at capacity
  };

  /// @param capacity entries kept at most; 0 disables the cache (every lookup misses, nothing is stored)
  explicit VerifiedIdentityCache(std::size_t capacity = default_capacity);
  VerifiedIdentityCache(const VerifiedIdentityCache&) = delete;
  VerifiedIdentityCache& operator=(const VerifiedIdentityCache&) = delete;

  /// The entry key of a triple: SHA-256(salt || len || identity_key || len || remote_static || len ||
  /// signature), lengths as u64 big-endian. Specific to this cache object (its salt).
  Digest digest(BytesView identity_key, BytesView remote_static, BytesView signature) const;

  /// True when `d` was inserted and not evicted since; marks it most recently used. Counts a hit or miss.
  bool lookup(const Digest& d);
  /// Records a triple whose signature verified. Evicts the least recently used entry when full.
  void insert(const Digest& d);

  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t size() const;
  Stats stats() const;

 private:
  struct DigestHash {
    std::size_t operator()(const Digest& d) const noexcept;
  };

  const std::size_t capacity_;
  std::array<std::uint8_t, 16> salt_{};
  mutable std::mutex mu_;
  std::list<Digest> lru_;  // most recently used first
  std::unordered_map<Digest, std::list<Digest>::iterator, DigestHash> index_;
  Stats stats_;
};

}  // namespace lp2p::noise
