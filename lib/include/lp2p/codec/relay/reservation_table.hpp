// The relay server's decision engine for Circuit Relay v2 (sans-IO):
// https://github.com/libp2p/specs/blob/master/relay/circuit-v2.md#reservation and #circuit-setup,
// with the defaults and decision order of rust-libp2p's relay (protocols/relay/src/behaviour.rs,
// behaviour/rate_limiter.rs); see WIRE.md §2.4 and §2.5.
//
// The table decides; the driver talks. For a RESERVE the driver calls reserve() and sends STATUS OK with
// the grant, or the Status that refusal_status() gives for the error. For a CONNECT it calls
// open_circuit(), opens STOP on the returned connection, and calls circuit_closed() when the circuit ends
// (or the STOP fails). It reports closed connections, counts relayed bytes with account_bytes(), and wakes
// at next_expiry() to call expire().
//
// Differences from rust, on purpose:
//  - Caps are "at most N": the Nth reservation/circuit is granted, the (N+1)th refused. rust tests
//    `count > N` for the per-peer caps, which lets N+1 through.
//  - A renewal (RESERVE again on a connection that already holds the peer's reservation) is exempt from
//    the count caps; rust also applies max_reservations to renewals, so a full relay refuses to renew.
//    Renewals still take a rate-limit token, as in rust.
//  - Per-IP count caps exist (go has MaxReservationsPerIP 8; rust has none).
//  - The token bucket keeps fractional refill progress; rust restarts the interval at each refill.
#pragma once

#include "lp2p/codec/relay/common.hpp"
#include "lp2p/codec/relay/engine_types.hpp"
#include "lp2p/codec/relay/error.hpp"
#include "lp2p/core/peer_id.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace lp2p::relay {

/// A token bucket: holds up to `burst` tokens, gains one every `interval`. `burst == 0` disables it.
struct RateLimit {
  std::uint32_t burst = 0;
  Duration interval = std::chrono::seconds{60};
  bool unlimited() const noexcept { return burst == 0 || interval <= Duration::zero(); }
};

/// The relay server's limits. Every count and byte cap uses 0 to mean "no limit"; a RateLimit with
/// burst 0 means "not rate limited". Defaults are rust-libp2p's `relay::Config::default()` plus per-IP
/// caps borrowed from go (resources.go: MaxReservationsPerIP 8).
struct RelayLimits {
  /// Live reservations on the whole relay (rust 128).
  std::size_t max_reservations = 128;
  /// Live reservations of one peer, i.e. over distinct connections (rust 4).
  std::size_t max_reservations_per_peer = 4;
  /// Live reservations held from one remote IP (go 8): stops one host from filling the table with
  /// fresh PeerIds.
  std::size_t max_reservations_per_ip = 8;
  /// Lifetime of a reservation from its (re)grant (rust and go: 1 h). Not a limit: values below one
  /// second are raised to one second, because the wire `expire` is in whole seconds.
  Duration reservation_duration = std::chrono::hours{1};
  /// rust: 30 reservations per peer, one more every 2 min.
  RateLimit reservation_rate_per_peer{30, std::chrono::minutes{2}};
  /// rust: 60 reservations per IP, one more every minute.
  RateLimit reservation_rate_per_ip{60, std::chrono::minutes{1}};

  /// Circuits on the whole relay (rust 16).
  std::size_t max_circuits = 16;
  /// Circuits in which the requesting source peer takes part, as source or destination (rust 4).
  std::size_t max_circuits_per_peer = 4;
  /// Circuits opened from one source IP (our choice: twice the per-peer cap).
  std::size_t max_circuits_per_ip = 8;
  /// Lifetime of a circuit; sent as Limit.duration (rust 120 s). Zero = unlimited.
  Duration max_circuit_duration = std::chrono::minutes{2};
  /// Bytes a circuit may carry, counted in both directions together as rust does (the spec says per
  /// direction); sent as Limit.data (rust 128 KiB). Zero = unlimited.
  std::uint64_t max_circuit_bytes = 128 * 1024;
  /// rust: 30 circuits per source peer, one more every 2 min.
  RateLimit circuit_rate_per_peer{30, std::chrono::minutes{2}};
  /// rust: 60 circuits per source IP, one more every minute.
  RateLimit circuit_rate_per_ip{60, std::chrono::minutes{1}};

