// Incremental SHA-256 for the Noise code (the symmetric state's hashes and HMACs, the verified-identity
// cache's digests). Not a spec: a private helper.
#pragma once

#include "lp2p/core/bytes.hpp"

#include <openssl/evp.h>

#include <cstdint>

namespace lp2p::noise::detail {

/// One SHA-256 computation on this thread's digest context (never two at once on one thread).
/// Through OpenSSL: it uses the CPU's SHA extensions where there are some (x86 SHA-NI, ARMv8), ~4x faster
/// than libsodium's portable code for the short inputs of a handshake. The algorithm is fetched once and
/// every thread reuses one context, so a hash costs no allocation. Failures throw std::bad_alloc.
class Sha256 {
 public:
  Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(BytesView d);
  /// Writes the 32-byte digest to `out`.
  void final(std::uint8_t* out);

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace lp2p::noise::detail
