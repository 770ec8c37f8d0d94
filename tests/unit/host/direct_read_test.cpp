// YamuxStream::read_some arms the session (yamux::Session::arm_read) while it waits, so received bytes go
// straight into the reader's buffer: the bytes, their order and the end of stream must be exactly those
// of the buffered path, also when a waiting read is abandoned (timeout) and the next one picks up.
#include "host/muxed_connection.hpp"
#include "lp2p/io/memory_pipe.hpp"
#include "lp2p/io/timeout.hpp"
#include "support/check.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <random>

using namespace lp2p;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

struct MuxPair {
  asio::io_context ioc;
  std::shared_ptr<host_detail::MuxedConnection> a, b;
  explicit MuxPair(std::size_t max_chunk) {
    auto [x, y] = io::make_memory_pipe(ioc.get_executor(), io::MemoryPipeOptions{max_chunk, 64 * 1024, std::nullopt});
    yamux::Config cfg;
    cfg.keepalive_interval = yamux::Duration::zero();
    a = std::make_shared<host_detail::MuxedConnection>(std::move(x), yamux::Role::client, cfg);
    b = std::make_shared<host_detail::MuxedConnection>(std::move(y), yamux::Role::server, cfg);
    asio::co_spawn(ioc, a->run(), asio::detached);
    asio::co_spawn(ioc, b->run(), asio::detached);
  }
  ~MuxPair() {
    a->abort();
    b->abort();
    ioc.restart();
    ioc.run_for(20ms);
  }
};

asio::awaitable<void> send_then_fin(io::ByteStream& s, const Bytes& data) {
  (void)co_await s.write_all(data);
  (void)co_await s.shutdown_write();
}

}  // namespace

TEST_CASE("yamux stream: a reader waiting with a small buffer gets every byte of large frames in order",
          "[host][yamux][arm_read]") {
  const std::size_t read_size = GENERATE(1, 7, 1000, 70000);
  const std::size_t max_chunk = GENERATE(0, 5000);
  INFO("read size " << read_size << ", pipe chunk " << max_chunk);
  MuxPair p(max_chunk);
  Bytes data(600 * 1024);  // beyond the initial window: WindowUpdates must be credited for it to finish
  std::mt19937 rng(7);
  for (auto& x : data) x = static_cast<std::uint8_t>(rng());
  Bytes got;
  bool eof = false;
  test::run_coro(p.ioc, [&]() -> asio::awaitable<void> {
    auto out = co_await p.a->open_stream();
    REQUIRE_OK(out);
    auto in = co_await p.b->accept_stream();
    REQUIRE_OK(in);
    asio::co_spawn(p.ioc, send_then_fin(**out, data), asio::detached);
    std::vector<std::uint8_t> buf(read_size);
    for (;;) {
      auto r = co_await (*in)->read_some(buf);
      if (!r) {
        eof = r.error() == asio::error::eof;
        break;
      }
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*r));
    }
  }(), std::chrono::seconds(60));
  CHECK(eof);
  CHECK(got.size() == data.size());
  CHECK(got == data);
}

TEST_CASE("yamux stream: a read abandoned while waiting loses nothing", "[host][yamux][arm_read]") {
  MuxPair p(0);
  std::string first_error;
  Bytes got;
  test::run_coro(p.ioc, [&]() -> asio::awaitable<void> {
    auto out = co_await p.a->open_stream();
    REQUIRE_OK(out);
    auto in = co_await p.b->accept_stream();
    REQUIRE_OK(in);
    std::vector<std::uint8_t> buf(16);
    auto r = co_await io::with_timeout((*in)->read_some(buf), 20ms);  // armed, then given up
    REQUIRE_FALSE(r);
    auto w = co_await (*out)->write_all(as_bytes("hello, direct read"));
    REQUIRE_OK(w);
    (void)co_await (*out)->shutdown_write();
    for (;;) {
      auto n = co_await (*in)->read_some(buf);
      if (!n) break;
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    }
  }());
  CHECK(as_string_view(got) == "hello, direct read");
}
