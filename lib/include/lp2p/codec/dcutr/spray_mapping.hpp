// Classifies our own NAT's TCP mapping for the DCUtR spray extension (docs/dcutr-spray.md §1), from what
// observers report (identify's observedAddr). Terms follow RFC 4787 §4.1 (endpoint-independent vs
// endpoint-dependent mapping, port preservation). Builds on dcutr::diagnose_nat (nat_diagnosis.hpp), which
// groups observations by local port, and adds what the spray planner needs: the public IP, the range of
// public ports seen, and the single-observer case that a failed standard punch makes suspicious.
#pragma once

#include "lp2p/codec/dcutr/nat_diagnosis.hpp"
#include "lp2p/core/multiaddr.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace lp2p::spray {

/// Our mapping as the spray planner sees it. The numeric values are the wire values of
/// `Offer.mapping` (proto/dcutr_spray.proto): never renumber; unknown wire values decode as `unknown`.
enum class MappingKind : std::int32_t {
  unknown = 0,                              ///< no usable observation
  no_nat = 1,                               ///< observers see one of our local addresses unchanged
  endpoint_independent_preserving = 2,      ///< one public ip:port for every observer; port == local port
  endpoint_independent_translated = 3,      ///< port changed, but ≥ 2 observers of one local port agree on it
  port_not_preserved_single_observer = 4,   ///< port changed and only one observer so far: likely dependent
  endpoint_dependent = 5,                   ///< different observers saw different public ports for one local port
};

/// "unknown", "no NAT", "endpoint-independent, port-preserving", ..., "endpoint-dependent (symmetric)".
std::string_view to_string(MappingKind k) noexcept;

/// Whether the planner treats this side as the one that must spray (S): endpoint_dependent, and the
/// single-observer port-rewriting case (a lone observer cannot tell a symmetric NAT from a translating
/// one; the spray only runs after the standard punch failed, which makes the symmetric reading likely).
bool is_dependent(MappingKind k) noexcept;

/// The classifier's verdict.
struct MappingReport {
  MappingKind kind = MappingKind::unknown;
  std::string public_ip;        ///< the public IP most observations agree on ("" when none); IPv6 unbracketed
  std::uint16_t port_min = 0;   ///< lowest public port seen at public_ip, over every local port (0: none)
  std::uint16_t port_max = 0;   ///< highest public port seen at public_ip (0: none)
  std::size_t distinct_ports = 0;  ///< distinct public ports seen at public_ip
  std::size_t observers = 0;    ///< distinct observers behind the verdict's local port
  std::size_t samples = 0;      ///< usable observations (all local ports)
  std::uint16_t local_port = 0; ///< the local port the verdict is about
  std::string explanation;      ///< one sentence with the evidence, for logs
};

/// Classifies our mapping. `observations` are what peers reported (dcutr::Observation: observer address,
/// observed address, our local port); `local_addrs` our own listen/interface addresses (they tell a
/// NAT-free host apart from a port-preserving NAT). `standard_punch_failed`: a DCUtR punch just failed;
/// it does not change the kind, but the explanation of a single-observer port change then says the
/// mapping is most likely endpoint-dependent. Private observations are set aside once a public one
/// exists (as diagnose_nat does).
/// @par Thread safety: pure.
MappingReport classify_mapping(std::span<const dcutr::Observation> observations,
                               std::span<const Multiaddr> local_addrs = {},
                               bool standard_punch_failed = false);

/// classify_mapping() over observations parsed once (dcutr::prepare), the same report: a Host keeps its
/// last observations prepared and re-classifies after every identify.
/// @par Thread safety: pure.
MappingReport classify_prepared(std::span<const dcutr::PreparedObservation> observations,
                                std::span<const Multiaddr> local_addrs = {},
                                bool standard_punch_failed = false);

}  // namespace lp2p::spray
