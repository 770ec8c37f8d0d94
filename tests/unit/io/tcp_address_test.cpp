#include "lp2p/transport/tcp_address.hpp"

#include "lp2p/transport/error.hpp"
#include "support/check.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

using namespace lp2p;
namespace asio = boost::asio;
using transport::tcp;

namespace {
Multiaddr ma(std::string_view text) {
  auto m = Multiaddr::parse(text);
  REQUIRE_OK(m);
  return *m;
}
tcp::endpoint ep(const char* ip, std::uint16_t port) { return {asio::ip::make_address(ip), port}; }
constexpr const char* peer = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
}  // namespace

TEST_CASE("to_tcp_target accepts ip and dns TCP addresses", "[transport][multiaddr]") {
  auto v4 = transport::to_tcp_target(ma("/ip4/1.2.3.4/tcp/4001"));
  REQUIRE_OK(v4);
  CHECK_FALSE(v4->is_dns());
  CHECK(v4->endpoint == ep("1.2.3.4", 4001));
  CHECK(v4->family == transport::AddressFamily::v4);
  CHECK_FALSE(v4->peer);

  auto v6 = transport::to_tcp_target(ma(std::string("/ip6/::1/tcp/65535/p2p/") + peer));
  REQUIRE_OK(v6);
  CHECK(v6->endpoint == ep("::1", 65535));
  CHECK(v6->family == transport::AddressFamily::v6);
  REQUIRE(v6->peer);
  CHECK(v6->peer->to_base58() == peer);

  struct D { const char* text; transport::AddressFamily family; };
  for (const D& d : {D{"/dns/example.com/tcp/443", transport::AddressFamily::any},
                     D{"/dns4/example.com/tcp/443", transport::AddressFamily::v4},
                     D{"/dns6/example.com/tcp/443", transport::AddressFamily::v6}}) {
    INFO(d.text);
    auto t = transport::to_tcp_target(ma(d.text));
    REQUIRE_OK(t);
    CHECK(t->is_dns());
    CHECK(t->host == "example.com");
    CHECK(t->port == 443);
    CHECK(t->family == d.family);
  }
}

TEST_CASE("to_tcp_target rejects everything that is not ip|dns/tcp[/p2p]", "[transport][multiaddr]") {
  const std::string relayed = std::string("/ip4/1.2.3.4/tcp/4001/p2p/") + peer + "/p2p-circuit";
  for (const std::string& text : {std::string("/ip4/1.2.3.4"), std::string("/ip4/1.2.3.4/udp/4001/quic-v1"),
                                 std::string("/ip4/1.2.3.4/tcp/4001/ws"), relayed,
                                 std::string("/tcp/4001"), std::string("/dnsaddr/bootstrap.libp2p.io"),
                                 std::string("/p2p/") + peer,
                                 std::string("/ip4/1.2.3.4/tcp/1/tcp/2")}) {
    INFO(text);
    auto t = transport::to_tcp_target(ma(text));
    REQUIRE_ERR(t, transport::error::unsupported_address);
    REQUIRE_ERR(t, condition::unsupported_protocol);
  }
  auto empty = transport::to_tcp_target(Multiaddr{});
  REQUIRE_ERR(empty, transport::error::unsupported_address);
}

TEST_CASE("to_multiaddr round-trips endpoints", "[transport][multiaddr]") {
  CHECK(transport::to_multiaddr(ep("127.0.0.1", 4001)).to_string() == "/ip4/127.0.0.1/tcp/4001");
  CHECK(transport::to_multiaddr(ep("2001:db8::1", 80)).to_string() == "/ip6/2001:db8::1/tcp/80");
  CHECK(transport::to_multiaddr(ep("::ffff:1.2.3.4", 5)).to_string() == "/ip4/1.2.3.4/tcp/5");
  for (const auto& e : {ep("10.0.0.1", 1), ep("::1", 65535), ep("0.0.0.0", 0)}) {
    auto t = transport::to_tcp_target(transport::to_multiaddr(e));
    REQUIRE_OK(t);
    CHECK(t->endpoint == e);
  }
}

TEST_CASE("tcp_dial by multiaddr: ip and dns4/localhost, with port reuse", "[transport][multiaddr][tcp]") {
  asio::io_context ioc;
  transport::PortReuseRegistry reg;
  auto ours = transport::TcpListener::listen(ioc.get_executor(), ep("127.0.0.1", 0), &reg);
  REQUIRE_OK(ours);
  auto target = transport::TcpListener::listen(ioc.get_executor(), ep("127.0.0.1", 0));
  REQUIRE_OK(target);
  const auto port = std::to_string((*target)->local_endpoint().port());
  for (const std::string& text : {"/ip4/127.0.0.1/tcp/" + port, "/dns4/localhost/tcp/" + port}) {
    INFO(text);
    run_coro(ioc, [&]() -> asio::awaitable<void> {
      auto ex = co_await asio::this_coro::executor;
      std::optional<result<std::unique_ptr<io::TcpStream>>> accepted;
      asio::co_spawn(ex, [&]() -> asio::awaitable<void> { accepted = co_await (*target)->accept(); }, asio::detached);
      auto d = co_await transport::tcp_dial(ex, ma(text), reg);
      REQUIRE_OK(d);
      while (!accepted) co_await asio::post(ex, asio::use_awaitable);
      REQUIRE_OK(*accepted);
      CHECK((**accepted)->remote_endpoint().port() == (*ours)->local_endpoint().port());
    }());
  }
  auto bad = run_coro(ioc, transport::tcp_dial(ioc.get_executor(), ma("/ip4/127.0.0.1/udp/1/quic-v1"), reg));
  REQUIRE_ERR(bad, transport::error::unsupported_address);
}
