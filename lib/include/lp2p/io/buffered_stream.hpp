// A ByteStream with an "unread" prefix: bytes that were read from the inner stream but belong to the
// next protocol layer (multistream-select's `na`/proposal pipelining, WIRE.md §1.1, may hand over bytes
// that Noise or yamux must see first). Reads drain the prefix before touching the inner stream.
#pragma once

#include "lp2p/io/byte_stream.hpp"

namespace lp2p::io {

class BufferedStream final : public ByteStream {
 public:
  /// Wraps `inner` (must not be null); `leftover` is returned by the first reads, before inner's bytes.
  explicit BufferedStream(StreamPtr inner, Bytes leftover = {});

  /// Puts `bytes` back in front of anything still buffered, so they are read next.
  void unread(BytesView bytes);
  /// Number of buffered (unread) bytes.
  std::size_t buffered() const noexcept { return buf_.size() - pos_; }
  /// The wrapped stream.
  ByteStream& inner() noexcept { return *inner_; }
  /// Gives the inner stream back together with the still-buffered bytes (for a layer that wants to
  /// take ownership); this object is left without an inner stream and must only be destroyed.
  std::pair<StreamPtr, Bytes> release() &&;

  asio::any_io_executor executor() override;
  /// Once the buffer is drained, read_some, read_view, write_all and shutdown_write return the inner
  /// stream's awaitable: no coroutine layer of this wrapper's own.
  asio::awaitable<result<std::size_t>> read_some(std::span<std::uint8_t> buf) override;
  /// Views of the buffered bytes first, then the inner stream's (only where it supports them).
  bool supports_read_view() const noexcept override { return inner_ && inner_->supports_read_view(); }
  asio::awaitable<result<BytesView>> read_view(std::size_t max) override;
  asio::awaitable<result<void>> write_all(BytesView data) override;
  asio::awaitable<result<void>> shutdown_write() override;
  void close() noexcept override;
  void abort() noexcept override {
    if (inner_) inner_->abort();
  }
  std::string describe() const override;
  ByteStream* passthrough() noexcept override { return inner_ && buffered() == 0 ? inner_.get() : nullptr; }

 private:
  StreamPtr inner_;
  Bytes buf_;
  std::size_t pos_ = 0;  // bytes of buf_ already consumed

  asio::awaitable<result<std::size_t>> read_buffered(std::span<std::uint8_t> buf);
  asio::awaitable<result<BytesView>> view_buffered(std::size_t max);
};

}  // namespace lp2p::io
