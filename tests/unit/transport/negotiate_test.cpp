// The lazy multistream dialer (transport::start_outbound_lazy) over an in-memory pipe: its proposal is
// held back until the stream's first write, shutdown or read (so it shares a segment with what follows),
// its echo check works with any read size, and a finished wrapper stack can be skipped
// (io::ByteStream::passthrough).
#include "lp2p/codec/multistream/error.hpp"
#include "lp2p/io/memory_pipe.hpp"
#include "lp2p/io/timeout.hpp"
#include "support/check.hpp"
#include "support/run_coro.hpp"
#include "transport/negotiate.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <string>

using namespace lp2p;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

constexpr std::string_view proto = "/echo/1.0.0";

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

/// Reads until EOF, `chunk` bytes at a time.
asio::awaitable<result<Bytes>> read_to_end(io::ByteStream& s, std::size_t chunk) {
  Bytes all;
  std::vector<std::uint8_t> buf(chunk);
  for (;;) {
    auto r = co_await s.read_some(buf);
    if (!r) {
      if (r.error() == asio::error::eof) co_return all;
      co_return r.error();
    }
    all.insert(all.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*r));
  }
}

/// A listener on `b` that supports only another protocol, so it answers our proposal with `na`.
void spawn_refusing_listener(asio::io_context& ioc, io::StreamPtr b) {
  asio::co_spawn(
      ioc,
      [b = std::move(b)]() mutable -> asio::awaitable<void> {
        std::vector<std::string> supported{"/other/1.0.0"};
        (void)co_await transport::select_inbound(std::move(b), std::move(supported));
      },
      asio::detached);
}

}  // namespace

TEST_CASE("lazy dialer: nothing is sent before the first write, then proposal and data together",
          "[transport][multistream][lazy]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor(), io::MemoryPipeOptions{});
  io::ByteStream& listener_side = *b;
  run_coro(ioc, [&, a = std::move(a)]() mutable -> asio::awaitable<void> {
    auto n = transport::start_outbound_lazy(std::move(a), std::string(proto));
    REQUIRE_OK(n);
    // Nothing on the wire yet: the listener's read times out.
    std::uint8_t probe[64];
    auto early = co_await io::with_timeout(listener_side.read_some(probe), 50ms);
    REQUIRE_ERR(early, io::error::timeout);
    const Bytes payload = bytes_of("hello");
    auto w = co_await n->stream->write_all(payload);
    REQUIRE_OK(w);
    auto fin = co_await n->stream->shutdown_write();
    REQUIRE_OK(fin);
    // One read holds the header, the proposal and the payload (the pipe delivers a write whole).
    auto got = co_await listener_side.read_some(probe);
    REQUIRE_OK(got);
    const std::string first(reinterpret_cast<const char*>(probe), *got);
    CHECK(first == std::string("\x13/multistream/1.0.0\n\x0c/echo/1.0.0\nhello", 38));
  }());
}

TEST_CASE("lazy dialer: shutdown_write sends the proposal, then FIN", "[transport][multistream][lazy]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor(), io::MemoryPipeOptions{3, 64 * 1024, std::nullopt});
  run_coro(ioc, [&, a = std::move(a), b = std::move(b)]() mutable -> asio::awaitable<void> {
    auto n = transport::start_outbound_lazy(std::move(a), std::string(proto));
    REQUIRE_OK(n);
    auto fin = co_await n->stream->shutdown_write();
    REQUIRE_OK(fin);
    std::vector<std::string> supported{std::string(proto)};
    auto in = co_await transport::select_inbound(std::move(b), std::move(supported));
    REQUIRE_OK(in);
    CHECK(in->protocol == proto);
    auto rest = co_await read_to_end(*in->stream, 16);
    REQUIRE_OK(rest);
    CHECK(rest->empty());  // FIN right after the proposal
  }());
}

