// Unsigned varint per https://github.com/multiformats/unsigned-varint:
// LEB128, at most 9 bytes (63 bits), minimal encoding required.
#pragma once

#include "lp2p/core/bytes.hpp"
#include "lp2p/core/error.hpp"

#include <cstdint>
#include <optional>
#include <span>

namespace lp2p::uvarint {

constexpr std::size_t max_bytes = 9;
constexpr std::uint64_t max_value = (std::uint64_t{1} << 63) - 1;

/// Appends the encoding of v (v <= max_value) to out.
void encode(std::uint64_t v, Bytes& out);
/// Writes the encoding of v (v <= max_value) to the start of `out` and returns its length: for callers
/// that assemble a prefix on the stack instead of growing a vector byte by byte.
std::size_t encode_to(std::uint64_t v, std::span<std::uint8_t, max_bytes> out) noexcept;
/// Number of bytes encode(v) writes.
std::size_t encoded_size(std::uint64_t v) noexcept;

struct Decoded {
  std::uint64_t value;
  std::size_t size;  ///< bytes consumed
};

/// Decodes a varint at the start of `in`. For streaming input: returns std::nullopt with `ec` clear when
/// more bytes are needed (incomplete but valid so far); sets `ec` on overlong or non-minimal input.
/// @errors core::error::varint_overlong, core::error::varint_not_minimal
std::optional<Decoded> decode_prefix(BytesView in, error_code& ec) noexcept;

/// Decodes a varint at the start of `in`, where the input is complete: a truncated varint is an error.
/// @errors core::error::varint_truncated, varint_overlong, varint_not_minimal
result<Decoded> decode(BytesView in) noexcept;

}  // namespace lp2p::uvarint
