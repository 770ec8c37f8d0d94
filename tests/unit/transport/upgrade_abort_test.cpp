// ByteStream::abort() must reach the TCP socket through every stream wrapper the upgrade stacks on it (multistream's
// lazy dialer and write-prefix streams, Noise, buffering). A wrapper that fell back to the default
// abort() (a graceful close) made a dead direct connection keep its 4-tuple, and the next hole punch
// from the same ports failed with EADDRNOTAVAIL (NAT-lab test natlab.fault_flush). Checked here from the
// peer's side: an aborted connection ends there with a TCP reset, a closed one without.
#include "host/muxed_connection.hpp"
#include "lp2p/crypto/key.hpp"
#include "lp2p/io/tcp_stream.hpp"
#include "transport/upgrader.hpp"

#include "support/check.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

using namespace lp2p;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using lp2p::test::run_coro;

namespace {

struct UpgradedPair {
  std::shared_ptr<host_detail::MuxedConnection> dialer;
  std::shared_ptr<host_detail::MuxedConnection> listener;
};

asio::awaitable<UpgradedPair> upgrade_pair(const Keypair& a, const Keypair& b) {
  auto ex = co_await asio::this_coro::executor;
  tcp::acceptor acceptor(ex, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  tcp::socket client(ex);
  co_await client.async_connect(acceptor.local_endpoint(), asio::use_awaitable);
  auto server = co_await acceptor.async_accept(asio::use_awaitable);

  transport::UpgradeParams dial_params;
  dial_params.identity = &a;
  dial_params.role = transport::UpgradeRole::initiator;
  transport::UpgradeParams listen_params;
  listen_params.identity = &b;
  listen_params.role = transport::UpgradeRole::responder;

  std::optional<result<transport::Upgraded>> listened;
  asio::co_spawn(
      ex,
      [&]() -> asio::awaitable<void> {
        listened = co_await transport::upgrade(std::make_unique<io::TcpStream>(std::move(server)), listen_params,
                                               nullptr);
      },
      asio::detached);
  auto dialed = co_await transport::upgrade(std::make_unique<io::TcpStream>(std::move(client)), dial_params, nullptr);
  // The dialer's Noise message 3 and /yamux proposal go out with its muxer's first write: run it now,
  // or the listener's upgrade waits for them.
  if (dialed) asio::co_spawn(ex, dialed->mux->run(), asio::detached);
  asio::steady_timer t(ex);
  for (int i = 0; i < 500 && !listened; ++i) {
    t.expires_after(std::chrono::milliseconds(2));
    co_await t.async_wait(asio::use_awaitable);
  }
  UpgradedPair p;
  if (dialed) p.dialer = dialed->mux;
  if (listened && *listened) p.listener = (*listened)->mux;
  co_return p;
}

/// Upgrades a pair, runs both muxers, ends the dialer's side with `end`, and returns why the listener's
/// side ended.
template <class End>
error_code listener_end_reason(End end) {
  asio::io_context ioc;
  const auto a = Keypair::generate_ed25519();
  const auto b = Keypair::generate_ed25519();
  auto pair = run_coro(ioc, upgrade_pair(a, b));
  REQUIRE(pair.dialer);
  REQUIRE(pair.listener);
  ioc.restart();  // run_coro stopped the context when the upgrade finished (the dialer's muxer runs)
  asio::co_spawn(ioc, pair.listener->run(), asio::detached);
  ioc.run_for(std::chrono::milliseconds(50));  // both muxers up, keep-alive pings exchanged
  REQUIRE_FALSE(pair.listener->is_closed());
  end(*pair.dialer);
  for (int i = 0; i < 200 && !pair.listener->is_closed(); ++i) ioc.run_for(std::chrono::milliseconds(10));
  REQUIRE(pair.listener->is_closed());
  return pair.listener->error();
}

}  // namespace

TEST_CASE("failing an upgraded connection (peer unreachable) resets the TCP connection through every wrapper",
          "[transport][abort]") {
  // MuxedConnection::fail is what the keep-alive timeout calls; it aborts the transport stack.
  const auto reason = listener_end_reason(
      [](host_detail::MuxedConnection& c) { c.fail(error_code(boost::asio::error::timed_out)); });
  INFO("listener's end: " << reason.message());
  CHECK(reason == asio::error::connection_reset);
}

TEST_CASE("an upgraded connection's close() ends it without a reset", "[transport][abort]") {
  const auto reason = listener_end_reason([](host_detail::MuxedConnection& c) { c.close(); });
  INFO("listener's end: " << reason.message());
  CHECK(reason != asio::error::connection_reset);
}
