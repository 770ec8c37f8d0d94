#include "lp2p/io/tcp_stream.hpp"

#include "lp2p/io/error.hpp"
#include "io/deferred.hpp"

#include <boost/asio/write.hpp>

namespace lp2p::io {
std::string to_string(const asio::ip::tcp::endpoint& ep) {
  // Appended piece by piece: GCC 12 at -O3 warns (-Wstringop-overflow, a false positive) about the same
  // expression written with operator+.
  const auto a = ep.address();
  std::string s;
  if (a.is_v6()) s.append("[").append(a.to_string()).append("]");
  else s = a.to_string();
  s.append(":").append(std::to_string(ep.port()));
  return s;
}

TcpStream::TcpStream(tcp::socket socket) : socket_(std::move(socket)) {
  error_code ec;
  local_ = socket_.local_endpoint(ec);
  remote_ = socket_.remote_endpoint(ec);
}

TcpStream::TcpStream(tcp::socket socket, const tcp::endpoint& remote) : socket_(std::move(socket)), remote_(remote) {
  error_code ec;
  local_ = socket_.local_endpoint(ec);
}

TcpStream::TcpStream(tcp::socket socket, const tcp::endpoint& local, const tcp::endpoint& remote)
    : socket_(std::move(socket)), local_(local), remote_(remote) {}

TcpStream::~TcpStream() { close(); }

asio::any_io_executor TcpStream::executor() { return socket_.get_executor(); }

asio::awaitable<result<std::size_t>> TcpStream::read_some(std::span<std::uint8_t> buf) {
  if (!socket_.is_open()) co_return error::closed;
  if (buf.empty()) co_return std::size_t{0};
  auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buf.data(), buf.size()), nothrow_deferred);
  if (ec) co_return ec;
  co_return n;
}

asio::awaitable<result<void>> TcpStream::write_all(BytesView data) {
  if (!socket_.is_open()) co_return error::closed;
  if (write_shut_) co_return error::write_after_shutdown;
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(data.data(), data.size()), nothrow_deferred);
  (void)n;
  if (ec) co_return ec;
  co_return result<void>{};
}

asio::awaitable<result<void>> TcpStream::shutdown_write() {
  if (!socket_.is_open()) co_return error::closed;
  write_shut_ = true;
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return ec;
  co_return result<void>{};
}

void TcpStream::close() noexcept {
  if (!socket_.is_open()) return;
  error_code ec;
  socket_.close(ec);  // pending operations complete with operation_aborted
}

void TcpStream::abort() noexcept {
  if (!socket_.is_open()) return;
  error_code ec;
  socket_.set_option(asio::socket_base::linger(true, 0), ec);
  socket_.close(ec);
}

std::string TcpStream::describe() const { return "tcp " + to_string(local_) + "->" + to_string(remote_); }

}  // namespace lp2p::io
