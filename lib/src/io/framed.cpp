#include "lp2p/io/framed.hpp"

#include "lp2p/core/uvarint.hpp"
#include "lp2p/io/error.hpp"

#include <boost/asio/error.hpp>

namespace lp2p::io {

asio::awaitable<result<void>> read_exact(ByteStream& stream, std::span<std::uint8_t> buf) {
  std::size_t got = 0;
  while (got < buf.size()) {
    auto n = co_await stream.read_some(buf.subspan(got));
    if (!n) {
      if (n.error() == asio::error::eof && got > 0) co_return make_error_code(error::eof_before_frame_end);
      co_return n.error();
    }
    got += *n;
  }
  co_return result<void>{};
}

asio::awaitable<result<Bytes>> read_uvarint_frame(ByteStream& stream, std::size_t max_size) {
  std::uint8_t prefix[uvarint::max_bytes];
  std::size_t used = 0;
  std::uint64_t length = 0;
  for (;;) {
    // One byte at a time: a greedy read could swallow the start of the next layer's data.
    auto r = co_await read_exact(stream, std::span<std::uint8_t>(prefix + used, 1));
    if (!r) {
      if (r.error() == asio::error::eof && used > 0) co_return make_error_code(error::eof_before_frame_end);
      co_return r.error();
    }
    ++used;
    error_code ec;
    auto d = uvarint::decode_prefix(BytesView(prefix, used), ec);
    if (ec) co_return ec;
    if (d) {
      length = d->value;
      break;
    }
    if (used == uvarint::max_bytes) co_return make_error_code(core::error::varint_overlong);
  }
  if (length > max_size) co_return make_error_code(error::frame_too_large);
  Bytes body(static_cast<std::size_t>(length));
  auto r = co_await read_exact(stream, body);
  if (!r) {
    if (r.error() == asio::error::eof) co_return make_error_code(error::eof_before_frame_end);
    co_return r.error();
  }
  co_return body;
}

asio::awaitable<result<void>> write_uvarint_frame(ByteStream& stream, BytesView body) {
  Bytes frame;
  frame.reserve(uvarint::encoded_size(body.size()) + body.size());
  uvarint::encode(body.size(), frame);
  frame.insert(frame.end(), body.begin(), body.end());
  auto r = co_await stream.write_all(frame);
  co_return r;
}

}  // namespace lp2p::io