  /// Cap on the number of partly drained token buckets each rate limiter tracks, so that a flood of
  /// fresh PeerIds or IPv6 addresses cannot grow memory without bound. When it is reached, requests
  /// from sources without a bucket are refused as rate limited until buckets refill.
  std::size_t max_tracked_sources = 65536;

  /// The Limit to send with reservations and circuits (fields absent when unlimited).
  Limit wire_limit() const;
};

/// A rate limiter keyed by PeerId bytes or IP text, using the token bucket algorithm (rust
/// `GenericRateLimiter`). A missing bucket is a full one, so memory holds only recently active sources.
/// @par Thread safety: none; owned by one ReservationTable.
class RateLimiter {
 public:
  RateLimiter(RateLimit limit, std::size_t max_tracked);
  /// Takes one token for `key` at `now`; false when the bucket is empty (or the tracking cap is hit).
  /// An unlimited limiter always answers true.
  bool try_take(const std::string& key, Time now);
  /// Number of buckets currently held (partly drained ones; refilled ones are swept lazily).
  std::size_t tracked() const noexcept { return buckets_.size(); }

 private:
  struct Bucket {
    std::uint32_t tokens;
    Time last;  ///< the time of the last whole-token refill (or of the first take)
  };
  void refill(Bucket& b, Time now) const;
  RateLimit limit_;
  std::size_t max_tracked_;
  std::unordered_map<std::string, Bucket> buckets_;
};

/// What reserve() grants.
struct ReservationGrant {
  bool renewed = false;  ///< an existing reservation on the same connection was extended
  Time expires{};        ///< monotonic expiry; the reservation is live while now < expires
  /// Lifetime in whole seconds: the driver sends `expire = unix_now + duration.count()`.
  std::chrono::seconds duration{0};
  Limit limit;           ///< the per-circuit limit to advertise in the reservation's HopMessage
};

/// What open_circuit() grants.
struct CircuitGrant {
  CircuitId id = 0;
  ConnectionId dst_connection = 0;  ///< where to open the STOP stream to the destination
  Limit limit;                      ///< to send in the STOP CONNECT and in the hop STATUS OK
  std::optional<Time> deadline;     ///< when expire() will end the circuit; none when unlimited
};

/// A reservation that ran out (not renewed in time).
struct ExpiredReservation {
  PeerId peer;
  ConnectionId connection;
};
/// A circuit that reached max_circuit_duration: the driver resets both of its streams.
struct ExpiredCircuit {
  CircuitId id;
  PeerId src;
  PeerId dst;
};
using Expired = std::variant<ExpiredReservation, ExpiredCircuit>;

/// The Status a relay sends for a refusal error of reserve()/open_circuit(): RESOURCE_LIMIT_EXCEEDED
/// for every limit (as rust does), NO_RESERVATION for relay::error::no_reservation, MALFORMED_MESSAGE /
/// UNEXPECTED_MESSAGE for the message faults of relay::error, CONNECTION_FAILED for anything else.
Status refusal_status(const error_code& ec) noexcept;

/// The relay server's reservations and circuits.
/// @par Thread safety: none; drive it from one strand.
class ReservationTable {
 public:
  explicit ReservationTable(RelayLimits limits = {});

  const RelayLimits& limits() const noexcept { return limits_; }

  /// Handles a RESERVE from `peer` on connection `conn` (a direct connection whose remote IP is `ip`).
  /// Order: if this is not a renewal, the per-peer, per-IP and total caps; then the per-peer and per-IP
  /// token buckets (tokens are taken only when the caps passed, and the IP bucket only when the peer
  /// bucket had a token, as rust's short-circuiting does).
  /// @return the grant; a renewal (`conn` already holds `peer`'s live reservation) extends it from now.
  /// @errors relay::error::too_many_reservations_for_peer, too_many_reservations_for_ip,
  ///         too_many_reservations, reservation_rate_exceeded_for_peer, reservation_rate_exceeded_for_ip
  result<ReservationGrant> reserve(Time now, const PeerId& peer, ConnectionId conn, const IpKey& ip);

  /// Drops the reservation made on `conn` (if any) and every circuit whose source or destination
  /// stream runs over `conn`.
  /// @return the circuits dropped, so the driver can reset their other stream.
  std::vector<CircuitId> connection_closed(ConnectionId conn);

  /// True when `peer` holds a reservation that is live at `now` on some connection.
  bool has_reservation(const PeerId& peer, Time now) const;

