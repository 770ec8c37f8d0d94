#include "lp2p/io/byte_stream.hpp"

#include "lp2p/io/buffered_stream.hpp"

#include "io/leftover.hpp"

#include <boost/asio/error.hpp>

#include <algorithm>
#include <cassert>
#include <cstring>

namespace lp2p::io {

ByteStream::~ByteStream() = default;

std::string ByteStream::describe() const { return "stream"; }

asio::awaitable<result<BytesView>> ByteStream::read_view(std::size_t) {
  co_return error_code(asio::error::operation_not_supported);
}

// ---- BufferedStream ------------------------------------------------------------------------------

BufferedStream::BufferedStream(StreamPtr inner, Bytes leftover) : inner_(std::move(inner)), buf_(std::move(leftover)) {
  assert(inner_);
}

void BufferedStream::unread(BytesView bytes) {
  if (bytes.empty()) return;
  Bytes joined;
  joined.reserve(bytes.size() + buffered());
  joined.insert(joined.end(), bytes.begin(), bytes.end());
  joined.insert(joined.end(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_), buf_.end());
  buf_ = std::move(joined);
  pos_ = 0;
}

std::pair<StreamPtr, Bytes> BufferedStream::release() && {
  Bytes rest(buf_.begin() + static_cast<std::ptrdiff_t>(pos_), buf_.end());
  buf_.clear();
  pos_ = 0;
  return {std::move(inner_), std::move(rest)};
}

asio::any_io_executor BufferedStream::executor() { return inner_->executor(); }

asio::awaitable<result<std::size_t>> BufferedStream::read_some(std::span<std::uint8_t> buf) {
  if (buf.empty() || pos_ >= buf_.size()) return inner_->read_some(buf);
  return read_buffered(buf);
}

asio::awaitable<result<std::size_t>> BufferedStream::read_buffered(std::span<std::uint8_t> buf) {
  co_return read_leftover(buf_, pos_, buf);
}

asio::awaitable<result<BytesView>> BufferedStream::read_view(std::size_t max) {
  if (max == 0 || pos_ >= buf_.size()) return inner_->read_view(max);
  return view_buffered(max);
}

asio::awaitable<result<BytesView>> BufferedStream::view_buffered(std::size_t max) {
  // Once drained, the caller skips this wrapper (passthrough()).
  co_return view_leftover(buf_, pos_, max);
}

asio::awaitable<result<void>> BufferedStream::write_all(BytesView data) { return inner_->write_all(data); }

asio::awaitable<result<void>> BufferedStream::shutdown_write() { return inner_->shutdown_write(); }

void BufferedStream::close() noexcept {
  if (inner_) inner_->close();
}

std::string BufferedStream::describe() const { return inner_ ? inner_->describe() : std::string("buffered(released)"); }

}  // namespace lp2p::io
