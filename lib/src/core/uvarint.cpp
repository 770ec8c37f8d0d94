#include "lp2p/core/uvarint.hpp"

namespace lp2p::uvarint {

namespace {
// Up to 10 bytes for a value over max_value (a caller's bug): written as before, never out of bounds.
std::size_t write(std::uint64_t v, std::uint8_t* out, std::size_t cap) noexcept {
  std::size_t n = 0;
  while (v >= 0x80 && n + 1 < cap) {
    out[n++] = static_cast<std::uint8_t>(v | 0x80);
    v >>= 7;
  }
  out[n++] = static_cast<std::uint8_t>(v);
  return n;
}
}  // namespace

std::size_t encode_to(std::uint64_t v, std::span<std::uint8_t, max_bytes> out) noexcept {
  return write(v, out.data(), out.size());
}

void encode(std::uint64_t v, Bytes& out) {
  // One insert: pushing byte by byte regrew an empty vector for every byte of a multi-byte varint.
  std::uint8_t buf[max_bytes + 1];
  out.insert(out.end(), buf, buf + write(v, buf, sizeof buf));
}

std::size_t encoded_size(std::uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

std::optional<Decoded> decode_prefix(BytesView in, error_code& ec) noexcept {
  ec.clear();
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (i == max_bytes) {
      ec = core::error::varint_overlong;
      return std::nullopt;
    }
    const std::uint8_t b = in[i];
    value |= std::uint64_t{b & 0x7fu} << (7 * i);
    if ((b & 0x80) == 0) {
      // A last byte of zero (after the first) means the value fits in fewer bytes.
      if (b == 0 && i > 0) {
        ec = core::error::varint_not_minimal;
        return std::nullopt;
      }
      return Decoded{value, i + 1};
    }
  }
  if (in.size() >= max_bytes) ec = core::error::varint_overlong;
  return std::nullopt;
}

result<Decoded> decode(BytesView in) noexcept {
  error_code ec;
  auto d = decode_prefix(in, ec);
  if (ec) return ec;
  if (!d) return error_code(core::error::varint_truncated);
  return *d;
}

}  // namespace lp2p::uvarint
