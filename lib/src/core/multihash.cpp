#include "lp2p/core/multihash.hpp"

#include "lp2p/core/uvarint.hpp"

#include <openssl/sha.h>

namespace lp2p {

Multihash::Multihash(Code code, BytesView digest) : code_(code) {
  bytes_.reserve(uvarint::encoded_size(static_cast<std::uint64_t>(code)) + uvarint::encoded_size(digest.size()) +
                 digest.size());
  uvarint::encode(static_cast<std::uint64_t>(code), bytes_);
  uvarint::encode(digest.size(), bytes_);
  header_size_ = bytes_.size();
  bytes_.insert(bytes_.end(), digest.begin(), digest.end());
}

Multihash Multihash::identity(BytesView data) { return Multihash(Code::identity, data); }

Multihash Multihash::sha2_256(BytesView data) {
  std::uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(data.data(), data.size(), digest);
  return Multihash(Code::sha2_256, BytesView(digest, sizeof digest));
}

result<Multihash> Multihash::decode(BytesView bytes) {
  error_code ec;
  auto code = uvarint::decode_prefix(bytes, ec);
  if (ec) return ec;
  if (!code) return error_code(core::error::multihash_truncated);
  auto rest = bytes.subspan(code->size);
  auto len = uvarint::decode_prefix(rest, ec);
  if (ec) return ec;
  if (!len) return error_code(core::error::multihash_truncated);
  rest = rest.subspan(len->size);
  if (rest.size() < len->value) return error_code(core::error::multihash_truncated);
  if (rest.size() > len->value) return error_code(core::error::multihash_length_mismatch);
  switch (code->value) {
    case static_cast<std::uint64_t>(Code::identity):
      return Multihash(Code::identity, rest);
    case static_cast<std::uint64_t>(Code::sha2_256):
      if (rest.size() != SHA256_DIGEST_LENGTH) return error_code(core::error::multihash_length_mismatch);
      return Multihash(Code::sha2_256, rest);
    default:
      return error_code(core::error::multihash_unsupported);
  }
}

}  // namespace lp2p
