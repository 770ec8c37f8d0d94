// Bulk byte copies on the data path that do not hit the slow case of `rep movsb`.
// Not a spec: a local performance workaround (docs/benchmarks.md, "memcpy and rep movsb").
//
// Why: glibc's memcpy/memmove switch to `rep movsb` between ~2 KiB and about the L2 size (exactly the
// 16-64 KiB copies of yamux frames and Noise plaintext). On the AMD EPYC (Zen) machines measured here,
// `rep movsb` runs at ~1.6-2.7 GB/s instead of 30-45 GB/s whenever the destination is 1..31 bytes ahead
// of the source modulo 64, i.e. for about half of all buffer placements. Which copies hit it depended on
// where malloc put each connection's buffers and where a frame started, so throughput varied from run to
// run and between the two directions of one connection. Copying such a block in pieces below glibc's
// `rep movsb` threshold uses its vector loop instead, which does not care about relative alignment.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace lp2p {

/// Below glibc's rep_movsb_threshold (2048-4096 bytes on x86-64), so each piece takes the vector loop.
inline constexpr std::size_t copy_piece = 2048;

/// True when a copy of n bytes from src to dst would take `rep movsb` with a 1..31-byte forward
/// distance modulo 64 (the slow case); exposed for tests.
inline bool copy_is_slow_case(const void* dst, const void* src, std::size_t n) noexcept {
  const auto distance = (reinterpret_cast<std::uintptr_t>(dst) - reinterpret_cast<std::uintptr_t>(src)) % 64;
  return n > copy_piece && distance != 0 && distance < 32;
}

/// memcpy (the ranges must not overlap, nor overlap within copy_piece when dst < src), avoiding the
/// slow `rep movsb` case.
inline void copy_bytes(void* dst, const void* src, std::size_t n) noexcept {
  if (!copy_is_slow_case(dst, src, n)) {
    if (n) std::memcpy(dst, src, n);
    return;
  }
  auto* d = static_cast<std::uint8_t*>(dst);
  const auto* s = static_cast<const std::uint8_t*>(src);
  while (n > copy_piece) {
    std::memcpy(d, s, copy_piece);
    d += copy_piece;
    s += copy_piece;
    n -= copy_piece;
  }
  std::memcpy(d, s, n);
}

/// to.insert(to.end(), src, src + n) through copy_bytes. Capacity grows geometrically, as insert's does.
template <class Alloc>
void append_bytes(std::vector<std::uint8_t, Alloc>& to, const std::uint8_t* src, std::size_t n) {
  if (n <= copy_piece) {
    to.insert(to.end(), src, src + n);
    return;
  }
  const std::size_t old = to.size();
  if (to.capacity() - old < n) to.reserve(std::max(old + n, 2 * to.capacity()));
  if (!copy_is_slow_case(to.data() + old, src, n)) {
    to.insert(to.end(), src, src + n);
    return;
  }
  // Each insert below is a short memmove (vector loop); no reallocation happens after the reserve.
  while (n > 0) {
    const std::size_t k = n < copy_piece ? n : copy_piece;
    to.insert(to.end(), src, src + k);
    src += k;
    n -= k;
  }
}

}  // namespace lp2p
