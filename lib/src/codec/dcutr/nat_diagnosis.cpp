#include "lp2p/codec/dcutr/nat_diagnosis.hpp"

#include "lp2p/codec/dcutr/attempt_policy.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>

namespace lp2p::dcutr {

std::string_view to_string(MappingKind k) noexcept {
  switch (k) {
    case MappingKind::unknown: return "unknown";
    case MappingKind::no_nat: return "no NAT";
    case MappingKind::port_preserving: return "port-preserving";
    case MappingKind::port_rewriting: return "port-rewriting";
    case MappingKind::endpoint_dependent: return "endpoint-dependent (symmetric)";
  }
  return "unknown";
}

namespace {

struct Endpoint {
  std::string text;  // "1.2.3.4:4001", "[2001:db8::1]:4001"
  std::uint16_t port = 0;
  bool scoped = false;  // private, loopback, link-local or shared (CGNAT) address
};

Multiaddr strip_peer(const Multiaddr& a) {
  auto comps = a.components();
  if (!comps.empty() && comps.back().protocol == Protocol::p2p) return a.decapsulate_code(Protocol::p2p);
  return a;
}

bool is_scoped(Protocol p, const Bytes& ip) {
  if (p == Protocol::ip4 && ip.size() == 4) {
    const auto a = ip[0], b = ip[1];
    return a == 10 || a == 127 || (a == 172 && (b & 0xf0) == 16) || (a == 192 && b == 168) ||
           (a == 169 && b == 254) || (a == 100 && (b & 0xc0) == 64);
  }
  if (p == Protocol::ip6 && ip.size() == 16) {
    bool loopback = std::all_of(ip.begin(), ip.end() - 1, [](auto x) { return x == 0; }) && ip[15] == 1;
    return loopback || (ip[0] & 0xfe) == 0xfc || (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80);
  }
  return false;
}

bool all_zero(const Bytes& b) {
  return std::all_of(b.begin(), b.end(), [](auto x) { return x == 0; });
}

// One components() parse per address: what strip_peer() + is_punchable_tcp() decide (a trailing /p2p
// dropped, then exactly ip4|ip6 + tcp, neither all zero), then the fields diagnose/classify read.
std::optional<Endpoint> endpoint_of(const Multiaddr& addr, std::string* ip_text = nullptr) {
  auto comps = addr.components();
  if (!comps.empty() && comps.back().protocol == Protocol::p2p) comps.pop_back();
  if (comps.size() != 2) return std::nullopt;
  if (comps[0].protocol != Protocol::ip4 && comps[0].protocol != Protocol::ip6) return std::nullopt;
  if (all_zero(comps[0].value) || comps[1].protocol != Protocol::tcp || all_zero(comps[1].value))
    return std::nullopt;
  Endpoint e;
  e.port = static_cast<std::uint16_t>((comps[1].value[0] << 8) | comps[1].value[1]);
  const std::string ip = comps[0].value_text();
  e.text = (comps[0].protocol == Protocol::ip6 ? "[" + ip + "]" : ip) + ":" + std::to_string(e.port);
  e.scoped = is_scoped(comps[0].protocol, comps[0].value);
  if (ip_text) *ip_text = ip;
  return e;
}

struct Group {
  std::vector<const PreparedObservation*> endpoints;  // distinct observed endpoints, first-seen order
  std::vector<std::pair<std::size_t, std::string_view>> seen;  // (endpoint index, observer) per observation
  std::size_t count = 0;
};

std::size_t index_of(std::vector<const PreparedObservation*>& eps, const PreparedObservation& e) {
  for (std::size_t i = 0; i < eps.size(); ++i)
    if (eps[i]->endpoint == e.endpoint) return i;
  eps.push_back(&e);
  return eps.size() - 1;
}

NatDiagnosis judge(std::uint16_t local_port, const Group& g, const std::set<std::string>& locals) {
  // A peer on our LAN sees our private address while the Internet sees the NAT's: such private
  // observations say nothing about the NAT once a public one exists, so set them aside.
  const bool any_public =
      std::any_of(g.endpoints.begin(), g.endpoints.end(), [](const PreparedObservation* e) { return !e->scoped; });
  std::vector<bool> keep(g.endpoints.size());
  for (std::size_t i = 0; i < g.endpoints.size(); ++i) keep[i] = !any_public || !g.endpoints[i]->scoped;

  NatDiagnosis d;
  d.local_port = local_port;
  // Distinct observers: sorted views, no node per observer (this runs for every group after every identify).
  std::vector<std::string_view> observers;
  observers.reserve(g.seen.size());
  for (const auto& [idx, obs] : g.seen)
    if (keep[idx]) observers.push_back(obs);
  std::sort(observers.begin(), observers.end());
  d.observers = static_cast<std::size_t>(std::unique(observers.begin(), observers.end()) - observers.begin());
  bool all_local = true;
  for (std::size_t i = 0; i < g.endpoints.size(); ++i) {
    if (!keep[i]) continue;
    const PreparedObservation& e = *g.endpoints[i];
    d.observed.push_back(e.endpoint);
    if (std::find(d.observed_ports.begin(), d.observed_ports.end(), e.port) == d.observed_ports.end())
      d.observed_ports.push_back(e.port);
    all_local = all_local && locals.count(e.endpoint) != 0;
  }
  if (d.observed.empty()) return d;
  if (all_local) {
    d.kind = MappingKind::no_nat;
  } else if (d.observed.size() > 1 && d.observers > 1) {
    d.kind = MappingKind::endpoint_dependent;
  } else {
    const bool preserved = std::all_of(d.observed_ports.begin(), d.observed_ports.end(),
                                       [&](std::uint16_t p) { return p == local_port; });
    d.kind = preserved ? MappingKind::port_preserving : MappingKind::port_rewriting;
  }
  return d;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

std::string join_ports(const std::vector<std::uint16_t>& v) {
  std::vector<std::string> s;
  for (auto p : v) s.push_back(std::to_string(p));
  return join(s, " vs ");
}

}  // namespace

PreparedObservation prepare(const Observation& o) {
  PreparedObservation p;
  p.local_port = o.local_port;
  const Multiaddr who = strip_peer(o.observer);
  p.observer.assign(who.bytes().begin(), who.bytes().end());
  if (o.local_port == 0) return p;
  auto e = endpoint_of(o.observed, &p.ip);
  if (!e) return p;
  p.usable = true;
  p.endpoint = std::move(e->text);
  p.port = e->port;
  p.scoped = e->scoped;
  return p;
}

NatDiagnosis diagnose_nat(std::span<const Observation> observations, std::span<const Multiaddr> local_addrs) {
  std::vector<PreparedObservation> prepared;
  prepared.reserve(observations.size());
  for (const auto& o : observations) prepared.push_back(prepare(o));
  return diagnose_prepared(prepared, local_addrs);
}

NatDiagnosis diagnose_prepared(std::span<const PreparedObservation> observations,
                               std::span<const Multiaddr> local_addrs) {
  std::set<std::string> locals;
  for (const auto& l : local_addrs)
    if (auto e = endpoint_of(l)) locals.insert(e->text);

  std::map<std::uint16_t, Group> groups;
  std::size_t usable = 0;
  for (const auto& o : observations) {
    if (!o.usable) continue;
    ++usable;
    Group& g = groups[o.local_port];
    g.seen.emplace_back(index_of(g.endpoints, o), o.observer);
    ++g.count;
  }

  NatDiagnosis best;
  std::size_t best_count = 0;
  for (const auto& [port, g] : groups) {
    NatDiagnosis d = judge(port, g, locals);
    if (d.kind > best.kind || (d.kind == best.kind && g.count > best_count)) {
      best = std::move(d);
      best_count = g.count;
    }
  }
  best.usable = usable;
  return best;
}

std::string explain(const NatDiagnosis& d) {
  const std::string lp = std::to_string(d.local_port);
  const std::string first = d.observed.empty() ? std::string() : d.observed.front();
  const std::string first_port = d.observed_ports.empty() ? std::string() : std::to_string(d.observed_ports[0]);
  switch (d.kind) {
    case MappingKind::unknown:
      return "no usable observations of our address yet (observed /ip4 or /ip6 .../tcp/<port> addresses "
             "reported by peers on connections from our listening port): the NAT mapping is unknown";
    case MappingKind::no_nat:
      return "observers see our own local address " + first +
             " unchanged: there is no NAT between us and them; peers can dial us directly unless a firewall "
             "drops inbound connections";
    case MappingKind::port_preserving:
      if (d.observers > 1)
        return std::to_string(d.observers) + " observers agree on our public address " + first +
               ", which keeps our listening port " + lp +
               ": endpoint-independent, port-preserving mapping; TCP hole punching is expected to work "
               "unless the peer's NAT or a firewall prevents it";
      return "one observer sees us at " + first + ", which keeps our listening port " + lp +
             ": port-preserving mapping so far; a second observer is needed to tell whether the mapping "
             "depends on the destination";
    case MappingKind::port_rewriting:
      if (d.observers > 1)
        return "our observed port " + first_port + " differs from our listening port " + lp + ", but " +
               std::to_string(d.observers) + " observers agree on " + first +
               ": endpoint-independent mapping that rewrites the port; TCP hole punching can work because "
               "the peer aims at the observed port";
      if (d.observed.size() > 1)
        return "one observer saw our listening port " + lp + " mapped to different addresses over time (" +
               join(d.observed, " vs ") +
               "): the NAT re-creates mappings, so the address a peer aims at may already be stale; a second "
               "observer is needed to tell whether the mapping also depends on the destination";
      return "our observed port " + first_port + " differs from our listening port " + lp +
             " (one observer so far, at " + first +
             "): port-rewriting mapping; if it also depends on the destination (symmetric NAT), TCP hole "
             "punching will fail";
    case MappingKind::endpoint_dependent: {
      std::string evidence;
      if (d.observed_ports.size() > 1) {
        // Quote a port that differs from ours (one does, since several distinct ports were seen).
        auto moved = std::find_if(d.observed_ports.begin(), d.observed_ports.end(),
                                  [&](std::uint16_t p) { return p != d.local_port; });
        evidence = "our observed port " + std::to_string(*moved) + " differs from our listening port " + lp +
                   " and between observers (" + join_ports(d.observed_ports) + ")";
      } else {
        evidence = "observers see our listening port " + lp + " at different public addresses (" +
                   join(d.observed, " vs ") + ")";
      }
      return evidence +
             ": endpoint-dependent mapping (symmetric NAT); TCP hole punching is not expected to work "
             "through it; the relayed connection remains usable";
    }
  }
  return "unknown";
}

}  // namespace lp2p::dcutr