TEST_CASE("lazy dialer: a read flushes the proposal; echo and data arrive whatever the read size",
          "[transport][multistream][lazy]") {
  for (const std::size_t read_size : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{4096}}) {
    for (const std::size_t pipe_chunk : {std::size_t{0}, std::size_t{1}, std::size_t{5}}) {
      INFO("read size " << read_size << ", pipe chunk " << pipe_chunk);
      asio::io_context ioc;
      auto [a, b] = io::make_memory_pipe(ioc.get_executor(), io::MemoryPipeOptions{pipe_chunk, 64 * 1024, std::nullopt});
      Bytes reply(3000);
      for (std::size_t i = 0; i < reply.size(); ++i) reply[i] = static_cast<std::uint8_t>(i * 31 + 7);
      asio::co_spawn(
          ioc,
          [&, b = std::move(b)]() mutable -> asio::awaitable<void> {
            std::vector<std::string> supported{std::string(proto)};
            auto in = co_await transport::select_inbound(std::move(b), std::move(supported));
            if (!in) co_return;
            (void)co_await in->stream->write_all(reply);
            (void)co_await in->stream->shutdown_write();
            // Keep our end until the dialer is done: closing a pipe end resets the other.
            (void)co_await read_to_end(*in->stream, 16);
          },
          asio::detached);
      auto got = run_coro(ioc, [&, a = std::move(a)]() mutable -> asio::awaitable<result<Bytes>> {
        auto n = transport::start_outbound_lazy(std::move(a), std::string(proto));
        if (!n) co_return n.error();
        // Not confirmed yet: the wrapper still has work to do.
        CHECK(n->stream->passthrough() == nullptr);
        auto all = co_await read_to_end(*n->stream, read_size);
        (void)co_await n->stream->shutdown_write();
        // Echo checked, leftover handed out, proposal sent: nothing left for the wrappers to do.
        CHECK(n->stream->passthrough() != nullptr);
        CHECK(&io::skip_passthrough(*n->stream) != n->stream.get());
        co_return all;
      }());
      REQUIRE_OK(got);
      CHECK(*got == reply);
    }
  }
}

TEST_CASE("lazy dialer: a refusal surfaces at the first read", "[transport][multistream][lazy]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor(), io::MemoryPipeOptions{});
  spawn_refusing_listener(ioc, std::move(b));
  auto r = run_coro(ioc, [a = std::move(a)]() mutable -> asio::awaitable<result<std::size_t>> {
    auto n = transport::start_outbound_lazy(std::move(a), std::string(proto));
    if (!n) co_return n.error();
    std::uint8_t one = 0;
    co_return co_await n->stream->read_some(std::span<std::uint8_t>(&one, 1));
  }());
  REQUIRE_ERR(r, multistream::error::protocol_not_supported);
}

namespace {

/// A stream with read views (as NoiseStream has), over any stream: each view is what one read_some of
/// at most `chunk` bytes returned, in a buffer of its own that the next call overwrites.
class ViewStream final : public io::ByteStream {
 public:
  ViewStream(io::StreamPtr inner, std::size_t chunk) : inner_(std::move(inner)), buf_(chunk) {}
  asio::any_io_executor executor() override { return inner_->executor(); }
  asio::awaitable<result<std::size_t>> read_some(std::span<std::uint8_t> buf) override { return inner_->read_some(buf); }
  bool supports_read_view() const noexcept override { return true; }
  asio::awaitable<result<BytesView>> read_view(std::size_t max) override {
    std::fill(buf_.begin(), buf_.end(), std::uint8_t{0xEE});  // a view kept too long reads garbage
    auto r = co_await inner_->read_some(std::span<std::uint8_t>(buf_.data(), std::min(max, buf_.size())));
    if (!r) co_return r.error();
    co_return BytesView(buf_.data(), *r);
  }
  asio::awaitable<result<void>> write_all(BytesView data) override { return inner_->write_all(data); }
  asio::awaitable<result<void>> shutdown_write() override { return inner_->shutdown_write(); }
  void close() noexcept override { inner_->close(); }

