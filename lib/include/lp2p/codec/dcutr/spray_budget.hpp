// Caps on the DCUtR spray (docs/dcutr-spray.md §4): a spray opens hundreds of sockets and sends hundreds
// of SYNs through a NAT that is already short of ports, so it is rationed per peer and per time window,
// limited in concurrency, and counted against the process's file-descriptor limit. Sans-IO: time comes in
// as `now` (a virtual clock in tests), and the descriptor limit as a number (RLIMIT_NOFILE read by the
// caller).
#pragma once

#include "lp2p/codec/dcutr/spray_plan.hpp"
#include "lp2p/core/peer_id.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace lp2p::spray {

struct BudgetConfig {
  /// Rounds per remote peer within `window` (every SYNC counts one).
  std::uint32_t rounds_per_window = 3;
  Duration window = std::chrono::minutes{10};
  /// Sprays running at once (all peers).
  std::size_t max_concurrent = 2;
  /// Descriptors the sprays may hold at once; see fd_limit_from_rlimit().
  std::size_t fd_limit = 1024;
  /// Peers whose recent rounds are remembered; a new peer beyond this is refused (the table is a cap).
  std::size_t max_tracked_peers = 1024;
};

/// The share of RLIMIT_NOFILE given to sprays: (rlimit_nofile − headroom) · percent / 100, 0 if the
/// limit is below the headroom. Headroom keeps descriptors for the host's listeners and connections.
std::size_t fd_limit_from_rlimit(std::uint64_t rlimit_nofile, std::size_t headroom = 256,
                                 unsigned percent = 50) noexcept;

enum class Denial {
  none,                ///< allowed
  rate_limited,        ///< this peer used its rounds in the window
  too_many_sprays,     ///< max_concurrent sprays are running
  already_spraying,    ///< a spray with this peer is already running
  not_spraying,        ///< begin_round() without begin_spray() (caller bug)
  fds_exhausted,       ///< the descriptors asked for are not available
  too_many_peers,      ///< the peer table is full of peers with recent rounds
};

std::string_view to_string(Denial d) noexcept;

struct BudgetDecision {
  Denial denial = Denial::none;
  std::string why;                 ///< empty when allowed; one sentence otherwise
  std::optional<Time> retry_at;    ///< rate_limited: when the oldest round leaves the window
  explicit operator bool() const noexcept { return denial == Denial::none; }
};

/// @par Thread safety: none.
class SprayBudget {
 public:
  explicit SprayBudget(BudgetConfig cfg = {});

  /// Starts a spray with `peer`: needs a free concurrency slot, no spray with it already, and at least one
  /// round left in its window. Does not count a round.
  BudgetDecision begin_spray(const PeerId& peer, Time now);
  /// Counts one round for `peer` (call before each SYNC is sent or acted on).
  BudgetDecision begin_round(const PeerId& peer, Time now);
  /// Ends the spray with `peer` (success, failure or abort); unknown peers are ignored.
  void end_spray(const PeerId& peer);

  /// Takes `n` descriptors (all or none).
  BudgetDecision reserve_fds(std::size_t n);
  /// Gives back `n` descriptors (more than reserved is clamped to what is reserved).
  void release_fds(std::size_t n) noexcept;

  std::size_t fds_in_use() const noexcept { return fds_; }
  std::size_t fds_available() const noexcept { return cfg_.fd_limit - fds_; }
  std::size_t active_sprays() const noexcept { return active_; }
  /// Rounds `peer` may still start in the window that ends at `now`.
  std::uint32_t rounds_left(const PeerId& peer, Time now) const;
  const BudgetConfig& config() const noexcept { return cfg_; }

 private:
  struct PeerState {
    std::deque<Time> rounds;  ///< start times within the window, oldest first (at most rounds_per_window)
    bool spraying = false;
  };
  void prune(Time now);

  BudgetConfig cfg_;
  std::map<PeerId, PeerState> peers_;
  std::size_t active_ = 0;
  std::size_t fds_ = 0;
};

}  // namespace lp2p::spray
