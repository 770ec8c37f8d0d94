// transport/tcp_spray.hpp on loopback: A speaks on its first connected socket and closes the rest, B adopts
// the socket whose bytes arrive first (and the bytes stay for the upgrade), E's sockets share one bound
// port, a round without a connection ends at its deadline, and the fd limit is raised once.
#include "transport/tcp_spray.hpp"
#include "transport/fd_limit.hpp"

#include "lp2p/io/timeout.hpp"
#include "lp2p/io/use_nothrow.hpp"
#include "lp2p/transport/tcp.hpp"
#include "support/check.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>

#include <sys/resource.h>

using namespace lp2p;
namespace asio = boost::asio;
using transport::tcp;

namespace {

tcp::acceptor make_acceptor(asio::io_context& ioc) {
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  a.listen(64);
  return a;
}

/// Reads up to 16 bytes with a deadline: the text read, "EOF", or "TIMEOUT"/"ERROR".
asio::awaitable<std::string> read_text(tcp::socket& s) {
  char buf[16];
  auto r = co_await io::with_timeout(
      [&s, &buf]() -> asio::awaitable<result<std::size_t>> {
        auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), use_nothrow);
        if (ec) co_return ec;
        co_return n;
      }(),
      std::chrono::seconds(2));
  if (!r) co_return r.error() == asio::error::eof ? std::string("EOF") : (r.error() == io::error::timeout ? "TIMEOUT" : "ERROR");
  co_return std::string(buf, *r);
}

}  // namespace

TEST_CASE("spray round as A: speaks on the first connected socket, closes the others", "[transport][spray]") {
  asio::io_context ioc;
  auto acceptor = make_acceptor(ioc);
  const auto target = acceptor.local_endpoint();
  int upgrades = 0;
  transport::SprayRoundParams p;
  p.role = spray::Role::a;
  p.targets.assign(8, target);
  p.round_timeout = std::chrono::seconds(2);
  p.upgrade = [&upgrades](std::unique_ptr<io::TcpStream> s) -> asio::awaitable<bool> {
    ++upgrades;
    static const std::uint8_t hi[] = {'h', 'i'};
    auto w = co_await s->write_all(BytesView(hi, 2));
    s->close();
    co_return w.has_value();
  };
  auto res = run_coro(ioc, transport::run_spray_round(ioc.get_executor(), std::move(p)));
  CHECK(res.succeeded);
  CHECK(upgrades == 1);
  CHECK(res.stats.opened == 8);
  CHECK(res.stats.connected >= 1);
  CHECK(res.first_connect.count() >= 0);
  CHECK(res.open_errors == 0);
  // Connected sockets sit in the backlog: one got A's bytes, every other one was closed by A.
  auto texts = run_coro(ioc, [&]() -> asio::awaitable<std::vector<std::string>> {
    std::vector<std::string> out;
    acceptor.non_blocking(true);
    for (;;) {
      error_code ec;
      auto s = acceptor.accept(ec);
      if (ec) break;
      out.push_back(co_await read_text(s));
    }
    co_return out;
  }());
  REQUIRE(texts.size() >= 1);
  CHECK(std::count(texts.begin(), texts.end(), "hi") == 1);
  CHECK(std::count(texts.begin(), texts.end(), "EOF") == static_cast<long>(texts.size()) - 1);
}

TEST_CASE("spray round as B: adopts the socket A spoke on, the bytes stay for the upgrade", "[transport][spray]") {
  asio::io_context ioc;
  auto acceptor = make_acceptor(ioc);
  std::string seen;
  transport::SprayRoundParams p;
  p.role = spray::Role::b;
  p.targets.assign(4, acceptor.local_endpoint());
  p.round_timeout = std::chrono::seconds(3);
  p.upgrade = [&seen](std::unique_ptr<io::TcpStream> s) -> asio::awaitable<bool> {
    std::uint8_t buf[8];
    auto n = co_await s->read_some(buf);
    if (n) seen.assign(reinterpret_cast<const char*>(buf), *n);
    s->close();
    co_return n.has_value();
  };
  // "A": accepts all four, closes one (EOF must not be adopted), speaks on another, keeps the rest idle.
  std::vector<tcp::socket> accepted;
  std::vector<std::string> after;
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 4; ++i) {
      auto [ec, s] = co_await acceptor.async_accept(use_nothrow);
      if (ec) co_return;
      accepted.push_back(std::move(s));
    }
    error_code ignored;
    accepted[0].close(ignored);
    asio::steady_timer t(acceptor.get_executor());
    t.expires_after(std::chrono::milliseconds(50));
    co_await t.async_wait(use_nothrow);
    (void)co_await asio::async_write(accepted[2], asio::buffer("x1", 2), use_nothrow);
  }, asio::detached);
  auto res = run_coro(ioc, transport::run_spray_round(ioc.get_executor(), std::move(p)));
  CHECK(res.succeeded);
  CHECK(seen == "x1");
  CHECK(res.stats.connected == 4);
  CHECK(res.stats.failed >= 1);  // the socket closed by "A"
  // The two idle sockets were closed by B once the upgrade succeeded.
  auto t1 = run_coro(ioc, read_text(accepted[1]));
  auto t3 = run_coro(ioc, read_text(accepted[3]));
  CHECK(t1 == "EOF");
  CHECK(t3 == "EOF");
}

