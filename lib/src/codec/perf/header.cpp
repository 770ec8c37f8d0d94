#include "lp2p/codec/perf/header.hpp"

namespace lp2p::perf {

std::array<std::uint8_t, header_size> encode_header(std::uint64_t download_bytes) noexcept {
  std::array<std::uint8_t, header_size> out{};
  for (std::size_t i = 0; i < header_size; ++i)
    out[i] = static_cast<std::uint8_t>(download_bytes >> (8 * (header_size - 1 - i)));
  return out;
}

std::optional<DecodedHeader> decode_header(BytesView data) noexcept {
  if (data.size() < header_size) return std::nullopt;
  DecodedHeader h;
  for (std::size_t i = 0; i < header_size; ++i) h.download_bytes = h.download_bytes << 8 | data[i];
  h.rest = data.subspan(header_size);
  return h;
}

}  // namespace lp2p::perf
