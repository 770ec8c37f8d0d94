// lp2p::Stream: one negotiated libp2p stream (a yamux stream after multistream-select chose a protocol).
//
// A movable handle. All operations must run on the host's executor (single-threaded use, like the rest of
// the host). Besides the coroutine API it models Asio's AsyncReadStream and AsyncWriteStream, so
// boost::asio::async_read / async_write (and Beast) work on it.
#pragma once

#include "lp2p/core/bytes.hpp"
#include "lp2p/core/peer_id.hpp"
#include "lp2p/error.hpp"
#include "lp2p/host/events.hpp"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>

#include <memory>
#include <optional>
#include <span>
#include <string>

namespace lp2p {
namespace io {
class ByteStream;
}

class Stream {
 public:
  using executor_type = boost::asio::any_io_executor;

  Stream() = default;
  Stream(std::unique_ptr<io::ByteStream> io, std::string protocol, ConnectionInfo connection);
  Stream(Stream&&) noexcept;
  Stream& operator=(Stream&&) noexcept;
  ~Stream();

  /// Reads at least one byte. EOF (the peer closed its write side) is boost::asio::error::eof.
  /// @return bytes read, or: asio::error::eof, yamux::error::stream_reset, yamux session errors.
  boost::asio::awaitable<result<std::size_t>> read_some(std::span<std::uint8_t> buffer);
  /// Writes all of `data`, waiting for the peer's flow-control window as needed (backpressure).
  boost::asio::awaitable<result<void>> write(BytesView data);
  /// Half-closes: sends FIN; reading stays possible.
  boost::asio::awaitable<result<void>> close_write();
  /// Aborts the stream in both directions (RST).
  void reset() noexcept;

  bool is_open() const noexcept { return io_ != nullptr; }
  const std::string& protocol() const noexcept { return protocol_; }
  /// The peer and connection of an open stream (precondition: the stream was obtained from a Host).
  const PeerId& remote_peer() const noexcept { return connection_->peer; }
  const ConnectionInfo& connection() const noexcept { return *connection_; }
  executor_type get_executor() const;

  // ---- Asio AsyncReadStream / AsyncWriteStream -------------------------------------------------
  template <class MutableBufferSequence, class Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    auto b = first_buffer(boost::asio::buffer_sequence_begin(buffers), boost::asio::buffer_sequence_end(buffers));
    return boost::asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this](auto handler, boost::asio::mutable_buffer buf) {
          initiate_read(boost::asio::any_completion_handler<void(error_code, std::size_t)>(std::move(handler)), buf);
        },
        token, boost::asio::mutable_buffer(b));
  }
  template <class ConstBufferSequence, class Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    auto b = first_buffer(boost::asio::buffer_sequence_begin(buffers), boost::asio::buffer_sequence_end(buffers));
    return boost::asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this](auto handler, boost::asio::const_buffer buf) {
          initiate_write(boost::asio::any_completion_handler<void(error_code, std::size_t)>(std::move(handler)), buf);
        },
        token, boost::asio::const_buffer(b));
  }

 private:
  /// Asio's rule for *_some operations: use the first non-empty buffer of the sequence.
  template <class It>
  static auto first_buffer(It begin, It end) -> std::decay_t<decltype(*begin)> {
    for (auto it = begin; it != end; ++it)
      if (boost::asio::buffer_size(*it) != 0) return *it;
    if (begin == end) return {};
    return *begin;
  }
  void initiate_read(boost::asio::any_completion_handler<void(error_code, std::size_t)> handler,
                     boost::asio::mutable_buffer buffer);
  void initiate_write(boost::asio::any_completion_handler<void(error_code, std::size_t)> handler,
                      boost::asio::const_buffer buffer);

  friend class Host;  // takes the byte stream of a relay circuit to upgrade it
  std::unique_ptr<io::ByteStream> io_;
  std::string protocol_;
  std::optional<ConnectionInfo> connection_;  // empty only for a default-constructed Stream
};

}  // namespace lp2p
