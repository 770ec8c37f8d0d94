// Host integration on loopback: two lp2p hosts connect (TCP + Noise + yamux), identify each other, ping,
// move data over concurrent streams, half-close, reset, and refuse a dial with the wrong PeerId.
#include "lp2p/host/host.hpp"

#include "lp2p/codec/multistream/error.hpp"
#include "lp2p/codec/noise/error.hpp"
#include "lp2p/host/error.hpp"
#include "support/check.hpp"
#include "support/host_helpers.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>

#include <openssl/sha.h>

#include <random>

using namespace lp2p;
using namespace lp2p::testing;  // support/host_helpers.hpp
namespace asio = boost::asio;

namespace {

HostConfig config_with_seed(std::uint8_t seed) {
  auto cfg = loopback_config(seed);
  cfg.ping.interval = std::chrono::milliseconds(200);
  return cfg;
}

asio::awaitable<void> echo_handler(Stream s) {
  std::vector<std::uint8_t> buf(64 * 1024);
  for (;;) {
    auto n = co_await s.read_some(buf);
    if (!n) break;
    if (!co_await s.write(BytesView(buf.data(), *n))) co_return;
  }
  (void)co_await s.close_write();
}


std::string sha256_hex(BytesView b) {
  std::uint8_t d[32];
  SHA256(b.data(), b.size(), d);
  return to_hex(BytesView(d, 32));
}

}  // namespace

TEST_CASE("two hosts connect, identify and ping over loopback", "[host][integration]") {
  asio::io_context ioc;
  auto a = Host::create(ioc.get_executor(), config_with_seed(1)).value();
  auto b = Host::create(ioc.get_executor(), config_with_seed(2)).value();
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*a, *b);
    auto c = co_await b->dial(dial_addr(*a));
    REQUIRE_OK(c);
    CHECK(c->peer == a->id());
    CHECK(c->direction == Direction::outbound);
    CHECK_FALSE(c->relayed);
    // port reuse: b dialed from its listening port
    CHECK(c->local_addr == b->listen_addrs().at(0));

    auto id = co_await wait_for<IdentifyReceived>(*b);
    CHECK(id.info.agent_version.rfind("lp2p/", 0) == 0);
    CHECK(std::find(id.info.protocols.begin(), id.info.protocols.end(), "/ipfs/ping/1.0.0") != id.info.protocols.end());
    REQUIRE(id.info.observed_addr);
    CHECK(*id.info.observed_addr == b->listen_addrs().at(0));

    auto ping = co_await wait_for<PingSucceeded>(*b);
    CHECK(ping.connection.peer == a->id());
    auto rtt = co_await b->ping(a->id());
    REQUIRE_OK(rtt);
    co_await stop_all(*a, *b);
  }(), std::chrono::seconds(10));
}

asio::awaitable<void> write_then_fin(Stream& s, const Bytes& data, bool& ok) {
  auto w = co_await s.write(data);
  auto f = co_await s.close_write();
  ok = w.has_value() && f.has_value();
}

/// One echo stream: writes `size` seeded bytes (concurrently with reading), reads everything back.
asio::awaitable<void> echo_one(Host& b, PeerId peer, int seed, std::size_t size, int& done, int& matched) {
  std::vector<std::string> protocols{"/echo/1.0.0"};
  auto s = co_await b.open_stream(peer, std::move(protocols));
  if (!s) co_return;
  Bytes data(size);
  std::mt19937 rng(static_cast<unsigned>(seed));
  for (auto& x : data) x = static_cast<std::uint8_t>(rng());
  bool wrote = false;
  asio::co_spawn(s->get_executor(), write_then_fin(*s, data, wrote), asio::detached);
  Bytes back;
  back.reserve(size);
  std::vector<std::uint8_t> buf(32 * 1024);
  for (;;) {
    auto n = co_await s->read_some(buf);
    if (!n) break;
    back.insert(back.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
  }
  if (wrote && sha256_hex(back) == sha256_hex(data)) ++matched;
  ++done;
}

TEST_CASE("echo over 8 concurrent streams with SHA-256 compared", "[host][integration]") {
  asio::io_context ioc;
  auto a = Host::create(ioc.get_executor(), config_with_seed(1)).value();
  auto b = Host::create(ioc.get_executor(), config_with_seed(2)).value();
  a->set_handler("/echo/1.0.0", echo_handler);
  int done = 0, matched = 0;
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*a, *b);
    auto c = co_await b->dial(dial_addr(*a));
    REQUIRE_OK(c);
    for (int i = 0; i < 8; ++i) asio::co_spawn(ioc, echo_one(*b, a->id(), i, 4 * 1024 * 1024, done, matched), asio::detached);
    asio::steady_timer t(ioc);
    while (done < 8) {
      t.expires_after(std::chrono::milliseconds(10));
      co_await t.async_wait(asio::use_awaitable);
    }
    co_await stop_all(*a, *b);
  }(), std::chrono::seconds(60));
  CHECK(done == 8);
  CHECK(matched == 8);
}

