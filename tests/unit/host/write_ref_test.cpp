// YamuxStream::write_all references its large frames in the caller's buffer (yamux::Session::write_ref)
// and returns once the write loop consumed them. When the call ends otherwise (cancelled by a timeout,
// the stream closed, the connection aborted) no reference may be left behind: the session copies the
// bytes in first, so what the peer receives is the original data even after the caller reuses its
// buffer (scribbled here; ASan would also see a read of a freed buffer).
#include "host/muxed_connection.hpp"
#include "lp2p/io/memory_pipe.hpp"
#include "lp2p/io/timeout.hpp"
#include "support/check.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <random>

using namespace lp2p;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

Bytes random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

/// Reads `s` until it ends; returns what arrived.
asio::awaitable<Bytes> read_to_end(io::ByteStream& s) {
  Bytes got;
  std::vector<std::uint8_t> buf(64 * 1024);
  for (;;) {
    auto r = co_await s.read_some(buf);
    if (!r) break;
    got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*r));
  }
  co_return got;
}

/// Client `a` runs over a 64 KiB memory pipe whose other end (`b`) is not read at first, so a's write
/// loop soon blocks and later frames stay queued (referenced) in a's session.
struct StalledPair {
  asio::io_context ioc;
  std::shared_ptr<host_detail::MuxedConnection> a, b;
  StalledPair() {
    auto [x, y] = io::make_memory_pipe(ioc.get_executor(), io::MemoryPipeOptions{0, 64 * 1024, std::nullopt});
    yamux::Config cfg;
    cfg.keepalive_interval = yamux::Duration::zero();
    a = std::make_shared<host_detail::MuxedConnection>(std::move(x), yamux::Role::client, cfg);
    b = std::make_shared<host_detail::MuxedConnection>(std::move(y), yamux::Role::server, cfg);
    asio::co_spawn(ioc, a->run(), asio::detached);
  }
  void start_b() { asio::co_spawn(ioc, b->run(), asio::detached); }
  ~StalledPair() {
    a->abort();
    b->abort();
    ioc.restart();
    ioc.run_for(20ms);
  }
};

asio::awaitable<void> write_detached(io::ByteStream& s, const Bytes& data) { (void)co_await s.write_all(data); }

}  // namespace

TEST_CASE("yamux stream write_all: a cancelled, closed or aborted write leaves no reference behind",
          "[host][yamux][write_ref]") {
  StalledPair p;
  const Bytes first = random_bytes(200 * 1024, 1);
  const Bytes original = random_bytes(100 * 1024, 2);
  auto data = std::make_unique<Bytes>(original);  // the writer's buffer: scribbled and freed after the call
  SECTION("cancelled by a timeout: the peer still gets the original bytes") {
    run_coro(p.ioc, [&]() -> asio::awaitable<void> {
      auto s1 = co_await p.a->open_stream();
      auto s2 = co_await p.a->open_stream();
      REQUIRE_OK(s1);
      REQUIRE_OK(s2);
      asio::co_spawn(p.ioc, write_detached(**s1, first), asio::detached);
      co_await sleep_for(20ms);  // a's write loop is now blocked on the full pipe
      auto w = co_await io::with_timeout((*s2)->write_all(*data), 50ms);
      REQUIRE_ERR(w, io::error::timeout);
      std::fill(data->begin(), data->end(), 0xee);
      data.reset();
      auto fin = co_await (*s2)->shutdown_write();
      REQUIRE_OK(fin);
      p.start_b();
      auto in1 = co_await p.b->accept_stream();
      auto in2 = co_await p.b->accept_stream();
      REQUIRE_OK(in1);
      REQUIRE_OK(in2);
      (void)co_await (*s1)->shutdown_write();
      const Bytes got1 = co_await read_to_end(**in1);
      const Bytes got2 = co_await read_to_end(**in2);
      CHECK(got1 == first);
      CHECK(got2 == original);  // every byte was taken (window and queue had room) and copied in on cancel
    }(), std::chrono::seconds(20));
  }
  SECTION("the stream is closed (reset) while the write waits") {
    run_coro(p.ioc, [&]() -> asio::awaitable<void> {
      auto s1 = co_await p.a->open_stream();
      auto s2 = co_await p.a->open_stream();
      REQUIRE_OK(s1);
      REQUIRE_OK(s2);
      asio::co_spawn(p.ioc, write_detached(**s1, first), asio::detached);
      co_await sleep_for(20ms);
      io::ByteStream* raw2 = s2->get();
      asio::co_spawn(p.ioc, [raw2]() -> asio::awaitable<void> {
        co_await sleep_for(20ms);
        raw2->close();
      }, asio::detached);
      auto w = co_await (*s2)->write_all(*data);
      REQUIRE_ERR(w, io::error::closed);
      std::fill(data->begin(), data->end(), 0xee);
      data.reset();
      p.start_b();
      auto in1 = co_await p.b->accept_stream();
      auto in2 = co_await p.b->accept_stream();
      REQUIRE_OK(in1);
      REQUIRE_OK(in2);
      (void)co_await (*s1)->shutdown_write();
      const Bytes got1 = co_await read_to_end(**in1);
      // The data frames, then the RST, which drops what b had buffered and not read: whatever b's reader
      // got must be original bytes.
      const Bytes got2 = co_await read_to_end(**in2);
      CHECK(got1 == first);
      REQUIRE(got2.size() <= original.size());
      CHECK(std::equal(got2.begin(), got2.end(), original.begin()));
    }(), std::chrono::seconds(20));
  }
  SECTION("the connection is aborted while the write waits") {
    run_coro(p.ioc, [&]() -> asio::awaitable<void> {
      auto s1 = co_await p.a->open_stream();
      auto s2 = co_await p.a->open_stream();
      REQUIRE_OK(s1);
      REQUIRE_OK(s2);
      asio::co_spawn(p.ioc, write_detached(**s1, first), asio::detached);
      co_await sleep_for(20ms);
      auto conn = p.a;
      asio::co_spawn(p.ioc, [conn]() -> asio::awaitable<void> {
        co_await sleep_for(20ms);
        conn->abort();
      }, asio::detached);
      auto w = co_await (*s2)->write_all(*data);
      CHECK_FALSE(w);
      data.reset();
      co_await sleep_for(20ms);
    }(), std::chrono::seconds(20));
  }
}
