#include "lp2p/codec/dcutr/spray_budget.hpp"

#include <algorithm>

namespace lp2p::spray {

std::size_t fd_limit_from_rlimit(std::uint64_t rlimit_nofile, std::size_t headroom, unsigned percent) noexcept {
  if (rlimit_nofile <= headroom) return 0;
  const std::uint64_t usable = (rlimit_nofile - headroom) * std::min(percent, 100u) / 100;
  return static_cast<std::size_t>(std::min<std::uint64_t>(usable, SIZE_MAX));
}

std::string_view to_string(Denial d) noexcept {
  switch (d) {
    case Denial::none: return "allowed";
    case Denial::rate_limited: return "rate limited";
    case Denial::too_many_sprays: return "too many sprays";
    case Denial::already_spraying: return "already spraying";
    case Denial::not_spraying: return "not spraying";
    case Denial::fds_exhausted: return "file descriptors exhausted";
    case Denial::too_many_peers: return "too many peers";
  }
  return "allowed";
}

namespace {
BudgetDecision deny(Denial d, std::string why, std::optional<Time> retry_at = std::nullopt) {
  return BudgetDecision{d, std::move(why), retry_at};
}
}  // namespace

SprayBudget::SprayBudget(BudgetConfig cfg) : cfg_(cfg) {}

void SprayBudget::prune(Time now) {
  for (auto it = peers_.begin(); it != peers_.end();) {
    auto& q = it->second.rounds;
    while (!q.empty() && now - q.front() >= cfg_.window) q.pop_front();
    if (q.empty() && !it->second.spraying) it = peers_.erase(it);
    else ++it;
  }
}

std::uint32_t SprayBudget::rounds_left(const PeerId& peer, Time now) const {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return cfg_.rounds_per_window;
  std::uint32_t used = 0;
  for (const auto& t : it->second.rounds)
    if (now - t < cfg_.window) ++used;
  return used >= cfg_.rounds_per_window ? 0 : cfg_.rounds_per_window - used;
}

BudgetDecision SprayBudget::begin_spray(const PeerId& peer, Time now) {
  prune(now);
  auto it = peers_.find(peer);
  if (it != peers_.end() && it->second.spraying)
    return deny(Denial::already_spraying, "a spray with this peer is already running");
  if (active_ >= cfg_.max_concurrent)
    return deny(Denial::too_many_sprays,
                std::to_string(active_) + " sprays are running, the most allowed at once");
  if (rounds_left(peer, now) == 0) {
    std::optional<Time> retry;
    if (it != peers_.end() && !it->second.rounds.empty()) retry = it->second.rounds.front() + cfg_.window;
    return deny(Denial::rate_limited,
                "this peer already had " + std::to_string(cfg_.rounds_per_window) + " spray rounds in the last " +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(cfg_.window).count()) + " s",
                retry);
  }
  if (it == peers_.end()) {
    if (peers_.size() >= cfg_.max_tracked_peers)
      return deny(Denial::too_many_peers, "the spray budget already tracks " + std::to_string(peers_.size()) +
                                              " peers with recent rounds");
    it = peers_.emplace(peer, PeerState{}).first;
  }
  it->second.spraying = true;
  ++active_;
  return {};
}

BudgetDecision SprayBudget::begin_round(const PeerId& peer, Time now) {
  prune(now);
  auto it = peers_.find(peer);
  if (it == peers_.end() || !it->second.spraying)
    return deny(Denial::not_spraying, "a spray round was asked for without a running spray");
  auto& q = it->second.rounds;
  if (q.size() >= cfg_.rounds_per_window) {
    std::optional<Time> retry;
    if (!q.empty()) retry = q.front() + cfg_.window;
    return deny(Denial::rate_limited,
                "this peer already had " + std::to_string(cfg_.rounds_per_window) + " spray rounds in the last " +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(cfg_.window).count()) + " s",
                retry);
  }
  q.push_back(now);
  return {};
}

void SprayBudget::end_spray(const PeerId& peer) {
  auto it = peers_.find(peer);
  if (it == peers_.end() || !it->second.spraying) return;
  it->second.spraying = false;
  --active_;
  if (it->second.rounds.empty()) peers_.erase(it);
}

BudgetDecision SprayBudget::reserve_fds(std::size_t n) {
  if (n > fds_available())
    return deny(Denial::fds_exhausted, "asked for " + std::to_string(n) + " descriptors, " +
                                           std::to_string(fds_available()) + " of " +
                                           std::to_string(cfg_.fd_limit) + " are available");
  fds_ += n;
  return {};
}

void SprayBudget::release_fds(std::size_t n) noexcept { fds_ -= std::min(n, fds_); }

}  // namespace lp2p::spray
