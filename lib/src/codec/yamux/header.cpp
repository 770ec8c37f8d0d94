#include "lp2p/codec/yamux/header.hpp"

namespace lp2p::yamux {

std::array<std::uint8_t, header_size> encode_header(const Header& h) noexcept {
  return {h.version,
          static_cast<std::uint8_t>(h.type),
          static_cast<std::uint8_t>(h.flags >> 8),
          static_cast<std::uint8_t>(h.flags),
          static_cast<std::uint8_t>(h.stream_id >> 24),
          static_cast<std::uint8_t>(h.stream_id >> 16),
          static_cast<std::uint8_t>(h.stream_id >> 8),
          static_cast<std::uint8_t>(h.stream_id),
          static_cast<std::uint8_t>(h.length >> 24),
          static_cast<std::uint8_t>(h.length >> 16),
          static_cast<std::uint8_t>(h.length >> 8),
          static_cast<std::uint8_t>(h.length)};
}

void encode_header(const Header& h, Bytes& out) {
  const auto b = encode_header(h);
  out.insert(out.end(), b.begin(), b.end());
}

namespace {
std::uint32_t be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
}  // namespace

result<Header> decode_header(std::span<const std::uint8_t, header_size> in) noexcept {
  if (in[0] != protocol_version) return error_code(error::bad_version);
  if (in[1] > static_cast<std::uint8_t>(FrameType::go_away)) return error_code(error::unknown_frame_type);
  Header h;
  h.version = in[0];
  h.type = static_cast<FrameType>(in[1]);
  h.flags = static_cast<std::uint16_t>((in[2] << 8) | in[3]);
  h.stream_id = be32(in.data() + 4);
  h.length = be32(in.data() + 8);
  return h;
}

}  // namespace lp2p::yamux
