// transport::to_multiaddr builds the binary multiaddr from the endpoint's bytes; it used to print the
// address and parse the text back. Both must give the same address for IPv4, IPv6 and v4-mapped IPv6.
#include "lp2p/transport/tcp_address.hpp"

#include "support/check.hpp"

#include <random>

using namespace lp2p;
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
// The previous implementation.
Multiaddr reference_to_multiaddr(const tcp::endpoint& endpoint) {
  auto a = endpoint.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  const std::string ip = a.is_v4() ? a.to_v4().to_string() : asio::ip::address_v6(a.to_v6().to_bytes()).to_string();
  auto m = Multiaddr::parse((a.is_v4() ? "/ip4/" : "/ip6/") + ip + "/tcp/" + std::to_string(endpoint.port()));
  REQUIRE(m.has_value());
  return std::move(*m);
}

void check_same(const tcp::endpoint& ep) {
  INFO("endpoint " << ep.address().to_string() << " port " << ep.port());
  const auto fast = transport::to_multiaddr(ep);
  const auto ref = reference_to_multiaddr(ep);
  REQUIRE(fast == ref);
  REQUIRE(fast.to_string() == ref.to_string());
  // And back: the multiaddr dials the same endpoint (v4-mapped becomes plain v4).
  auto t = transport::to_tcp_target(fast);
  REQUIRE_OK(t);
  REQUIRE(t->endpoint);
  REQUIRE(t->endpoint->port() == ep.port());
}
}  // namespace

TEST_CASE("to_multiaddr: fixed addresses", "[transport][tcp_address]") {
  const char* addrs[] = {"0.0.0.0", "127.0.0.1", "192.0.2.1", "255.255.255.255", "::", "::1",
                         "2001:db8::1", "fe80::1", "2001:db8:1:2:3:4:5:6", "::ffff:192.0.2.7",
                         "::ffff:0.0.0.0", "::192.0.2.1", "64:ff9b::192.0.2.1"};
  for (const char* a : addrs)
    for (std::uint16_t port : {0, 1, 80, 255, 256, 4001, 65535}) check_same(tcp::endpoint(asio::ip::make_address(a), port));

  CHECK(transport::to_multiaddr(tcp::endpoint(asio::ip::make_address("192.0.2.1"), 4001)).to_string() ==
        "/ip4/192.0.2.1/tcp/4001");
  CHECK(transport::to_multiaddr(tcp::endpoint(asio::ip::make_address("::ffff:192.0.2.7"), 80)).to_string() ==
        "/ip4/192.0.2.7/tcp/80");
  CHECK(transport::to_multiaddr(tcp::endpoint(asio::ip::make_address("2001:db8::1"), 1)).to_string() ==
        "/ip6/2001:db8::1/tcp/1");
  // A scope id cannot be carried by /ip6: dropped, as before.
  asio::ip::address_v6 scoped = asio::ip::make_address_v6("fe80::1");
  scoped.scope_id(3);
  CHECK(transport::to_multiaddr(tcp::endpoint(scoped, 9)).to_string() == "/ip6/fe80::1/tcp/9");
  check_same(tcp::endpoint(scoped, 9));
}

TEST_CASE("to_multiaddr: random endpoints match the text route", "[transport][tcp_address][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int i = 0; i < 2000; ++i) {
    const auto port = static_cast<std::uint16_t>(rng());
    switch (i % 3) {
      case 0: check_same(tcp::endpoint(asio::ip::address_v4(static_cast<std::uint32_t>(rng())), port)); break;
      case 1: {
        asio::ip::address_v6::bytes_type b;
        for (auto& x : b) x = static_cast<std::uint8_t>(rng() % 4 == 0 ? 0 : rng());  // zero runs too
        check_same(tcp::endpoint(asio::ip::address_v6(b), port));
        break;
      }
      default:
        check_same(tcp::endpoint(
            asio::ip::make_address_v6(asio::ip::v4_mapped, asio::ip::address_v4(static_cast<std::uint32_t>(rng()))),
            port));
    }
  }
}
