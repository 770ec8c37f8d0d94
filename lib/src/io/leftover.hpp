// Handing out bytes a stream wrapper holds ahead of its inner stream (what arrived behind a multistream
// echo, bytes put back with unread()): `buf` from offset `pos` on. Shared by io::BufferedStream and the
// lazy multistream dialer (transport/negotiate.cpp).
#pragma once

#include "lp2p/core/bytes.hpp"

#include <algorithm>
#include <cstring>
#include <span>

namespace lp2p::io {

/// Copies up to out.size() of the bytes not handed out yet; once all are, frees the buffer (a
/// connection keeps its wrappers for life). @return the bytes copied
inline std::size_t read_leftover(Bytes& buf, std::size_t& pos, std::span<std::uint8_t> out) noexcept {
  const std::size_t n = std::min(out.size(), buf.size() - pos);
  std::memcpy(out.data(), buf.data() + pos, n);
  pos += n;
  if (pos == buf.size()) {
    buf.clear();
    buf.shrink_to_fit();
    pos = 0;
  }
  return n;
}

/// Up to `max` of the bytes not handed out yet, in place. The buffer is not freed when drained: the view
/// must stay valid until the caller's next call (after which it reads the inner stream directly).
inline BytesView view_leftover(const Bytes& buf, std::size_t& pos, std::size_t max) noexcept {
  const BytesView v = BytesView(buf).subspan(pos, std::min(max, buf.size() - pos));
  pos += v.size();
  return v;
}

}  // namespace lp2p::io