 private:
  io::StreamPtr inner_;
  Bytes buf_;
};

/// Reads until EOF through views of at most `max` bytes, copying each before the next call.
asio::awaitable<result<Bytes>> view_to_end(io::ByteStream& s, std::size_t max) {
  Bytes all;
  for (;;) {
    auto& next = io::skip_passthrough(s);
    auto v = co_await next.read_view(max);
    if (!v) {
      if (v.error() == asio::error::eof) co_return all;
      co_return v.error();
    }
    REQUIRE(!v->empty());
    REQUIRE(v->size() <= max);
    all.insert(all.end(), v->begin(), v->end());
  }
}

}  // namespace

TEST_CASE("negotiated streams pass read views through: lazy dialer, write prefix, leftover",
          "[transport][multistream][lazy][view]") {
  for (const std::size_t view_max : {std::size_t{1}, std::size_t{5}, std::size_t{64}, std::size_t{100000}}) {
    for (const std::size_t chunk : {std::size_t{3}, std::size_t{4096}}) {
      INFO("view max " << view_max << ", inner read size " << chunk);
      asio::io_context ioc;
      auto [a, b] = io::make_memory_pipe(ioc.get_executor(), io::MemoryPipeOptions{});
      Bytes reply(3000), request(2000);
      for (std::size_t i = 0; i < reply.size(); ++i) reply[i] = static_cast<std::uint8_t>(i * 31 + 7);
      for (std::size_t i = 0; i < request.size(); ++i) request[i] = static_cast<std::uint8_t>(i * 13 + 1);
      result<Bytes> listener_got = Bytes{};
      io::StreamPtr listener_end;  // kept until the end: closing a pipe end resets the other
      asio::co_spawn(
          ioc,
          [&, b = std::move(b)]() mutable -> asio::awaitable<void> {
            std::vector<std::string> supported{std::string(proto)};
            // The echo is held back for our first write: the returned stack is a write prefix over a
            // leftover buffer (the request came behind the proposal) over the view stream.
            auto in = co_await transport::select_inbound(std::make_unique<ViewStream>(std::move(b), chunk),
                                                         std::move(supported), transport::Reply::with_first_write);
            if (!in) {
              listener_got = in.error();
              co_return;
            }
            CHECK(in->stream->supports_read_view());
            listener_got = co_await view_to_end(*in->stream, view_max);
            (void)co_await in->stream->write_all(reply);
            (void)co_await in->stream->shutdown_write();
            listener_end = std::move(in->stream);
          },
          asio::detached);
      auto got = run_coro(ioc, [&, a = std::move(a)]() mutable -> asio::awaitable<result<Bytes>> {
        auto n = transport::start_outbound_lazy(std::make_unique<ViewStream>(std::move(a), chunk),
                                                std::string(proto), request);
        if (!n) co_return n.error();
        CHECK(n->stream->supports_read_view());
        CHECK(n->stream->passthrough() == nullptr);
        if (auto w = co_await n->stream->shutdown_write(); !w) co_return w.error();
        auto all = co_await view_to_end(*n->stream, view_max);
        CHECK(n->stream->passthrough() != nullptr);
        co_return all;
      }());
      REQUIRE_OK(got);
      CHECK(*got == reply);
      REQUIRE_OK(listener_got);
      CHECK(*listener_got == request);
    }
  }
}

TEST_CASE("lazy dialer: a refusal surfaces at the first read view", "[transport][multistream][lazy][view]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor(), io::MemoryPipeOptions{});
  spawn_refusing_listener(ioc, std::move(b));
  auto r = run_coro(ioc, [a = std::move(a)]() mutable -> asio::awaitable<result<BytesView>> {
    auto n = transport::start_outbound_lazy(std::make_unique<ViewStream>(std::move(a), 4096), std::string(proto));
    if (!n) co_return n.error();
    co_return co_await n->stream->read_view(100);
  }());
  REQUIRE_ERR(r, multistream::error::protocol_not_supported);
}
