// Choosing one connection out of a spray round (docs/dcutr-spray.md §5). Several of the K (or M) sockets
// may complete a TCP simultaneous open; both ends see the same set, and exactly one side chooses so that
// the two never upgrade different sockets:
//   A (the DCUtR client, Noise initiator of the upgrade) speaks first (multistream-select, then Noise) on
//     the first socket that connects; later connections are kept as spares until that upgrade succeeds.
//     If the chosen socket fails before its upgrade succeeds, A closes it and speaks on the oldest spare
//     (fallback within the round, while the round's deadline has not passed).
//   B adopts the first socket on which bytes arrive and runs the upgrade as responder on it; other
//     sockets stay open until that upgrade succeeds (A may fall back to one of them). If the adopted
//     socket fails, B adopts the next socket that received bytes.
// On success every other socket is closed, and so is any that connects later. At the deadline, sockets
// still in SYN_SENT and idle spares are closed; an upgrade in progress is left to finish (its own timeout
// belongs to the caller).
// Sans-IO: the caller reports socket events with `now`, and performs the returned actions.
#pragma once

#include "lp2p/codec/dcutr/spray_plan.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lp2p::spray {

using SocketId = std::uint32_t;

/// What to do after an event. Perform `close` first, then start the upgrade on `speak_on`/`adopt`.
struct SelectorActions {
  std::optional<SocketId> speak_on;  ///< A: start the upgrade as initiator (speak first) on this socket
  std::optional<SocketId> adopt;     ///< B: run the upgrade as responder on this socket
  std::vector<SocketId> close;       ///< close these sockets (each listed once over the round)
  bool round_over = false;           ///< the round ended: see SpraySelector::state()
};

/// Counters for the log line.
struct SprayStats {
  std::uint32_t opened = 0;      ///< sockets opened (each sent a SYN)
  std::uint32_t connected = 0;   ///< sockets that completed a connection
  std::uint32_t failed = 0;      ///< sockets that failed (refused, unreachable, reset, upgrade failed)
  std::uint32_t closed = 0;      ///< sockets we were told to close
  std::uint32_t syns = 0;        ///< SYNs sent: one per socket plus Linux retransmits at 1, 3, 7, 15 ... s
                                 ///< while it stayed in SYN_SENT (an estimate; the kernel does not report)
  std::uint32_t fallbacks = 0;   ///< times the chosen/adopted socket failed and another was taken
};

/// One round of one spray.
/// @par Thread safety: none.
class SpraySelector {
 public:
  enum class State {
    waiting,    ///< no socket chosen yet
    upgrading,  ///< A spoke on / B adopted a socket; its upgrade runs
    succeeded,  ///< the upgrade succeeded: chosen() is the direct connection
    failed,     ///< the round ended without a direct connection
  };

  /// `role`: A chooses, B adopts. `max_sockets`: the round's socket count (on_opened() refuses more).
  SpraySelector(Role role, Time start, Duration round_timeout, std::uint32_t max_sockets);

  /// A socket was opened (its SYN sent) at `now`. @return its id (0, 1, ...), or nullopt when max_sockets
  /// are open or the round is over (then do not open it).
  std::optional<SocketId> on_opened(Time now);
  /// The socket's connect completed (simultaneous open or the peer's SYN-ACK).
  SelectorActions on_connected(SocketId id, Time now);
  /// B: the first bytes arrived on the socket (A: ignored, A speaks first).
  SelectorActions on_readable(SocketId id, Time now);
  /// The socket failed or was closed by the peer (connect refused/unreachable, reset, EOF). The caller
  /// closes that socket itself (it is not listed in `close`).
  SelectorActions on_failed(SocketId id, Time now);
  /// The upgrade (multistream + Noise + muxer) on the chosen/adopted socket succeeded.
  SelectorActions on_upgraded(SocketId id, Time now);
  /// The upgrade on the chosen/adopted socket failed: the answer lists it in `close` (the upgrade may
  /// have left it open) and may pick a fallback.
  SelectorActions on_upgrade_failed(SocketId id, Time now);
  /// Call when the timer at deadline() fires.
  SelectorActions on_timeout(Time now);

  /// The round's deadline: start + round_timeout.
  Time deadline() const noexcept { return deadline_; }
  State state() const noexcept { return state_; }
  Role role() const noexcept { return role_; }
  /// The socket being upgraded (upgrading) or the winner (succeeded).
  std::optional<SocketId> chosen() const noexcept { return chosen_; }
  /// Counters; SYN retransmits are estimated up to `now` for sockets still in SYN_SENT.
  SprayStats stats(Time now) const;

 private:
  enum class Sock : std::uint8_t { syn_sent, connected, readable, chosen, failed, closed };
  struct Entry {
    Sock st = Sock::syn_sent;
    Time opened{};
    Time syn_end{};  ///< when it left SYN_SENT (valid unless st == syn_sent)
    bool left_syn = false;
  };
  bool valid(SocketId id) const noexcept { return id < socks_.size(); }
  void leave_syn(Entry& e, Time now);
  void close_into(SelectorActions& a, SocketId id, Time now);
  void close_all_but(SelectorActions& a, std::optional<SocketId> keep, Time now);
  void pick_next(SelectorActions& a, Time now);
  /// The round is decided (or its deadline passed with an upgrade running): a socket that connects or
  /// speaks now is not kept.
  bool closed_to_newcomers(Time now) const noexcept;
  /// A usable socket `id` (A: connected, B: readable) is chosen when nothing is, else kept as a spare.
  void choose_or_keep(SelectorActions& a, SocketId id);

  Role role_;
  Time deadline_;
  std::uint32_t max_;
  State state_ = State::waiting;
  std::optional<SocketId> chosen_;
  std::vector<Entry> socks_;
  std::vector<SocketId> spares_;  ///< A: connected, in order; B: readable, in order
  SprayStats counts_;
};

/// "unknown" etc. for logs.
std::string_view to_string(SpraySelector::State s) noexcept;

/// The log line, e.g. "sent 576 SYNs from 192 sockets because our NAT maps each destination to a new
/// public port (endpoint-dependent): K=192 fresh-port sockets to 198.51.100.2:4001 against M=1024 guessed
/// ports; 2 connected, 1 upgraded".
std::string explain_round(const SprayPlan& plan, const SprayStats& stats);

}  // namespace lp2p::spray
