// A ByteStream over a connected TCP socket (the bottom of every direct connection; WIRE.md §3 "rust TCP
// port reuse" for how the socket is created: see lp2p/transport/tcp.hpp).
#pragma once

#include "lp2p/io/byte_stream.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace lp2p::io {

/// "1.2.3.4:4001" or "[::1]:4001", for logs.
std::string to_string(const asio::ip::tcp::endpoint& ep);

class TcpStream final : public ByteStream {
 public:
  using tcp = asio::ip::tcp;

  /// Takes a connected socket. The endpoints are captured now, so describe() and the accessors keep
  /// working after close().
  explicit TcpStream(tcp::socket socket);
  /// The same with the peer's endpoint already known (the address accept() returned, or the one a dial
  /// connected to): one getpeername() less per connection.
  TcpStream(tcp::socket socket, const tcp::endpoint& remote);
  /// Both endpoints known (an accept on a listener bound to a specific address): no system call.
  TcpStream(tcp::socket socket, const tcp::endpoint& local, const tcp::endpoint& remote);
  ~TcpStream() override;

  const tcp::endpoint& local_endpoint() const noexcept { return local_; }
  const tcp::endpoint& remote_endpoint() const noexcept { return remote_; }
  /// For socket options; do not start operations on it concurrently with the ByteStream ones.
  tcp::socket& socket() noexcept { return socket_; }

  asio::any_io_executor executor() override;
  asio::awaitable<result<std::size_t>> read_some(std::span<std::uint8_t> buf) override;
  asio::awaitable<result<void>> write_all(BytesView data) override;
  asio::awaitable<result<void>> shutdown_write() override;
  void close() noexcept override;
  /// SO_LINGER {on, 0}, then close: RST, and the socket and its 4-tuple are released at once.
  void abort() noexcept override;
  std::string describe() const override;

 private:
  tcp::socket socket_;
  tcp::endpoint local_;
  tcp::endpoint remote_;
  bool write_shut_ = false;
};

}  // namespace lp2p::io
