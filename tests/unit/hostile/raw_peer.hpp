// A hostile peer for host-level tests (issue #6 item 3) that is a real libp2p endpoint underneath: a TCP
// socket bound to a chosen loopback source address (127.0.0.0/8 is all loopback on Linux, so each test
// peer can have its own IP), upgraded with lp2p's own upgrader (multistream → Noise → yamux), after which
// the test speaks the application protocols (relay hop/stop, DCUtR) byte by byte. Inbound streams the
// host opens towards it (identify) are reset at once.
#pragma once

#include "host/muxed_connection.hpp"
#include "lp2p/host/host.hpp"
#include "lp2p/io/framed.hpp"
#include "lp2p/io/spawn.hpp"
#include "lp2p/io/tcp_stream.hpp"
#include "lp2p/io/timeout.hpp"
#include "lp2p/transport/tcp_address.hpp"
#include "support/check.hpp"
#include "transport/negotiate.hpp"
#include "transport/upgrader.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace lp2p::test {

namespace asio = boost::asio;

struct RawPeer {
  std::shared_ptr<const Keypair> key;
  std::shared_ptr<host_detail::MuxedConnection> mux;
  PeerId id() const { return key->public_key().peer_id(); }

  /// Opens a stream and negotiates `protocol` on it.
  asio::awaitable<io::StreamPtr> open(std::string protocol) {
    auto raw = co_await mux->open_stream();
    REQUIRE_OK(raw);
    std::vector<std::string> protocols{std::move(protocol)};
    auto n = co_await io::with_timeout(transport::select_outbound(std::move(*raw), std::move(protocols)),
                                       std::chrono::seconds(5));
    REQUIRE_OK(n);
    co_return std::move(n->stream);
  }

  void close() {
    if (mux) mux->close();
  }
};

/// Connects to `host` from `source_ip` with `key` and completes the upgrade as initiator.
inline asio::awaitable<RawPeer> raw_connect(const Host& host, std::string source_ip, Keypair key) {
  auto ex = co_await asio::this_coro::executor;
  auto target = transport::to_tcp_target(host.listen_addrs().at(0)).value().endpoint.value();
  asio::ip::tcp::socket s(ex);
  s.open(asio::ip::tcp::v4());
  s.bind(asio::ip::tcp::endpoint(asio::ip::make_address(source_ip), 0));
  co_await s.async_connect(target, asio::use_awaitable);
  RawPeer p;
  p.key = std::make_shared<const Keypair>(std::move(key));
  transport::UpgradeParams params{p.key.get(), transport::UpgradeRole::initiator, host.id(), {}};
  params.yamux.keepalive_interval = yamux::Duration::zero();
  std::string detail;
  auto up = co_await io::with_timeout(
      transport::upgrade(std::make_unique<io::TcpStream>(std::move(s)), params, &detail), std::chrono::seconds(5));
  INFO("upgrade: " << detail);
  REQUIRE_OK(up);
  p.mux = up->mux;
  io::spawn_detached(ex, p.mux->run(), "raw peer connection");
  io::spawn_detached(
      ex,
      [](std::shared_ptr<host_detail::MuxedConnection> m) -> asio::awaitable<void> {
        for (;;) {
          auto in = co_await m->accept_stream();
          if (!in) co_return;  // dropping the stream resets it
        }
      }(p.mux),
      "raw peer accept");
  co_return p;
}

/// A distinct Ed25519 identity for each n.
inline Keypair nth_key(unsigned n) {
  std::array<std::uint8_t, 32> seed{};
  seed[0] = 0xa5;
  seed[1] = static_cast<std::uint8_t>(n >> 8);
  seed[2] = static_cast<std::uint8_t>(n);
  return Keypair::ed25519_from_seed(seed);
}

}  // namespace lp2p::test