TEST_CASE("asio::async_read / async_write work on lp2p::Stream", "[host][integration]") {
  asio::io_context ioc;
  auto a = Host::create(ioc.get_executor(), config_with_seed(1)).value();
  auto b = Host::create(ioc.get_executor(), config_with_seed(2)).value();
  a->set_handler("/echo/1.0.0", echo_handler);
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*a, *b);
    { auto r_ = co_await b->dial(dial_addr(*a)); REQUIRE_OK(r_); }
    std::vector<std::string> protos1{"/nope/1.0.0", "/echo/1.0.0"};
    auto s = co_await b->open_stream(a->id(), std::move(protos1));
    REQUIRE_OK(s);
    CHECK(s->protocol() == "/echo/1.0.0");
    std::string msg = "hello through asio::async_write";
    // std::get instead of structured bindings: GCC 12 miscompiles those across co_await.
    auto w = co_await asio::async_write(*s, asio::buffer(msg), asio::as_tuple(asio::use_awaitable));
    CHECK_FALSE(std::get<0>(w));
    CHECK(std::get<1>(w) == msg.size());
    std::string back(msg.size(), '\0');
    auto r = co_await asio::async_read(*s, asio::buffer(back), asio::as_tuple(asio::use_awaitable));
    CHECK_FALSE(std::get<0>(r));
    CHECK(back == msg);
    co_await stop_all(*a, *b);
  }(), std::chrono::seconds(10));
}

TEST_CASE("unsupported protocol, reset and wrong PeerId give specific errors", "[host][integration]") {
  asio::io_context ioc;
  auto a = Host::create(ioc.get_executor(), config_with_seed(1)).value();
  auto b = Host::create(ioc.get_executor(), config_with_seed(2)).value();
  a->set_handler("/reset/1.0.0", [](Stream s) -> asio::awaitable<void> {
    std::uint8_t x[1];
    (void)co_await s.read_some(x);
    s.reset();
  });
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*a, *b);

    // wrong expected PeerId: seed 3's id at a's address
    auto wrong = Keypair::from_secret_key_seed(3).public_key().peer_id();
    auto bad = co_await b->dial(a->listen_addrs().at(0).with_peer_id(wrong));
    REQUIRE_ERR(bad, noise::error::peer_id_mismatch);

    { auto r_ = co_await b->dial(dial_addr(*a)); REQUIRE_OK(r_); }
    std::vector<std::string> protos2{"/nope/1.0.0"};
    auto none = co_await b->open_stream(a->id(), std::move(protos2));
    REQUIRE_ERR(none, multistream::error::protocol_not_supported);

    std::vector<std::string> protos3{"/reset/1.0.0"};
    auto s = co_await b->open_stream(a->id(), std::move(protos3));
    REQUIRE_OK(s);
    { auto r_ = co_await s->write(as_bytes("x")); REQUIRE_OK(r_); }
    std::uint8_t buf[16];
    auto r = co_await s->read_some(buf);
    REQUIRE_ERR(r, asio::error::connection_reset);

    auto self = co_await b->dial(dial_addr(*b));
    REQUIRE_ERR(self, host::error::dial_self);
    co_await stop_all(*a, *b);
  }(), std::chrono::seconds(15));
}

TEST_CASE("handler changes reach identify replies and stream negotiation", "[host][integration][identify]") {
  // The host encodes its identify reply and its protocol list once; both must follow set_handler and
  // remove_handler.
  asio::io_context ioc;
  auto a = Host::create(ioc.get_executor(), config_with_seed(1)).value();
  auto b = Host::create(ioc.get_executor(), config_with_seed(2)).value();
  auto c = Host::create(ioc.get_executor(), config_with_seed(3)).value();
  a->set_handler("/x/1.0.0", echo_handler);
  auto has = [](const IdentifyInfo& info, const std::string& p) {
    return std::find(info.protocols.begin(), info.protocols.end(), p) != info.protocols.end();
  };
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*a, *b, *c);
    auto cb = co_await b->dial(dial_addr(*a));
    REQUIRE_OK(cb);
    auto first = co_await wait_for<IdentifyReceived>(*b);
    CHECK(has(first.info, "/x/1.0.0"));
    CHECK_FALSE(has(first.info, "/y/1.0.0"));
    CHECK(first.info.listen_addrs == a->listen_addrs());
    REQUIRE(first.info.observed_addr);
    CHECK(*first.info.observed_addr == cb->local_addr);

    a->set_handler("/y/1.0.0", echo_handler);
    a->remove_handler("/x/1.0.0");
    auto cc = co_await c->dial(dial_addr(*a));
    REQUIRE_OK(cc);
    auto second = co_await wait_for<IdentifyReceived>(*c);
    CHECK(has(second.info, "/y/1.0.0"));
    CHECK_FALSE(has(second.info, "/x/1.0.0"));
    CHECK(has(second.info, "/ipfs/id/1.0.0"));
    REQUIRE(second.info.observed_addr);
    CHECK(*second.info.observed_addr == cc->local_addr);  // per connection, not cached

    std::vector<std::string> y{"/y/1.0.0"};
    auto sy = co_await c->open_stream(a->id(), std::move(y));
    CHECK(sy.has_value());
    if (sy) sy->reset();
    std::vector<std::string> x{"/x/1.0.0"};
    auto sx = co_await c->open_stream(a->id(), std::move(x));
    REQUIRE_ERR(sx, multistream::error::protocol_not_supported);
    co_await stop_all(*a, *b, *c);
  }(), std::chrono::seconds(10));
}
