// Multihash per https://github.com/multiformats/multihash: uvarint(code) uvarint(length) digest.
// lp2p implements identity (0x00, used for inline PeerIds) and sha2-256 (0x12).
#pragma once

#include "lp2p/core/bytes.hpp"
#include "lp2p/core/error.hpp"

#include <cstdint>

namespace lp2p {

class Multihash {
 public:
  enum class Code : std::uint64_t { identity = 0x00, sha2_256 = 0x12 };

  /// Wraps `data` as an identity multihash (the digest is the data itself).
  static Multihash identity(BytesView data);
  /// Hashes `data` with SHA-256.
  static Multihash sha2_256(BytesView data);
  /// Parses a complete binary multihash; trailing bytes are an error.
  /// @errors core::error::varint_*, multihash_truncated, multihash_length_mismatch, multihash_unsupported
  static result<Multihash> decode(BytesView bytes);

  Code code() const noexcept { return code_; }
  BytesView digest() const noexcept { return BytesView(bytes_).subspan(header_size_); }
  /// The full binary form (header and digest).
  const Bytes& bytes() const noexcept { return bytes_; }

  friend bool operator==(const Multihash& a, const Multihash& b) noexcept { return a.bytes_ == b.bytes_; }

 private:
  Multihash(Code code, BytesView digest);
  Code code_ = Code::identity;
  std::size_t header_size_ = 0;
  Bytes bytes_;
};

}  // namespace lp2p
