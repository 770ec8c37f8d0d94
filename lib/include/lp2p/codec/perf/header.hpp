// perf (/perf/1.0.0) request header: https://github.com/libp2p/specs/blob/master/perf/perf.md
// The client's first 8 bytes on a perf stream are the number of bytes it wants back, as an unsigned
// 64-bit big-endian integer; everything after them is upload payload. Sans-IO so that the server's
// parsing of these untrusted bytes is unit-tested and fuzzed without sockets.
#pragma once

#include "lp2p/core/bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace lp2p::perf {

inline constexpr std::size_t header_size = 8;

/// The 8 header bytes asking the server to send `download_bytes`.
std::array<std::uint8_t, header_size> encode_header(std::uint64_t download_bytes) noexcept;

/// What decode_header found at the start of a stream.
struct DecodedHeader {
  std::uint64_t download_bytes = 0;  ///< what the client asked the server to send
  BytesView rest;                    ///< bytes after the header: the start of the upload
};

/// Reads the header from the first bytes of a stream. nullopt means "need more bytes" (fewer than 8 have
/// arrived; not an error: the header may arrive split across reads). Every 64-bit value is valid.
std::optional<DecodedHeader> decode_header(BytesView data) noexcept;

}  // namespace lp2p::perf
