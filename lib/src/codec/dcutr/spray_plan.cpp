#include "lp2p/codec/dcutr/spray_plan.hpp"

#include "lp2p/codec/dcutr/attempt_policy.hpp"

#include <algorithm>
#include <bitset>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>

namespace lp2p::spray {

std::string_view to_string(Role r) noexcept { return r == Role::a ? "A" : "B"; }

std::string_view to_string(SprayPart p) noexcept {
  switch (p) {
    case SprayPart::none: return "none";
    case SprayPart::sprayer: return "sprayer (S)";
    case SprayPart::guesser: return "guesser (E)";
  }
  return "none";
}

std::uint32_t SprayPlan::our_sockets() const noexcept {
  switch (part) {
    case SprayPart::sprayer: return sockets;
    case SprayPart::guesser: return guesses;
    case SprayPart::none: break;
  }
  return 0;
}

SpraySync SprayPlan::sync(std::uint32_t round) const noexcept {
  return SpraySync{round, b_sprays, sockets, guesses};
}

namespace {

constexpr std::uint32_t lowest_port = 1024;  // fully-random and most NATs never hand out lower ports

struct Ip4 {
  std::string ip;
  std::uint16_t port = 0;
};

bool scoped4(const Bytes& ip) {
  const auto a = ip[0], b = ip[1];
  return a == 10 || a == 127 || (a == 172 && (b & 0xf0) == 16) || (a == 192 && b == 168) ||
         (a == 169 && b == 254) || (a == 100 && (b & 0xc0) == 64);
}

/// The first punchable /ip4/x/tcp/p (a trailing /p2p ignored) among `addrs`, public before private.
std::optional<Ip4> first_ip4(const std::vector<Bytes>& addrs) {
  std::optional<Ip4> scoped;
  for (const auto& raw : addrs) {
    auto parsed = Multiaddr::from_bytes(raw);
    if (!parsed) continue;
    Multiaddr a = *parsed;
    auto comps = a.components();
    if (!comps.empty() && comps.back().protocol == Protocol::p2p) a = a.decapsulate_code(Protocol::p2p);
    if (!dcutr::is_punchable_tcp(a)) continue;
    comps = a.components();
    if (comps[0].protocol != Protocol::ip4) continue;
    Ip4 r{comps[0].value_text(), static_cast<std::uint16_t>((comps[1].value[0] << 8) | comps[1].value[1])};
    if (!scoped4(comps[0].value)) return r;
    if (!scoped) scoped = r;
  }
  return scoped;
}

std::string pct(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", p * 100.0);
  return buf;
}

std::string ranges_text(const std::vector<PortRange>& rs) {
  std::string s;
  for (std::size_t i = 0; i < rs.size() && i < 4; ++i) {
    if (i) s += ", ";
    s += std::to_string(rs[i].first) + "-" + std::to_string(rs[i].last);
  }
  if (rs.size() > 4) s += ", ...";
  return s;
}

std::string side_text(const char* name, const SprayOffer& o) {
  return std::string(name) + ": " + std::string(to_string(o.mapping));
}

SprayPlan none(SprayPlan p, NoPlanReason r, std::string why) {
  p.no_plan = r;
  p.part = SprayPart::none;
  p.why = std::move(why);
  return p;
}

}  // namespace

SprayOffer make_offer(const MappingReport& report, std::span<const Multiaddr> candidates,
                      const SprayConfig& cfg, std::size_t fds_available) {
  SprayOffer o;
  o.mapping = report.kind;
  for (const auto& c : candidates) {
    if (o.obs_addrs.size() >= dcutr::max_local_candidates) break;
    o.obs_addrs.push_back(c.bytes());
  }
  // A symmetric NAT's observed addresses may all have been dropped as stale; its IP is what E needs.
  if (!report.public_ip.empty() && report.port_min != 0 && !first_ip4(o.obs_addrs)) {
    if (auto a = Multiaddr::parse("/ip4/" + report.public_ip + "/tcp/" + std::to_string(report.port_min)))
      o.obs_addrs.push_back(a->bytes());
  }
  if (report.port_min != 0) {
    o.port_min = report.port_min;
    o.port_max = std::max(report.port_min, report.port_max);
  }
  if (cfg.enabled) {
    const auto fds = static_cast<std::uint32_t>(std::min<std::size_t>(fds_available, max_sockets_limit));
    o.max_sockets = std::min({cfg.sockets, fds, max_sockets_limit});
    o.max_guesses = std::min({cfg.guesses, fds, max_sockets_limit});
    o.max_rounds = std::min(cfg.max_rounds, max_rounds_limit);
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(cfg.round_timeout).count();
  o.round_timeout_ms = static_cast<std::uint32_t>(
      std::clamp<long long>(ms, min_round_timeout_ms, max_round_timeout_ms));
  return o;
}

std::vector<PortRange> guess_ports(std::uint32_t guesses, std::uint16_t seen_min, std::uint16_t seen_max,
                                   const SprayConfig& cfg) {
  std::uint32_t left = std::min<std::uint32_t>(guesses, 65536 - lowest_port);
  auto covered = std::make_unique<std::bitset<65536>>();
  std::vector<PortRange> out;
  // Adds the uncovered ports of [lo, hi] in ascending order until `left` runs out.
  auto add = [&](std::uint32_t lo, std::uint32_t hi) {
    lo = std::max(lo, lowest_port);
    hi = std::min<std::uint32_t>(hi, 65535);
    for (std::uint32_t p = lo; p <= hi && left > 0; ++p) {
      if ((*covered)[p]) continue;
      covered->set(p);
      --left;
      if (!out.empty() && out.back().last + 1u == p) out.back().last = static_cast<std::uint16_t>(p);
      else out.push_back(PortRange{static_cast<std::uint16_t>(p), static_cast<std::uint16_t>(p)});
    }
  };
  const bool narrow = seen_min != 0 && seen_max > seen_min && std::uint32_t(seen_max - seen_min) <= cfg.narrow_span;
  if (narrow) {
    // A window of 3/4 of M (at least the seen span) centred on the seen ports, shifted to stay in range.
    const std::uint32_t span = std::uint32_t(seen_max - seen_min) + 1;
    const std::uint32_t w = std::min(left, std::max(left / 4 * 3, span));
    const std::uint32_t centre = (std::uint32_t(seen_min) + seen_max) / 2;
    std::uint32_t lo = centre >= lowest_port + w / 2 ? centre - w / 2 : lowest_port;
    if (lo + w - 1 > 65535) lo = 65536 - w;
    if (w > 0) add(lo, lo + w - 1);
  }
  const std::uint32_t sk_first = std::max<std::uint32_t>(cfg.skewed_range.first, lowest_port);
  const std::uint32_t sk_last = cfg.skewed_range.last;
  if (sk_last >= sk_first) {
    add(sk_first, sk_last);
    add(sk_last + 1, 65535);
    add(lowest_port, sk_first - 1);
  } else {
    add(lowest_port, 65535);
  }
  return out;
}

std::uint32_t port_count(std::span<const PortRange> ranges) noexcept {
  std::uint32_t n = 0;
  for (const auto& r : ranges) n += r.size();
  return n;
}

double success_probability(std::uint32_t sockets, std::span<const PortRange> guesses) noexcept {
  // Linux fully-random: 1024 + (random16 % 64512). 65536 = 64512 + 1024, so the residues 0..1023 are
  // drawn twice (ports 1024-2047: 2/65536 each) and the rest once (1/65536); below 1024: never.
  double weight = 0;
  for (const auto& r : guesses) {
    if (r.size() == 0) continue;
    const std::uint32_t lo = r.first, hi = r.last;
    auto overlap = [&](std::uint32_t a, std::uint32_t b) -> double {
      const std::uint32_t x = std::max(lo, a), y = std::min(hi, b);
      return y >= x ? double(y - x + 1) : 0.0;
    };
    weight += 2 * overlap(1024, 2047) + overlap(2048, 65535);
  }
  const double q = std::min(1.0, weight / 65536.0);
  if (sockets == 0 || q <= 0) return 0;
  return 1.0 - std::pow(1.0 - q, double(sockets));
}

SprayPlan plan_spray(const SprayOffer& ours, const SprayOffer& theirs, Role we, const SprayConfig& cfg) {
  SprayPlan p;
  p.we = we;
  const SprayOffer& a = we == Role::a ? ours : theirs;
  const SprayOffer& b = we == Role::a ? theirs : ours;
  p.version = std::min({a.version, b.version, protocol_version});
  const std::string sides = "(" + side_text("A", a) + ", " + side_text("B", b) + ")";
  if (!cfg.enabled) return none(std::move(p), NoPlanReason::disabled, "the spray is disabled in our configuration");

  const bool dep_a = is_dependent(a.mapping), dep_b = is_dependent(b.mapping);
  if (dep_a && dep_b)
    return none(std::move(p), NoPlanReason::both_dependent,
                "both mappings are endpoint-dependent " + sides +
                    ": neither side has a stable public port to aim at, so no spray can meet; staying relayed");
  if (!dep_a && !dep_b)
    return none(std::move(p), NoPlanReason::not_needed,
                "neither mapping is endpoint-dependent " + sides + ": the standard DCUtR punch suffices");

  p.b_sprays = dep_b;
  const SprayOffer& s = dep_b ? b : a;
  const SprayOffer& e = dep_b ? a : b;
  const char* s_name = dep_b ? "B" : "A";
  const char* e_name = dep_b ? "A" : "B";
  p.part = ((we == Role::b) == p.b_sprays) ? SprayPart::sprayer : SprayPart::guesser;
  p.sockets = std::min(s.max_sockets, max_sockets_limit);
  p.guesses = std::min(e.max_guesses, max_sockets_limit);
  p.rounds = std::min({a.max_rounds, b.max_rounds, max_rounds_limit});
  if (p.sockets == 0 || p.guesses == 0 || p.rounds == 0) {
    std::string why = "no budget for a spray: ";
    if (p.sockets == 0) why += std::string(s_name) + " (S) offers no sockets";
    else if (p.guesses == 0) why += std::string(e_name) + " (E) offers no guesses";
    else why += "a side accepts no rounds";
    p.sockets = p.guesses = p.rounds = 0;
    return none(std::move(p), NoPlanReason::no_budget, why + " (caps, descriptors or disabled)");
  }
  auto target = first_ip4(e.obs_addrs);
  auto s_ip = first_ip4(s.obs_addrs);
  if (!target || !s_ip) {
    p.sockets = p.guesses = p.rounds = 0;
    return none(std::move(p), NoPlanReason::no_target,
                !target ? std::string(e_name) + " (E) offers no punchable /ip4/.../tcp/<port> address"
                        : std::string(s_name) + " (S) offers no public IPv4 address");
  }
  p.target_ip = target->ip;
  p.target_port = target->port;
  p.guess_ip = s_ip->ip;
  p.round_timeout = std::chrono::milliseconds{std::clamp(std::max(a.round_timeout_ms, b.round_timeout_ms),
                                                         min_round_timeout_ms, max_round_timeout_ms)};
  p.guess_ports = guess_ports(p.guesses, s.port_min, s.port_max, cfg);
  p.expected_success = success_probability(p.sockets, p.guess_ports);
  p.why = std::string(s_name) + "'s mapping is endpoint-dependent and " + e_name + "'s is not " + sides + ": " +
          s_name + " (S) opens K=" + std::to_string(p.sockets) + " fresh-port sockets to " + p.target_ip + ":" +
          std::to_string(p.target_port) + ", " + e_name + " (E) opens M=" + std::to_string(p.guesses) +
          " sockets to " + p.guess_ip + " at guessed ports";
  return p;
}

result<void> verify_sync(const SpraySync& sync, const SprayPlan& plan) {
  if (!plan.ok()) return error_code(error::no_plan);
  if (sync.sender_sprays != plan.b_sprays || sync.sockets != plan.sockets || sync.guesses != plan.guesses)
    return error_code(error::plan_mismatch);
  return {};
}

std::string describe(const SprayPlan& p) {
  if (!p.ok()) return "no spray (" + std::string(to_string(p.no_plan)) + "): " + p.why;
  return "spray as " + std::string(to_string(p.part)) + ", role " + std::string(to_string(p.we)) + ": K=" +
         std::to_string(p.sockets) + " sockets to " + p.target_ip + ":" + std::to_string(p.target_port) +
         ", M=" + std::to_string(p.guesses) + " guesses at " + p.guess_ip + " (" + ranges_text(p.guess_ports) +
         "), " + std::to_string(p.rounds) + " round(s) of " +
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(p.round_timeout).count()) +
         " ms, expected success " + pct(p.expected_success) + " per round: " + p.why;
}

}  // namespace lp2p::spray
