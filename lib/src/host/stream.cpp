#include "lp2p/host/stream.hpp"

#include "lp2p/io/byte_stream.hpp"
#include "lp2p/io/error.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>

namespace lp2p {

namespace asio = boost::asio;

Stream::Stream(std::unique_ptr<io::ByteStream> io, std::string protocol, ConnectionInfo connection)
    : io_(std::move(io)), protocol_(std::move(protocol)), connection_(std::move(connection)) {}
Stream::Stream(Stream&&) noexcept = default;
Stream& Stream::operator=(Stream&&) noexcept = default;
Stream::~Stream() = default;

namespace {
template <class T>
asio::awaitable<result<T>> fail_closed() {
  co_return error_code(io::error::closed);
}
}  // namespace

// Not coroutines: the stream's own awaitable is returned, so a read or write through a Stream costs no
// coroutine frame of its own.
asio::awaitable<result<std::size_t>> Stream::read_some(std::span<std::uint8_t> buffer) {
  if (!io_) return fail_closed<std::size_t>();
  return io::skip_passthrough(*io_).read_some(buffer);
}

asio::awaitable<result<void>> Stream::write(BytesView data) {
  if (!io_) return fail_closed<void>();
  return io::skip_passthrough(*io_).write_all(data);
}

asio::awaitable<result<void>> Stream::close_write() {
  if (!io_) co_return error_code(io::error::closed);
  co_return co_await io_->shutdown_write();
}

void Stream::reset() noexcept {
  if (io_) io_->close();
}

Stream::executor_type Stream::get_executor() const { return io_ ? io_->executor() : executor_type(); }

void Stream::initiate_read(asio::any_completion_handler<void(error_code, std::size_t)> handler,
                           asio::mutable_buffer buffer) {
  auto* io = io_.get();
  if (!io) {
    // Misuse (a default-constructed or moved-from Stream): complete at once with `closed`.
    std::move(handler)(error_code(io::error::closed), 0);
    return;
  }
  std::span<std::uint8_t> span(static_cast<std::uint8_t*>(buffer.data()), buffer.size());
  // Wrapped in a lambda: Boost 1.81 cannot hand an any_completion_handler to co_spawn directly.
  asio::co_spawn(io->executor(), io::skip_passthrough(*io).read_some(span),
                 [h = std::move(handler)](std::exception_ptr e, result<std::size_t> r) mutable {
                   if (e) return std::move(h)(error_code(asio::error::fault), 0);
                   if (!r) return std::move(h)(r.error(), 0);
                   std::move(h)(error_code(), *r);
                 });
}

void Stream::initiate_write(asio::any_completion_handler<void(error_code, std::size_t)> handler,
                            asio::const_buffer buffer) {
  auto* io = io_.get();
  if (!io) {
    // Misuse (a default-constructed or moved-from Stream): complete at once with `closed`.
    std::move(handler)(error_code(io::error::closed), 0);
    return;
  }
  BytesView data(static_cast<const std::uint8_t*>(buffer.data()), buffer.size());
  asio::co_spawn(io->executor(), io::skip_passthrough(*io).write_all(data),
                 [h = std::move(handler), n = buffer.size()](std::exception_ptr e, result<void> r) mutable {
                   if (e) return std::move(h)(error_code(asio::error::fault), 0);
                   if (!r) return std::move(h)(r.error(), 0);
                   std::move(h)(error_code(), n);
                 });
}

}  // namespace lp2p
