#include "lp2p/codec/dcutr/spray_mapping.hpp"

#include "lp2p/codec/dcutr/attempt_policy.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>

namespace lp2p::spray {

std::string_view to_string(MappingKind k) noexcept {
  switch (k) {
    case MappingKind::unknown: return "unknown";
    case MappingKind::no_nat: return "no NAT";
    case MappingKind::endpoint_independent_preserving: return "endpoint-independent, port-preserving";
    case MappingKind::endpoint_independent_translated: return "endpoint-independent, port-translating";
    case MappingKind::port_not_preserved_single_observer: return "port not preserved (one observer)";
    case MappingKind::endpoint_dependent: return "endpoint-dependent (symmetric)";
  }
  return "unknown";
}

bool is_dependent(MappingKind k) noexcept {
  return k == MappingKind::endpoint_dependent || k == MappingKind::port_not_preserved_single_observer;
}

namespace {

MappingKind kind_of(const dcutr::NatDiagnosis& d) {
  switch (d.kind) {
    case dcutr::MappingKind::unknown: return MappingKind::unknown;
    case dcutr::MappingKind::no_nat: return MappingKind::no_nat;
    case dcutr::MappingKind::port_preserving: return MappingKind::endpoint_independent_preserving;
    case dcutr::MappingKind::port_rewriting:
      return d.observers > 1 ? MappingKind::endpoint_independent_translated
                             : MappingKind::port_not_preserved_single_observer;
    case dcutr::MappingKind::endpoint_dependent: return MappingKind::endpoint_dependent;
  }
  return MappingKind::unknown;
}

std::string range_text(const MappingReport& r) {
  if (r.port_min == r.port_max) return "port " + std::to_string(r.port_min);
  return std::to_string(r.distinct_ports) + " ports in " + std::to_string(r.port_min) + "-" +
         std::to_string(r.port_max);
}

}  // namespace

MappingReport classify_mapping(std::span<const dcutr::Observation> observations,
                               std::span<const Multiaddr> local_addrs, bool standard_punch_failed) {
  std::vector<dcutr::PreparedObservation> prepared;
  prepared.reserve(observations.size());
  for (const auto& o : observations) prepared.push_back(dcutr::prepare(o));
  return classify_prepared(prepared, local_addrs, standard_punch_failed);
}

MappingReport classify_prepared(std::span<const dcutr::PreparedObservation> observations,
                                std::span<const Multiaddr> local_addrs, bool standard_punch_failed) {
  const dcutr::NatDiagnosis d = dcutr::diagnose_prepared(observations, local_addrs);
  MappingReport r;
  r.kind = kind_of(d);
  r.observers = d.observers;
  r.samples = d.usable;
  r.local_port = d.local_port;

  // The public IP: the one most usable observations agree on, public ones preferred over scoped ones
  // (ties: the first seen). Its port range covers every local port: each port the NAT handed out tells
  // where its allocator draws from.
  std::vector<const dcutr::PreparedObservation*> seen;  // the usable observations
  for (const auto& o : observations)
    if (o.usable) seen.push_back(&o);
  const bool any_public = std::any_of(seen.begin(), seen.end(), [](const auto* s) { return !s->scoped; });
  std::vector<std::pair<std::string_view, std::size_t>> votes;  // first-seen order
  for (const auto* s : seen) {
    if (any_public && s->scoped) continue;
    auto it = std::find_if(votes.begin(), votes.end(), [&](const auto& v) { return v.first == s->ip; });
    if (it == votes.end()) votes.emplace_back(s->ip, 1);
    else ++it->second;
  }
  if (!votes.empty()) {
    auto best = votes.begin();
    for (auto it = votes.begin(); it != votes.end(); ++it)
      if (it->second > best->second) best = it;
    r.public_ip = std::string(best->first);
    std::set<std::uint16_t> ports;
    for (const auto* s : seen)
      if (s->ip == r.public_ip && !(any_public && s->scoped)) ports.insert(s->port);
    r.distinct_ports = ports.size();
    r.port_min = *ports.begin();
    r.port_max = *ports.rbegin();
  }

  const std::string lp = std::to_string(r.local_port);
  switch (r.kind) {
    case MappingKind::unknown:
      r.explanation = "no usable observation of our address yet: the NAT mapping is unknown";
      break;
    case MappingKind::no_nat:
      r.explanation = "observers see our local address " + r.public_ip + " unchanged: no NAT";
      break;
    case MappingKind::endpoint_independent_preserving:
      r.explanation = std::to_string(r.observers) + " observer(s) see our local port " + lp + " at " +
                      r.public_ip + " with the same port: endpoint-independent, port-preserving mapping";
      break;
    case MappingKind::endpoint_independent_translated:
      r.explanation = std::to_string(r.observers) + " observers agree on one public port for our local port " +
                      lp + " (" + r.public_ip + ", " + range_text(r) +
                      " seen): endpoint-independent mapping that translates the port";
      break;
    case MappingKind::port_not_preserved_single_observer:
      r.explanation = "one observer sees our local port " + lp + " at " + r.public_ip + " with another port (" +
                      range_text(r) + " seen)" +
                      (standard_punch_failed
                           ? " and the standard punch failed: most likely an endpoint-dependent (symmetric) "
                             "mapping"
                           : ": possibly an endpoint-dependent mapping; a second observer would tell");
      break;
    case MappingKind::endpoint_dependent:
      r.explanation = std::to_string(r.observers) + " observers see our local port " + lp +
                      " at different public ports (" + r.public_ip + ", " + range_text(r) +
                      " seen): endpoint-dependent (symmetric) mapping, a new public port per destination";
      break;
  }
  return r;
}

}  // namespace lp2p::spray
