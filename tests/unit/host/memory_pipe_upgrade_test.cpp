// The connection upgrade (multistream → Noise → multistream → yamux) over an in-memory pipe instead of a
// socket, delivering bytes in tiny chunks: lp2p↔lp2p without the network, and proof that the upgrade works
// over any byte stream (as relayed connections need).
#include "host/muxed_connection.hpp"
#include "lp2p/io/memory_pipe.hpp"
#include "support/check.hpp"
#include "support/run_coro.hpp"
#include "support/upgrade_both.hpp"
#include "transport/negotiate.hpp"
#include "transport/upgrader.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>

#include <random>

using namespace lp2p;
namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

asio::awaitable<void> serve_echo(std::shared_ptr<host_detail::MuxedConnection> mux) {
  auto s = co_await mux->accept_stream();
  if (!s) co_return;
  std::vector<std::string> supported{"/echo/1.0.0"};
  auto n = co_await transport::select_inbound(std::move(*s), std::move(supported));
  if (!n) co_return;
  std::vector<std::uint8_t> buf(4096);
  for (;;) {
    auto r = co_await n->stream->read_some(buf);
    if (!r) break;
    if (!co_await n->stream->write_all(BytesView(buf.data(), *r))) co_return;
  }
  (void)co_await n->stream->shutdown_write();
}

asio::awaitable<void> write_all_then_fin(io::ByteStream& s, const Bytes& data) {
  (void)co_await s.write_all(data);
  (void)co_await s.shutdown_write();
}

/// Upgrades both ends of a memory pipe, echoes `data_size` random bytes through one yamux stream (the echo
/// side reads `echo_read` bytes at a time, the dialer `read_size`) and returns whether they came back.
void echo_over_pipe(io::MemoryPipeOptions options, std::size_t data_size, std::size_t read_size) {
  asio::io_context ioc;
  auto [a, b] = io::make_memory_pipe(ioc.get_executor(), options);
  const auto ka = Keypair::from_secret_key_seed(1);
  const auto kb = Keypair::from_secret_key_seed(2);
  Bytes data(data_size);
  std::mt19937 rng(42);
  for (auto& x : data) x = static_cast<std::uint8_t>(rng());
  Bytes back;
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    transport::UpgradeParams pa{&ka, transport::UpgradeRole::initiator, kb.public_key().peer_id(), {}};
    transport::UpgradeParams pb{&kb, transport::UpgradeRole::responder, std::nullopt, {}};
    auto both = co_await test::upgrade_both(std::move(a), pa, std::move(b), pb);  // the dialer's muxer runs
    auto& ua = std::get<0>(both);
    auto& ub = std::get<1>(both);
    REQUIRE_OK(ua);
    REQUIRE_OK(ub);
    CHECK(ua->remote_peer == kb.public_key().peer_id());
    CHECK(ub->remote_peer == ka.public_key().peer_id());
    asio::co_spawn(ioc, ub->mux->run(), asio::detached);
    asio::co_spawn(ioc, serve_echo(ub->mux), asio::detached);
    auto raw = co_await ua->mux->open_stream();
    REQUIRE_OK(raw);
    std::vector<std::string> protocols{"/echo/1.0.0"};
    auto n = co_await transport::select_outbound(std::move(*raw), std::move(protocols));
    REQUIRE_OK(n);
    asio::co_spawn(ioc, write_all_then_fin(*n->stream, data), asio::detached);
    std::vector<std::uint8_t> buf(read_size);
    for (;;) {
      auto r = co_await n->stream->read_some(buf);
      if (!r) break;
      back.insert(back.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*r));
    }
    ua->mux->close();
    ub->mux->close();
  }(), std::chrono::seconds(60));
  CHECK(back.size() == data.size());
  CHECK(back == data);
}

}  // namespace

TEST_CASE("upgrade and echo over an in-memory pipe delivering 7-byte chunks", "[host][upgrade]") {
  echo_over_pipe(io::MemoryPipeOptions{7, 64 * 1024, std::nullopt}, 300 * 1024, 8192);
}

// Bulk data in whole 65535-byte Noise frames, delivered in large chunks: the read buffers (Noise's and the
// yamux driver's) start small and grow while reads fill them; a frame larger than the current buffer is
// still read whole (Noise) or handed on in pieces (the driver), and no byte is lost or reordered.
TEST_CASE("upgrade and echo over an in-memory pipe with large chunks (read buffers grow)", "[host][upgrade]") {
  SECTION("unlimited chunks, 1 MiB pipe") { echo_over_pipe(io::MemoryPipeOptions{0, 1 << 20, std::nullopt}, 3 << 20, 100 * 1024); }
  SECTION("chunks of 65537 bytes (one whole frame)") {
    echo_over_pipe(io::MemoryPipeOptions{65537, 256 * 1024, std::nullopt}, 1 << 20, 8192);
  }
  SECTION("chunks of 9000 bytes, 1-byte reads") { echo_over_pipe(io::MemoryPipeOptions{9000, 64 * 1024, std::nullopt}, 40000, 1); }
}