  /// The connection on which to reach `dst` through its reservation: among its live reservations, the
  /// one renewed most recently (the connection most likely to still be alive); nullopt when none.
  std::optional<ConnectionId> reservation_connection(const PeerId& dst, Time now) const;

  /// Handles a CONNECT from `src` (arriving on connection `src_conn` from `src_ip`) towards `dst`.
  /// Order, as rust's: per-peer, per-IP and total circuit caps, then the source peer and source IP token
  /// buckets, and only then the destination's reservation, so RESOURCE_LIMIT_EXCEEDED takes precedence
  /// over NO_RESERVATION. The circuit counts against the limits from now until circuit_closed(),
  /// connection_closed() or expire() ends it.
  /// @errors relay::error::too_many_circuits_for_peer, too_many_circuits_for_ip, too_many_circuits,
  ///         circuit_rate_exceeded_for_peer, circuit_rate_exceeded_for_ip, no_reservation
  result<CircuitGrant> open_circuit(Time now, const PeerId& src, ConnectionId src_conn, const IpKey& src_ip,
                                    const PeerId& dst);

  /// The circuit ended (either stream closed, STOP refused, ...). Unknown ids are ignored.
  void circuit_closed(CircuitId id);

  /// Adds `n` relayed bytes (either direction) to the circuit's total.
  /// @return false once the total exceeds max_circuit_bytes (the driver then resets both streams and
  ///         calls circuit_closed()), and for an unknown circuit; true while at or under the limit.
  bool account_bytes(CircuitId id, std::size_t n);

  /// Removes reservations whose lifetime has passed and circuits past their deadline at `now`.
  /// @return what was removed (reservations the other calls found dead since the last call included).
  std::vector<Expired> expire(Time now);

  /// The earliest reservation expiry or circuit deadline, for the driver's timer; nullopt when empty.
  std::optional<Time> next_expiry() const;

  /// Reservations held, including ones that expire() has not removed yet.
  std::size_t reservation_count() const noexcept { return reservations_.size(); }
  std::size_t reservation_count(const PeerId& peer) const;
  std::size_t reservation_count_for_ip(const IpKey& ip) const;
  std::size_t circuit_count() const noexcept { return circuits_.size(); }
  /// Circuits in which `peer` takes part as source or destination.
  std::size_t circuit_count(const PeerId& peer) const;
  std::size_t circuit_count_for_ip(const IpKey& ip) const;
  /// Bytes counted so far on a circuit (0 for an unknown one).
  std::uint64_t circuit_bytes(CircuitId id) const;

 private:
  struct Reservation {
    PeerId peer;
    IpKey ip;
    Time expires;
  };
  struct Circuit {
    PeerId src;
    PeerId dst;
    ConnectionId src_conn;
    ConnectionId dst_conn;
    IpKey src_ip;
    std::optional<Time> deadline;
    std::uint64_t bytes = 0;
  };

  void prune(Time now);
  void erase_reservation(std::map<ConnectionId, Reservation>::iterator it);
  void erase_circuit(std::map<CircuitId, Circuit>::iterator it);
  static std::string peer_key(const PeerId& p);

  RelayLimits limits_;
  RateLimiter reservation_rate_peer_;
  RateLimiter reservation_rate_ip_;
  RateLimiter circuit_rate_peer_;
  RateLimiter circuit_rate_ip_;

  std::map<ConnectionId, Reservation> reservations_;
  std::map<PeerId, std::set<ConnectionId>> reservations_by_peer_;
  std::unordered_map<IpKey, std::size_t> reservations_per_ip_;

  /// (expiry, connection) of every reservation and (deadline, circuit) of every circuit with a deadline,
  /// in time order: prune() and next_expiry() look at the front only, so a relay holding 10,000
  /// reservations does not walk all of them for each RESERVE and CONNECT.
  std::set<std::pair<Time, ConnectionId>> reservation_expiries_;
  std::set<std::pair<Time, CircuitId>> circuit_deadlines_;

  std::map<CircuitId, Circuit> circuits_;
  std::map<PeerId, std::size_t> circuits_per_peer_;
  std::unordered_map<IpKey, std::size_t> circuits_per_ip_;
  CircuitId next_circuit_id_ = 1;

  /// Found dead by prune(), handed out by the next expire(). Capped at max_pending_expired (oldest
  /// dropped) in case a driver never calls expire().
  std::vector<Expired> expired_;
  static constexpr std::size_t max_pending_expired = 4096;
};

}  // namespace lp2p::relay
