// yamux frame header: https://github.com/hashicorp/yamux/blob/master/spec.md#framing
// (copied into https://github.com/libp2p/specs/blob/master/yamux/README.md#framing).
// 12 bytes, big-endian: version u8 (=0) | type u8 | flags u16 | stream_id u32 | length u32.
#pragma once

#include "lp2p/codec/yamux/error.hpp"
#include "lp2p/core/bytes.hpp"

#include <array>
#include <cstdint>
#include <span>

namespace lp2p::yamux {

constexpr std::size_t header_size = 12;
/// The only version defined by the spec.
constexpr std::uint8_t protocol_version = 0;

enum class FrameType : std::uint8_t {
  data = 0,           ///< length = body size
  window_update = 1,  ///< length = window delta
  ping = 2,           ///< length = opaque value echoed back
  go_away = 3,        ///< length = GoAwayCode
};

/// Header flag bits (combine with |).
namespace flags {
constexpr std::uint16_t syn = 0x1;  ///< opens a stream; on Ping: request
constexpr std::uint16_t ack = 0x2;  ///< acknowledges a stream; on Ping: response
constexpr std::uint16_t fin = 0x4;  ///< half-close
constexpr std::uint16_t rst = 0x8;  ///< hard close
}  // namespace flags

/// GoAway error codes (the spec's "Session termination").
enum class GoAwayCode : std::uint32_t { normal = 0, protocol_error = 1, internal_error = 2 };

struct Header {
  std::uint8_t version = protocol_version;
  FrameType type = FrameType::data;
  std::uint16_t flags = 0;
  std::uint32_t stream_id = 0;
  std::uint32_t length = 0;
  bool operator==(const Header&) const = default;
};

/// Encodes h into exactly 12 bytes (any version/type byte is written as given).
std::array<std::uint8_t, header_size> encode_header(const Header& h) noexcept;
/// Appends the 12-byte encoding of h to out.
void encode_header(const Header& h, Bytes& out);

/// Decodes exactly one 12-byte header (from a longer view: `decode_header(view.first<header_size>())`).
/// The fixed extent means it cannot read out of bounds. Unknown flag bits are kept: the session decides
/// what they mean.
/// @errors error::bad_version, error::unknown_frame_type
result<Header> decode_header(std::span<const std::uint8_t, header_size> in) noexcept;

}  // namespace lp2p::yamux
