#include "lp2p/codec/dcutr/attempt_policy.hpp"

#include <algorithm>

namespace lp2p::dcutr {

namespace {

bool all_zero(const Bytes& b) {
  return std::all_of(b.begin(), b.end(), [](auto x) { return x == 0; });
}

/// Strips one trailing /p2p component; reports the id it carried (nullopt if none).
Multiaddr strip_peer(const Multiaddr& a, std::optional<Bytes>& id) {
  auto comps = a.components();
  if (!comps.empty() && comps.back().protocol == Protocol::p2p) {
    id = comps.back().value;
    return a.decapsulate_code(Protocol::p2p);
  }
  id.reset();
  return a;
}

}  // namespace

bool is_punchable_tcp(const Multiaddr& addr) {
  auto comps = addr.components();
  if (comps.size() != 2) return false;
  const auto& ip = comps[0];
  const auto& port = comps[1];
  if (ip.protocol != Protocol::ip4 && ip.protocol != Protocol::ip6) return false;
  if (all_zero(ip.value)) return false;  // 0.0.0.0 / :: are listen wildcards, not dialable
  return port.protocol == Protocol::tcp && !all_zero(port.value);
}

std::vector<Multiaddr> select_candidates(const std::vector<Multiaddr>& observed, const PeerId& self) {
  std::vector<Multiaddr> bare;
  for (const auto& a : observed) {
    if (bare.size() >= max_local_candidates) break;
    if (a.has(Protocol::p2p_circuit)) continue;
    std::optional<Bytes> id;
    Multiaddr b = strip_peer(a, id);
    if (id && *id != self.bytes()) continue;  // someone else's address
    if (!is_punchable_tcp(b)) continue;
    if (std::find(bare.begin(), bare.end(), b) != bare.end()) continue;
    bare.push_back(std::move(b));
  }
  std::vector<Multiaddr> out;
  out.reserve(bare.size());
  for (const auto& b : bare) out.push_back(b.with_peer_id(self));
  return out;
}

result<std::vector<Multiaddr>> filter_remote_candidates(const std::vector<Bytes>& obs_addrs) {
  if (obs_addrs.empty()) return error::no_addresses;
  std::vector<Multiaddr> out;
  for (const auto& raw : obs_addrs) {
    if (out.size() >= max_remote_candidates) break;
    auto parsed = Multiaddr::from_bytes(raw);
    if (!parsed) continue;  // rust and go skip what they cannot parse
    if (parsed->has(Protocol::p2p_circuit)) continue;
    std::optional<Bytes> id;
    Multiaddr a = strip_peer(*parsed, id);
    if (!is_punchable_tcp(a)) continue;
    if (std::find(out.begin(), out.end(), a) != out.end()) continue;
    out.push_back(std::move(a));
  }
  return out;
}

Duration sync_dial_delay(Time connect_sent, Time connect_received) noexcept {
  if (connect_received <= connect_sent) return Duration::zero();
  return (connect_received - connect_sent) / 2;
}

HolePunchAttempts::HolePunchAttempts(AttemptConfig cfg) : cfg_(cfg) {
  if (cfg_.max_attempts == 0) cfg_.max_attempts = 1;
}

result<unsigned> HolePunchAttempts::begin(Time now) {
  if (finished() || attempts_ >= cfg_.max_attempts) return error::attempts_exceeded;
  ++attempts_;
  deadline_ = now + cfg_.attempt_timeout;
  return attempts_;
}

AttemptVerdict HolePunchAttempts::on_outcome(AttemptOutcome outcome) {
  if (finished()) return verdict_;
  deadline_.reset();
  last_ = outcome;
  switch (outcome) {
    case AttemptOutcome::direct_connection: verdict_ = AttemptVerdict::succeeded; break;
    case AttemptOutcome::protocol_error: verdict_ = AttemptVerdict::give_up; break;
    case AttemptOutcome::dial_failed:
    case AttemptOutcome::timed_out:
      verdict_ = attempts_ >= cfg_.max_attempts ? AttemptVerdict::give_up : AttemptVerdict::retry;
      break;
  }
  return verdict_;
}

std::optional<AttemptVerdict> HolePunchAttempts::on_timeout(Time now) {
  if (!deadline_ || now < *deadline_) return std::nullopt;
  return on_outcome(AttemptOutcome::timed_out);
}

error_code HolePunchAttempts::failure() const noexcept {
  if (verdict_ == AttemptVerdict::give_up && last_ != AttemptOutcome::protocol_error)
    return error::attempts_exceeded;
  return {};
}

}  // namespace lp2p::dcutr
