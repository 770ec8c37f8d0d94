// The lazy multistream dialer (transport::select_outbound_lazy) over an in-memory pipe: its proposal is
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

}  // namespace

TEST_CASE("lazy dialer: nothing is sent before the first write, then proposal and data together",
          "[transport][multistream][lazy]") {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor(), io::MemoryPipeOptions{});
  io::ByteStream& listener_side = *b;
  run_coro(ioc, [&, a = std::move(a)]() mutable -> asio::awaitable<void> {
    auto n = co_await transport::select_outbound_lazy(std::move(a), std::string(proto));
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
    auto n = co_await transport::select_outbound_lazy(std::move(a), std::string(proto));
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
        auto n = co_await transport::select_outbound_lazy(std::move(a), std::string(proto));
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
  asio::co_spawn(
      ioc,
      [b = std::move(b)]() mutable -> asio::awaitable<void> {
        std::vector<std::string> supported{"/other/1.0.0"};
        (void)co_await transport::select_inbound(std::move(b), std::move(supported));
      },
      asio::detached);
  auto r = run_coro(ioc, [a = std::move(a)]() mutable -> asio::awaitable<result<std::size_t>> {
    auto n = co_await transport::select_outbound_lazy(std::move(a), std::string(proto));
    if (!n) co_return n.error();
    std::uint8_t one = 0;
    co_return co_await n->stream->read_some(std::span<std::uint8_t>(&one, 1));
  }());
  REQUIRE_ERR(r, multistream::error::protocol_not_supported);
}