TEST_CASE("spray round as E: every socket leaves from the one bound port", "[transport][spray]") {
  asio::io_context ioc;
  // Our "listening port", shared with SO_REUSEADDR + SO_REUSEPORT as the host's listener does.
  transport::PortReuseRegistry reg;
  auto listener = transport::TcpListener::listen(ioc.get_executor(), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0), &reg);
  REQUIRE_OK(listener);
  const auto bind = (*listener)->local_endpoint();
  std::vector<tcp::acceptor> peers;
  transport::SprayRoundParams p;
  for (int i = 0; i < 3; ++i) {
    peers.push_back(make_acceptor(ioc));
    p.targets.push_back(peers.back().local_endpoint());
  }
  p.role = spray::Role::a;
  p.bind = bind;
  p.round_timeout = std::chrono::seconds(2);
  std::uint16_t used_port = 0;
  p.upgrade = [&used_port](std::unique_ptr<io::TcpStream> s) -> asio::awaitable<bool> {
    used_port = s->local_endpoint().port();
    s->close();
    co_return true;
  };
  auto res = run_coro(ioc, transport::run_spray_round(ioc.get_executor(), std::move(p)));
  CHECK(res.succeeded);
  CHECK(res.open_errors == 0);
  CHECK(used_port == bind.port());
  for (auto& a : peers) {
    error_code ec;
    a.non_blocking(true);
    auto s = a.accept(ec);  // connected in the backlog, from the shared port
    INFO(ec.message());
    REQUIRE_FALSE(ec);
    CHECK(s.remote_endpoint().port() == bind.port());
  }
}

TEST_CASE("spray round without any connection ends at its deadline", "[transport][spray]") {
  asio::io_context ioc;
  tcp::endpoint closed;
  {
    auto a = make_acceptor(ioc);
    closed = a.local_endpoint();
  }  // nobody listens there any more: every connect is refused
  int upgrades = 0;
  transport::SprayRoundParams p;
  p.role = spray::Role::b;
  p.targets.assign(5, closed);
  p.round_timeout = std::chrono::milliseconds(300);
  p.upgrade = [&upgrades](std::unique_ptr<io::TcpStream>) -> asio::awaitable<bool> {
    ++upgrades;
    co_return true;
  };
  auto res = run_coro(ioc, transport::run_spray_round(ioc.get_executor(), std::move(p)));
  CHECK_FALSE(res.succeeded);
  CHECK(upgrades == 0);
  CHECK(res.stats.opened == 5);
  CHECK(res.stats.failed == 5);
  CHECK(res.first_connect.count() == -1);
  CHECK(res.elapsed >= std::chrono::milliseconds(250));
  CHECK(res.elapsed < std::chrono::seconds(3));
}

TEST_CASE("raise_fd_limit raises the soft limit to the hard limit once", "[transport][spray]") {
  rlimit before{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &before) == 0);
  std::string line;
  const auto now = transport::raise_fd_limit(&line);
  CHECK_FALSE(line.empty());
  CHECK(now >= std::min<std::uint64_t>(before.rlim_cur, std::uint64_t(1) << 20));
  rlimit after{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &after) == 0);
  CHECK(after.rlim_cur == after.rlim_max);
  std::string again;
  CHECK(transport::raise_fd_limit(&again) == now);
  CHECK(again == line);
  CHECK(transport::open_fd_count() > 0);
}
