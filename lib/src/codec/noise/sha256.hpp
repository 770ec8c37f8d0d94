// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for the Noise code: the symmetric state's HASH and HKDF
// (Noise rev 34 section 4.3), the verified-identity cache's digests. Not a spec: a private helper.
#pragma once

#include "lp2p/core/bytes.hpp"

#include <openssl/sha.h>

#include <cstdint>

namespace lp2p::noise::detail {

/// One incremental SHA-256 computation. A plain value (no allocation, cheap to copy): OpenSSL's low-level
/// SHA-256 rather than EVP, because OpenSSL 3's EVP_DigestInit_ex2 allocates a provider context for every
/// hash (one heap allocation per hash, ~70 per connection) and costs a parameter lookup; both run the same
/// compression function, which uses the CPU's SHA extensions where there are some (x86 SHA-NI, ARMv8),
/// ~4x faster than libsodium's portable code for the short inputs of a handshake.
class Sha256 {
 public:
  Sha256() noexcept;
  void update(BytesView d) noexcept;
  /// Writes the 32-byte digest to `out`. The object must not be updated afterwards.
  void final(std::uint8_t* out) noexcept;
  /// Zeroes the state, for states derived from a key.
  void wipe() noexcept;

 private:
  SHA256_CTX ctx_;
};

/// HMAC-SHA256 with a key whose inner and outer padded blocks are compressed once: every MAC under the key
/// then costs the compressions of its own message only (two for Noise's messages of at most 55 bytes)
/// instead of four. The states are key material: wiped on destruction; not copyable.
class HmacSha256 {
 public:
  /// Any key length (RFC 2104: a key longer than the 64-byte block is hashed first).
  explicit HmacSha256(BytesView key) noexcept;
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  /// HMAC(key, a || b) into `out` (32 bytes).
  void mac(BytesView a, BytesView b, std::uint8_t* out) const noexcept;

 private:
  Sha256 inner_;  // after H(key ^ ipad)
  Sha256 outer_;  // after H(key ^ opad)
};

}  // namespace lp2p::noise::detail
