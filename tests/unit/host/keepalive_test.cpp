// The yamux driver's keep-alive timer (MuxedConnection::arm_timer / on_timer / drain): an outstanding ping fails the
// connection keepalive_timeout after the LAST byte received (yamux::Config::keepalive_timeout), even though
// the driver only re-arms its timer when the deadline moves earlier (a later deadline is picked up when the
// armed timer fires).
#include "host/muxed_connection.hpp"
#include "lp2p/codec/yamux/error.hpp"
#include "lp2p/codec/yamux/header.hpp"
#include "lp2p/io/memory_pipe.hpp"
#include "support/check.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

using namespace lp2p;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

/// A peer that reads and discards everything (so it never answers our pings) and sends a ping request
/// every `every` until `talk_for` has passed, then stays silent. `last_sent`: when it wrote its last frame.
asio::awaitable<void> deaf_peer(io::ByteStream& s, std::chrono::milliseconds every, std::chrono::milliseconds talk_for,
                                std::chrono::steady_clock::time_point& last_sent) {
  auto ex = co_await asio::this_coro::executor;
  asio::co_spawn(
      ex,
      [&s]() -> asio::awaitable<void> {
        std::uint8_t buf[1024];
        for (;;) {
          auto r = co_await s.read_some(buf);
          if (!r) co_return;
        }
      },
      asio::detached);
  const auto start = std::chrono::steady_clock::now();
  std::uint32_t opaque = 1;
  while (std::chrono::steady_clock::now() - start < talk_for) {
    yamux::Header h;
    h.type = yamux::FrameType::ping;
    h.flags = yamux::flags::syn;
    h.length = opaque++;
    const auto frame = yamux::encode_header(h);
    auto w = co_await s.write_all(BytesView(frame.data(), frame.size()));
    if (!w) co_return;
    last_sent = std::chrono::steady_clock::now();
    asio::steady_timer t(ex, every);
    co_await t.async_wait(asio::use_awaitable);
  }
}

struct Outcome {
  error_code error;
  std::chrono::milliseconds elapsed;
  std::chrono::steady_clock::time_point end;
  std::chrono::steady_clock::time_point peer_last_sent;  ///< when the deaf peer wrote its last frame
};

asio::awaitable<Outcome> run_until_failed(std::shared_ptr<host_detail::MuxedConnection> mux) {
  const auto start = std::chrono::steady_clock::now();
  co_await mux->run();
  Outcome o;
  o.error = mux->error();
  o.end = std::chrono::steady_clock::now();
  o.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(o.end - start);
  co_return o;
}

/// Our side of a connection (`role`; a keep-alive ping every 20 ms, failing after `timeout`) against a
/// deaf_peer that pings us every 20 ms for `talk_for`: runs until our side fails.
Outcome run_against_deaf_peer(yamux::Role role, std::chrono::milliseconds timeout,
                              std::chrono::milliseconds talk_for) {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor());
  yamux::Config cfg;
  cfg.keepalive_interval = 20ms;
  cfg.keepalive_timeout = timeout;
  auto mux = std::make_shared<host_detail::MuxedConnection>(std::move(a), role, cfg);
  io::ByteStream& peer = *b;
  auto last_sent = std::chrono::steady_clock::now();
  asio::co_spawn(ioc, deaf_peer(peer, 20ms, talk_for, last_sent), asio::detached);
  auto o = test::run_coro(ioc, run_until_failed(mux));
  o.peer_last_sent = last_sent;
  return o;
}

}  // namespace

TEST_CASE("keep-alive: a peer that talks but never answers our ping fails one timeout after its last byte",
          "[host][yamux][keepalive]") {
  const auto o = run_against_deaf_peer(yamux::Role::client, 150ms, 400ms);
  const auto after_last = std::chrono::duration_cast<std::chrono::milliseconds>(o.end - o.peer_last_sent);
  INFO("ended after " << o.elapsed.count() << " ms, " << after_last.count() << " ms after the peer's last frame: "
                      << o.error.message());
  CHECK(o.error == yamux::error::keepalive_timeout);
  // The first ping was sent at once and never answered: without the peer's traffic it would have failed
  // at 150 ms. Each received frame moves the deadline, so it fails ~150 ms after the last one (~400 ms).
  CHECK(o.elapsed >= 300ms);
  CHECK(after_last >= 150ms - 10ms);
  CHECK(after_last < 150ms + 1000ms);  // generous for a loaded machine
}

TEST_CASE("keep-alive: a silent peer fails the connection one timeout after our unanswered ping",
          "[host][yamux][keepalive]") {
  const auto o = run_against_deaf_peer(yamux::Role::server, 100ms, 0ms);
  INFO("ended after " << o.elapsed.count() << " ms: " << o.error.message());
  CHECK(o.error == yamux::error::keepalive_timeout);
  CHECK(o.elapsed >= 100ms - 10ms);
  CHECK(o.elapsed < 100ms + 1000ms);
}
