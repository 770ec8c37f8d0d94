// Classifies our NAT's TCP mapping behaviour from the addresses other peers observed us at (identify's
// observedAddr), so that a failed hole punch can be explained with evidence. Terms follow RFC 4787 §4.1
// (endpoint-independent vs endpoint-dependent mapping, port preservation); why it matters for DCUtR:
// https://github.com/libp2p/specs/blob/master/relay/DCUtR.md and DESIGN.md §1 (a carrier NAT that picks a
// new port per destination defeats the punch, because the port the relay saw is not the one the peer
// reaches).
//
// The evidence only counts observations made on connections dialed from a known local port (port reuse:
// every dial leaves from the listening port), so observations are grouped by that port.
#pragma once

#include "lp2p/core/multiaddr.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lp2p::dcutr {

/// One report of our address: `observer` told us (on a connection from our `local_port`) that it sees
/// us at `observed`.
struct Observation {
  Multiaddr observer;  ///< the remote address of the connection it came over (a trailing /p2p is ignored)
  Multiaddr observed;  ///< /ip4|ip6/<addr>/tcp/<port>, a trailing /p2p ignored; anything else is unusable
  std::uint16_t local_port = 0;
};

/// An Observation with its addresses parsed once: what diagnose_nat() and spray::classify_mapping() read
/// from it. A Host re-classifies its mapping over its last observations after every identify; keeping
/// them prepared spares parsing every address again each time (that was ~12% of the instructions of a
/// new connection).
struct PreparedObservation {
  bool usable = false;          ///< observed is /ip4|ip6/<addr>/tcp/<port> (a /p2p ignored, neither all zero) and local_port != 0
  std::string ip;               ///< observed IP as text, IPv6 unbracketed
  std::string endpoint;         ///< observed "ip:port", IPv6 in brackets
  std::uint16_t port = 0;       ///< observed port
  bool scoped = false;          ///< observed IP is private, loopback, link-local or shared (CGNAT)
  std::string observer;         ///< the observer's address bytes, a trailing /p2p removed
  std::uint16_t local_port = 0;
};

/// Parses `o` for diagnose_prepared() / spray::classify_prepared().
/// @par Thread safety: pure.
PreparedObservation prepare(const Observation& o);

/// Ordered by how badly each defeats hole punching (a verdict over several local ports takes the worst).
enum class MappingKind {
  unknown,             ///< no usable observations, or too few to decide
  no_nat,              ///< observers see one of our own local addresses unchanged
  port_preserving,     ///< one public address whose port equals our local port
  port_rewriting,      ///< one public address whose port differs from our local port
  endpoint_dependent,  ///< different observers see different public addresses for the same local port
};

/// "unknown", "no NAT", "port-preserving", "port-rewriting", "endpoint-dependent (symmetric)".
std::string_view to_string(MappingKind k) noexcept;

struct NatDiagnosis {
  MappingKind kind = MappingKind::unknown;
  std::uint16_t local_port = 0;               ///< the local port the verdict is about
  std::vector<std::string> observed;          ///< distinct observed "ip:port" (ip6 in brackets), first-seen order
  std::vector<std::uint16_t> observed_ports;  ///< distinct observed ports, first-seen order
  std::size_t observers = 0;                  ///< distinct observers behind the verdict
  std::size_t usable = 0;                     ///< observations used (all local ports)
};

/// Classifies the mapping. `local_addrs` are our own listen/interface addresses (/ip4|ip6/x/tcp/p),
/// which tell a NAT-free host apart from a port-preserving NAT; without them no_nat is never reported.
/// With a single observer, port_preserving/port_rewriting are provisional (a symmetric NAT looks the
/// same until a second observer reports); the explanation says so.
/// @par Thread safety: pure.
NatDiagnosis diagnose_nat(std::span<const Observation> observations,
                          std::span<const Multiaddr> local_addrs = {});

/// diagnose_nat() over prepared observations (the same verdict).
/// @par Thread safety: pure.
NatDiagnosis diagnose_prepared(std::span<const PreparedObservation> observations,
                               std::span<const Multiaddr> local_addrs = {});

/// One or two sentences with the evidence, e.g. "our observed port 40123 differs from our listening port
/// 4001 and between observers (40123 vs 51234): endpoint-dependent mapping (symmetric NAT); TCP hole
/// punching is not expected to work through it; the relayed connection remains usable".
std::string explain(const NatDiagnosis& d);

}  // namespace lp2p::dcutr
