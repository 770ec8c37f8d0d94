// MuxedConnection::set_inbound_handler: the Host's way of taking inbound streams without a task waiting
// in accept_stream(). Every stream the peer opens must reach the handler once, in the order opened, with
// its data; a stream reset before it was handed over is skipped; the handler is dropped when the
// connection ends (it may hold the connection's owner).
#include "host/muxed_connection.hpp"
#include "lp2p/io/memory_pipe.hpp"
#include "support/check.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <vector>

using namespace lp2p;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

asio::awaitable<Bytes> read_all(io::ByteStream& s) {
  Bytes all;
  std::uint8_t buf[64];
  for (;;) {
    auto r = co_await s.read_some(buf);
    if (!r) break;
    all.insert(all.end(), buf, buf + *r);
  }
  co_return all;
}

}  // namespace

TEST_CASE("muxed connection: the inbound handler gets every stream once, in order, then is dropped",
          "[host][yamux][inbound]") {
  asio::io_context ioc;
  auto [x, y] = io::make_memory_pipe(ioc.get_executor(), io::MemoryPipeOptions{});
  yamux::Config cfg;
  cfg.keepalive_interval = yamux::Duration::zero();
  auto a = std::make_shared<host_detail::MuxedConnection>(std::move(x), yamux::Role::client, cfg);
  auto b = std::make_shared<host_detail::MuxedConnection>(std::move(y), yamux::Role::server, cfg);
  std::vector<io::StreamPtr> got;
  auto token = std::make_shared<int>(0);  // held by the handler: tells when it is gone
  std::weak_ptr<int> handler_alive = token;
  b->set_inbound_handler([&got, token](io::StreamPtr s) { got.push_back(std::move(s)); });
  token.reset();
  asio::co_spawn(ioc, a->run(), asio::detached);
  asio::co_spawn(ioc, b->run(), asio::detached);

  constexpr int n = 6;
  std::vector<Bytes> received;
  test::run_coro(ioc, [&]() -> asio::awaitable<void> {
    std::vector<io::StreamPtr> out;
    for (int i = 0; i < n; ++i) {
      auto s = co_await a->open_stream();
      REQUIRE_OK(s);
      const Bytes msg(static_cast<std::size_t>(i + 1), static_cast<std::uint8_t>('a' + i));
      auto w = co_await (*s)->write_all(msg);
      REQUIRE_OK(w);
      auto f = co_await (*s)->shutdown_write();
      REQUIRE_OK(f);
      out.push_back(std::move(*s));
    }
    // One more, reset at once: it may or may not have been handed over before its RST arrived, but it
    // must not come after the ones opened before it, nor twice.
    {
      auto s = co_await a->open_stream();
      REQUIRE_OK(s);
      (*s)->close();
    }
    asio::steady_timer t(ioc);
    for (int i = 0; i < 200 && got.size() < static_cast<std::size_t>(n); ++i) {
      t.expires_after(1ms);
      (void)co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    REQUIRE(got.size() >= static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      auto data = co_await read_all(*got[static_cast<std::size_t>(i)]);
      received.push_back(std::move(data));
    }
  }(), std::chrono::seconds(30));

  REQUIRE(received.size() == static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    CHECK(received[static_cast<std::size_t>(i)] ==
          Bytes(static_cast<std::size_t>(i + 1), static_cast<std::uint8_t>('a' + i)));
  CHECK(got.size() <= static_cast<std::size_t>(n + 1));
  CHECK_FALSE(handler_alive.expired());
  // The connection ends: the handler (and what it holds) goes with it.
  got.clear();
  a->abort();
  b->abort();
  ioc.restart();
  ioc.run_for(50ms);
  CHECK(handler_alive.expired());
  CHECK(b->is_closed());
}
