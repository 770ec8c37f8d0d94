#include "lp2p/transport/tcp_address.hpp"

#include "lp2p/io/timeout.hpp"
#include "lp2p/log.hpp"
#include "lp2p/transport/error.hpp"

#include <cstring>

namespace lp2p::transport {

result<TcpTarget> to_tcp_target(const Multiaddr& address) {
  const auto cs = address.components();
  if (cs.size() < 2 || cs.size() > 3) return error::unsupported_address;
  if (cs[1].protocol != Protocol::tcp || cs[1].value.size() != 2) return error::unsupported_address;
  TcpTarget t;
  t.port = static_cast<std::uint16_t>(cs[1].value[0] << 8 | cs[1].value[1]);
  if (cs.size() == 3) {
    if (cs[2].protocol != Protocol::p2p) return error::unsupported_address;
    auto id = PeerId::from_bytes(cs[2].value);
    if (!id) return error::unsupported_address;
    t.peer = std::move(*id);
  }
  const auto& host = cs[0];
  switch (host.protocol) {
    case Protocol::ip4: {
      if (host.value.size() != 4) return error::unsupported_address;
      asio::ip::address_v4::bytes_type b;
      std::memcpy(b.data(), host.value.data(), 4);
      t.endpoint = tcp::endpoint(asio::ip::address_v4(b), t.port);
      t.family = AddressFamily::v4;
      return t;
    }
    case Protocol::ip6: {
      if (host.value.size() != 16) return error::unsupported_address;
      asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), host.value.data(), 16);
      t.endpoint = tcp::endpoint(asio::ip::address_v6(b), t.port);
      t.family = AddressFamily::v6;
      return t;
    }
    case Protocol::dns: t.family = AddressFamily::any; break;
    case Protocol::dns4: t.family = AddressFamily::v4; break;
    case Protocol::dns6: t.family = AddressFamily::v6; break;
    default: return error::unsupported_address;
  }
  t.host = host.value_text();
  if (t.host.empty()) return error::unsupported_address;
  return t;
}

Multiaddr to_multiaddr(const tcp::endpoint& endpoint) {
  auto a = endpoint.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  // The binary form directly (it was printed as text and parsed back, a dozen allocations on every
  // connection): code, address bytes (a v6 scope id, fe80::1%eth0, is dropped: /ip6 cannot carry it),
  // then tcp's code and the port in network order. Both codes fit in one varint byte.
  std::uint8_t buf[1 + 16 + 1 + 2];
  std::size_t n = 0;
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    buf[n++] = static_cast<std::uint8_t>(Protocol::ip4);
    std::memcpy(buf + n, b.data(), b.size());
    n += b.size();
  } else {
    const auto b = a.to_v6().to_bytes();
    buf[n++] = static_cast<std::uint8_t>(Protocol::ip6);
    std::memcpy(buf + n, b.data(), b.size());
    n += b.size();
  }
  buf[n++] = static_cast<std::uint8_t>(Protocol::tcp);
  buf[n++] = static_cast<std::uint8_t>(endpoint.port() >> 8);
  buf[n++] = static_cast<std::uint8_t>(endpoint.port() & 0xff);
  auto m = Multiaddr::from_bytes(BytesView(buf, n));
  return m ? std::move(*m) : Multiaddr{};  // cannot fail: any address and port is a valid value
}

namespace {
asio::awaitable<result<std::unique_ptr<io::TcpStream>>> dial_target(asio::any_io_executor ex, TcpTarget target,
                                                                    const PortReuseRegistry& registry,
                                                                    DialOptions options) {
  if (!target.is_dns()) {
    auto r = co_await tcp_dial(ex, *target.endpoint, registry, options);
    co_return r;
  }
  auto eps = co_await resolve(ex, target.host, target.port, target.family, options.timeout);
  if (!eps) co_return eps.error();
  error_code last;
  for (const auto& ep : *eps) {
    auto r = co_await tcp_dial(ex, ep, registry, options);
    if (r) co_return r;
    last = r.error();
    // Our own cancellation or deadline: stop instead of trying the next address.
    if (last == asio::error::operation_aborted) break;
    LP2P_LOG(debug, "tcp") << "dial " << target.host << " via " << io::to_string(ep) << " failed: " << last.message();
  }
  co_return last;
}
}  // namespace

asio::awaitable<result<std::unique_ptr<io::TcpStream>>> tcp_dial(asio::any_io_executor executor,
                                                                 const Multiaddr& address,
                                                                 const PortReuseRegistry& registry,
                                                                 DialOptions options) {
  auto target = to_tcp_target(address);
  if (!target) co_return target.error();
  // An IP target is one tcp_dial, whose own deadline is this same options.timeout; only a name (a
  // lookup, then possibly several addresses) needs the overall bound.
  if (!target->is_dns()) {
    auto r = co_await tcp_dial(executor, *target->endpoint, registry, options);
    co_return r;
  }
  auto r = co_await io::with_timeout(dial_target(executor, std::move(*target), registry, options), options.timeout);
  co_return r;
}

}  // namespace lp2p::transport
