// The relay client's reservation keeper (sans-IO): keeps one reservation at one relay alive.
// Spec: https://github.com/libp2p/specs/blob/master/relay/circuit-v2.md#reservation ("the reservation
// remains valid until its expiration, as long as there is an active connection to the relay"; clients
// refresh before expiry). Renewal timing follows rust-libp2p (protocol/outbound_hop.rs: renew at 3/4 of
// `expire - now`); the reconnect policy is ours: rust and js do not re-reserve after losing the relay
// connection (WIRE.md §2.6), which is how a listener behind a NAT that drops idle mappings silently goes
// dark and dialers get NO_RESERVATION (DESIGN.md §1).
//
// The driver loop: call next_action(now) whenever it wakes (at next_wakeup() at the latest) and perform
// what it returns (dial the relay / open a hop stream and send RESERVE), then report the outcome with
// exactly one on_*() call, and drain poll_event() for the user. While an action is in flight
// next_action() returns none.
#pragma once

#include "lp2p/codec/relay/common.hpp"
#include "lp2p/codec/relay/engine_types.hpp"
#include "lp2p/codec/relay/error.hpp"
#include "lp2p/error.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace lp2p::relay {

struct KeeperConfig {
  /// First delay before a reconnect or a new RESERVE after a failure; doubles per consecutive failure.
  Duration initial_backoff = std::chrono::seconds{1};
  /// Ceiling of the backoff: a relay that comes back is found within a minute.
  Duration max_backoff = std::chrono::seconds{60};
  /// Floor of the renewal delay, so a relay that grants `expire == now` cannot make us spin.
  Duration min_renewal_delay = std::chrono::seconds{1};
};

/// What the driver should do now.
enum class KeeperAction {
  none,       ///< nothing is due (or an action is in flight)
  reconnect,  ///< open a direct connection to the relay, then report on_connected / on_connect_failed
  reserve,    ///< send RESERVE on a new hop stream, then report on_accepted / on_refused / on_reserve_failed
};

enum class KeeperState {
  disconnected,  ///< no relay connection; reconnect when the backoff allows
  connecting,    ///< reconnect in flight
  connected,     ///< connected without a reservation; reserve when the backoff allows
  reserving,     ///< first RESERVE (or one after a loss) in flight
  reserved,      ///< holding a live reservation; renewal scheduled
  renewing,      ///< renewal RESERVE in flight; the reservation is still live until it expires
};

struct KeeperEvent {
  enum class Kind {
    accepted,  ///< the first reservation was granted
    renewed,   ///< a renewal was granted
    refused,   ///< a RESERVE was refused or failed (reason says why); the keeper retries with backoff
    lost,      ///< the reservation is gone (reason says why): dialers now get NO_RESERVATION
    restored,  ///< a reservation was granted again after a loss
  };
  Kind kind;
  Time at;
  std::string reason;            ///< for refused and lost; empty otherwise
  std::optional<Time> expires;   ///< for accepted, renewed and restored
};

/// @par Thread safety: none; drive it from one strand.
class ReservationKeeper {
 public:
  /// Starts disconnected with a reconnect due immediately; call on_connected() first instead if a
  /// direct connection to the relay already exists.
  explicit ReservationKeeper(KeeperConfig cfg = {});

  /// The action due at `now`; a returned action is marked in flight. Also notices an expired
  /// reservation (event lost).
  KeeperAction next_action(Time now);
  /// When next_action() will next have something to do (or notice an expiry); nullopt while waiting
  /// for the outcome of an in-flight action with no live reservation.
  std::optional<Time> next_wakeup() const;

  /// A direct connection to the relay is up (after `reconnect`, or one the host already had).
  void on_connected(Time now);
  /// The reconnect failed.
  void on_connect_failed(Time now, std::string_view reason);
  /// STATUS OK with `expire` (unix seconds) arrived; `unix_now` is the wall clock at the same moment.
  /// Renewal is scheduled at now + 3/4 of the remaining lifetime (at least min_renewal_delay). Ignored
  /// unless a RESERVE is in flight (a stale answer arriving after on_connection_lost()).
  /// @errors relay::error::reservation_expired when expire_unix < unix_now (handled as a failure)
  result<void> on_accepted(Time now, std::uint64_t expire_unix, std::uint64_t unix_now);
  /// STATUS other than OK arrived. A refused renewal keeps the current reservation until it expires.
  void on_refused(Time now, Status status);
  /// The RESERVE failed without a status (stream error, timeout, malformed reply).
  void on_reserve_failed(Time now, std::string_view reason);
  /// The relay connection closed; the relay dropped our reservation with it.
  void on_connection_lost(Time now, std::string_view reason);
  /// The application asked again (Host::listen_via_relay after a failure): a reconnect or RESERVE that
  /// is waiting out its backoff becomes due at `now`. The backoff itself is kept, so repeated asking
  /// cannot turn into a retry storm beyond one attempt per call. Returns false (and changes nothing)
  /// when there is nothing to hurry: an attempt is in flight or a reservation is live.
  bool retry_now(Time now);

  /// The next event for the user, oldest first (at most max_events are kept; the oldest are dropped).
  std::optional<KeeperEvent> poll_event();
  static constexpr std::size_t max_events = 64;

  KeeperState state() const noexcept { return state_; }
  /// True while a granted reservation is live at `now`.
  bool reserved(Time now) const noexcept;
  /// Expiry of the current reservation, if any.
  std::optional<Time> expires() const noexcept { return expires_; }
  /// When the next renewal is due while reserved.
  std::optional<Time> renew_at() const noexcept;
  /// The delay the next failure will wait (1 s, 2 s, 4 s ... max_backoff; reset by a grant).
  Duration current_backoff() const noexcept { return backoff_; }

 private:
  void push(KeeperEvent::Kind kind, Time at, std::string reason, std::optional<Time> expires = {});
  void check_expiry(Time now);
  Duration take_backoff();
  void fail_reserve(Time now, std::string reason);

  KeeperConfig cfg_;
  KeeperState state_ = KeeperState::disconnected;
  Time due_{};                     ///< when the next reconnect / reserve / renewal is due
  std::optional<Time> expires_;    ///< live reservation's expiry
  Duration backoff_;
  bool ever_granted_ = false;
  bool lost_since_grant_ = false;  ///< a loss happened; the next grant is "restored"
  std::deque<KeeperEvent> events_;
};

}  // namespace lp2p::relay
