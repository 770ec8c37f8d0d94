// Multiaddr <-> TCP endpoints (https://github.com/multiformats/multiaddr; WIRE.md §3: DCUtR and identify
// carry dialable addresses as multiaddrs). Accepted dial/listen shapes, as rust-libp2p's TCP + DNS
// transports accept them:
//     /ip4/<a.b.c.d>/tcp/<port>[/p2p/<id>]      /ip6/<addr>/tcp/<port>[/p2p/<id>]
//     /dns/<name>/tcp/<port>[/p2p/<id>]  (any family)   /dns4/... (IPv4 only)   /dns6/... (IPv6 only)
// Anything else (/p2p-circuit, /udp/.../quic-v1, /ws, /dnsaddr, ...) is transport::error::unsupported_address.
#pragma once

#include "lp2p/core/multiaddr.hpp"
#include "lp2p/transport/tcp.hpp"

namespace lp2p::transport {

/// Where a TCP multiaddr points: an IP endpoint, or a DNS name to resolve.
struct TcpTarget {
  std::optional<tcp::endpoint> endpoint;  ///< set for /ip4 and /ip6
  std::string host;                       ///< the name for /dns, /dns4, /dns6 (empty for IP addresses)
  std::uint16_t port = 0;
  AddressFamily family = AddressFamily::any;  ///< dns4 -> v4, dns6 -> v6, dns -> any; ip -> its family
  std::optional<PeerId> peer;                 ///< a trailing /p2p/<id>

  bool is_dns() const noexcept { return !endpoint.has_value(); }
};

/// Splits a TCP multiaddr (see the file comment).
/// @return transport::error::unsupported_address for any other shape.
result<TcpTarget> to_tcp_target(const Multiaddr& address);

/// "/ip4/a.b.c.d/tcp/<port>" or "/ip6/<addr>/tcp/<port>"; an IPv4-mapped IPv6 endpoint becomes /ip4.
Multiaddr to_multiaddr(const tcp::endpoint& endpoint);

/// tcp_dial for a multiaddr: /dns* names are resolved (io::error::timeout / no_addresses /
/// host_not_found possible) and the addresses tried in order until one connects; `options.timeout`
/// bounds the whole operation, resolution included.
/// @return as tcp_dial(endpoint), plus transport::error::unsupported_address and resolve()'s errors;
///         when every resolved address fails, the last address's error.
asio::awaitable<result<std::unique_ptr<io::TcpStream>>> tcp_dial(asio::any_io_executor executor,
                                                                 const Multiaddr& address,
                                                                 const PortReuseRegistry& registry,
                                                                 DialOptions options = {});

}  // namespace lp2p::transport
