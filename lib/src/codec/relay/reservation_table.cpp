#include "lp2p/codec/relay/reservation_table.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace lp2p::relay {

Limit RelayLimits::wire_limit() const {
  Limit l;
  if (max_circuit_duration > Duration::zero()) {
    // Round up: a sub-second limit must not become 0, which the wire reads as "no limit".
    auto secs = std::chrono::ceil<std::chrono::seconds>(max_circuit_duration).count();
    l.duration = static_cast<std::uint32_t>(
        std::min<std::int64_t>(secs, std::numeric_limits<std::uint32_t>::max()));
  }
  if (max_circuit_bytes != 0) l.data = max_circuit_bytes;
  return l;
}

// ---------------------------------------------------------------------------------------------------
// RateLimiter

RateLimiter::RateLimiter(RateLimit limit, std::size_t max_tracked) : limit_(limit), max_tracked_(max_tracked) {}

void RateLimiter::refill(Bucket& b, Time now) const {
  if (now <= b.last) return;
  const auto periods = (now - b.last) / limit_.interval;  // whole intervals elapsed
  if (periods <= 0) return;
  const auto room = static_cast<std::int64_t>(limit_.burst) - b.tokens;
  if (periods >= room) {
    // Full: the fractional progress towards the next token is meaningless for a full bucket.
    b.tokens = limit_.burst;
    b.last = now;
  } else {
    b.tokens += static_cast<std::uint32_t>(periods);
    b.last += periods * limit_.interval;
  }
}

bool RateLimiter::try_take(const std::string& key, Time now) {
  if (limit_.unlimited()) return true;
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (max_tracked_ != 0 && buckets_.size() >= max_tracked_) {
      // Sweep the buckets that have refilled completely: a missing bucket is a full one.
      for (auto b = buckets_.begin(); b != buckets_.end();) {
        refill(b->second, now);
        b = b->second.tokens >= limit_.burst ? buckets_.erase(b) : std::next(b);
      }
      if (buckets_.size() >= max_tracked_) return false;
    }
    buckets_.emplace(key, Bucket{limit_.burst - 1, now});
    return true;
  }
  Bucket& b = it->second;
  refill(b, now);
  if (b.tokens == 0) return false;
  if (b.tokens == limit_.burst) b.last = now;  // progress towards the next token starts now
  --b.tokens;
  return true;
}

// ---------------------------------------------------------------------------------------------------

Status refusal_status(const error_code& ec) noexcept {
  if (ec.category() != error_category()) return Status::connection_failed;
  switch (static_cast<error>(ec.value())) {
    case error::too_many_reservations:
    case error::too_many_reservations_for_peer:
    case error::too_many_reservations_for_ip:
    case error::reservation_rate_exceeded_for_peer:
    case error::reservation_rate_exceeded_for_ip:
    case error::too_many_circuits:
    case error::too_many_circuits_for_peer:
    case error::too_many_circuits_for_ip:
    case error::circuit_rate_exceeded_for_peer:
    case error::circuit_rate_exceeded_for_ip: return Status::resource_limit_exceeded;
    case error::no_reservation: return Status::no_reservation;
    case error::unexpected_type: return Status::unexpected_message;
    case error::missing_type:
    case error::unknown_type:
    case error::missing_peer:
    case error::invalid_peer_id:
    case error::missing_status:
    case error::missing_reservation:
    case error::reservation_without_expire:
    case error::reservation_expired: return Status::malformed_message;
    default: break;  // the refused_* codes describe answers we received, not refusals we send
  }
  return Status::connection_failed;
}

// ---------------------------------------------------------------------------------------------------
// ReservationTable

ReservationTable::ReservationTable(RelayLimits limits)
    : limits_(limits),
      reservation_rate_peer_(limits.reservation_rate_per_peer, limits.max_tracked_sources),
      reservation_rate_ip_(limits.reservation_rate_per_ip, limits.max_tracked_sources),
      circuit_rate_peer_(limits.circuit_rate_per_peer, limits.max_tracked_sources),
      circuit_rate_ip_(limits.circuit_rate_per_ip, limits.max_tracked_sources) {
  // The wire `expire` is in whole seconds; keep the table's lifetime equal to what the client is told.
  auto secs = std::chrono::floor<std::chrono::seconds>(limits_.reservation_duration);
  limits_.reservation_duration = std::max<Duration>(secs, std::chrono::seconds{1});
}

std::string ReservationTable::peer_key(const PeerId& p) {
  return std::string(reinterpret_cast<const char*>(p.bytes().data()), p.bytes().size());
}

namespace {
bool at_cap(std::size_t count, std::size_t cap) { return cap != 0 && count >= cap; }
}  // namespace

result<ReservationGrant> ReservationTable::reserve(Time now, const PeerId& peer, ConnectionId conn,
                                                   const IpKey& ip) {
  prune(now);
  auto existing = reservations_.find(conn);
  if (existing != reservations_.end() && !(existing->second.peer == peer)) {
    // A connection belongs to one peer; a different peer here is a driver bug. Start afresh.
    erase_reservation(existing);
    existing = reservations_.end();
  }
  const bool renewal = existing != reservations_.end();
  if (!renewal) {
    if (at_cap(reservation_count(peer), limits_.max_reservations_per_peer))
      return error::too_many_reservations_for_peer;
    if (!ip.empty() && at_cap(reservation_count_for_ip(ip), limits_.max_reservations_per_ip))
      return error::too_many_reservations_for_ip;
    if (at_cap(reservations_.size(), limits_.max_reservations)) return error::too_many_reservations;
  }
  if (!reservation_rate_peer_.try_take(peer_key(peer), now)) return error::reservation_rate_exceeded_for_peer;
  if (!ip.empty() && !reservation_rate_ip_.try_take(ip, now)) return error::reservation_rate_exceeded_for_ip;

  ReservationGrant g;
  g.renewed = renewal;
  g.duration = std::chrono::duration_cast<std::chrono::seconds>(limits_.reservation_duration);
  g.expires = now + limits_.reservation_duration;
  g.limit = limits_.wire_limit();
  if (renewal) {
    reservation_expiries_.erase({existing->second.expires, conn});
    existing->second.expires = g.expires;
    reservation_expiries_.emplace(g.expires, conn);
  } else {
    reservations_.emplace(conn, Reservation{peer, ip, g.expires});
    reservation_expiries_.emplace(g.expires, conn);
    reservations_by_peer_[peer].insert(conn);
    if (!ip.empty()) ++reservations_per_ip_[ip];
  }
  return g;
}

void ReservationTable::erase_reservation(std::map<ConnectionId, Reservation>::iterator it) {
  const Reservation& r = it->second;
  if (auto p = reservations_by_peer_.find(r.peer); p != reservations_by_peer_.end()) {
    p->second.erase(it->first);
    if (p->second.empty()) reservations_by_peer_.erase(p);
  }
  if (!r.ip.empty()) {
    if (auto i = reservations_per_ip_.find(r.ip); i != reservations_per_ip_.end() && --i->second == 0)
      reservations_per_ip_.erase(i);
  }
  reservation_expiries_.erase({r.expires, it->first});
  reservations_.erase(it);
}

void ReservationTable::erase_circuit(std::map<CircuitId, Circuit>::iterator it) {
  const Circuit& c = it->second;
  auto drop_peer = [this](const PeerId& p) {
    if (auto i = circuits_per_peer_.find(p); i != circuits_per_peer_.end() && --i->second == 0)
      circuits_per_peer_.erase(i);
  };
  drop_peer(c.src);
  if (!(c.dst == c.src)) drop_peer(c.dst);
  if (!c.src_ip.empty()) {
    if (auto i = circuits_per_ip_.find(c.src_ip); i != circuits_per_ip_.end() && --i->second == 0)
      circuits_per_ip_.erase(i);
  }
  if (c.deadline) circuit_deadlines_.erase({*c.deadline, it->first});
  circuits_.erase(it);
}

std::vector<CircuitId> ReservationTable::connection_closed(ConnectionId conn) {
  if (auto it = reservations_.find(conn); it != reservations_.end()) erase_reservation(it);
  std::vector<CircuitId> dropped;
  for (auto it = circuits_.begin(); it != circuits_.end();) {
    auto next = std::next(it);
    if (it->second.src_conn == conn || it->second.dst_conn == conn) {
      dropped.push_back(it->first);
      erase_circuit(it);
    }
    it = next;
  }
  return dropped;
}

bool ReservationTable::has_reservation(const PeerId& peer, Time now) const {
  return reservation_connection(peer, now).has_value();
}

std::optional<ConnectionId> ReservationTable::reservation_connection(const PeerId& dst, Time now) const {
  auto p = reservations_by_peer_.find(dst);
  if (p == reservations_by_peer_.end()) return std::nullopt;
  std::optional<ConnectionId> best;
  Time best_expiry{};
  for (ConnectionId c : p->second) {
    const Reservation& r = reservations_.at(c);
    if (r.expires <= now) continue;
    if (!best || r.expires > best_expiry) {
      best = c;
      best_expiry = r.expires;
    }
  }
  return best;
}

result<CircuitGrant> ReservationTable::open_circuit(Time now, const PeerId& src, ConnectionId src_conn,
                                                    const IpKey& src_ip, const PeerId& dst) {
  prune(now);
  if (at_cap(circuit_count(src), limits_.max_circuits_per_peer)) return error::too_many_circuits_for_peer;
  if (!src_ip.empty() && at_cap(circuit_count_for_ip(src_ip), limits_.max_circuits_per_ip))
    return error::too_many_circuits_for_ip;
  if (at_cap(circuits_.size(), limits_.max_circuits)) return error::too_many_circuits;
  if (!circuit_rate_peer_.try_take(peer_key(src), now)) return error::circuit_rate_exceeded_for_peer;
  if (!src_ip.empty() && !circuit_rate_ip_.try_take(src_ip, now)) return error::circuit_rate_exceeded_for_ip;

  auto dst_conn = reservation_connection(dst, now);
  if (!dst_conn) return error::no_reservation;

  CircuitGrant g;
  g.id = next_circuit_id_++;
  g.dst_connection = *dst_conn;
  g.limit = limits_.wire_limit();
  if (limits_.max_circuit_duration > Duration::zero()) g.deadline = now + limits_.max_circuit_duration;
  circuits_.emplace(g.id, Circuit{src, dst, src_conn, *dst_conn, src_ip, g.deadline, 0});
  if (g.deadline) circuit_deadlines_.emplace(*g.deadline, g.id);
  ++circuits_per_peer_[src];
  if (!(dst == src)) ++circuits_per_peer_[dst];
  if (!src_ip.empty()) ++circuits_per_ip_[src_ip];
  return g;
}

void ReservationTable::circuit_closed(CircuitId id) {
  if (auto it = circuits_.find(id); it != circuits_.end()) erase_circuit(it);
}

bool ReservationTable::account_bytes(CircuitId id, std::size_t n) {
  auto it = circuits_.find(id);
  if (it == circuits_.end()) return false;
  std::uint64_t& total = it->second.bytes;
  const std::uint64_t add = n;
  total = add > std::numeric_limits<std::uint64_t>::max() - total ? std::numeric_limits<std::uint64_t>::max()
                                                                  : total + add;
  return limits_.max_circuit_bytes == 0 || total <= limits_.max_circuit_bytes;
}

void ReservationTable::prune(Time now) {
  auto push = [this](Expired e) {
    if (expired_.size() >= max_pending_expired) expired_.erase(expired_.begin());
    expired_.push_back(std::move(e));
  };
  // Both indexes are in time order: only what is due is visited.
  while (!reservation_expiries_.empty() && reservation_expiries_.begin()->first <= now) {
    auto it = reservations_.find(reservation_expiries_.begin()->second);
    push(ExpiredReservation{it->second.peer, it->first});
    erase_reservation(it);  // also drops the index entry
  }
  while (!circuit_deadlines_.empty() && circuit_deadlines_.begin()->first <= now) {
    auto it = circuits_.find(circuit_deadlines_.begin()->second);
    push(ExpiredCircuit{it->first, it->second.src, it->second.dst});
    erase_circuit(it);
  }
}

std::vector<Expired> ReservationTable::expire(Time now) {
  prune(now);
  return std::exchange(expired_, {});
}

std::optional<Time> ReservationTable::next_expiry() const {
  std::optional<Time> t;
  if (!reservation_expiries_.empty()) t = reservation_expiries_.begin()->first;
  if (!circuit_deadlines_.empty() && (!t || circuit_deadlines_.begin()->first < *t))
    t = circuit_deadlines_.begin()->first;
  return t;
}

std::size_t ReservationTable::reservation_count(const PeerId& peer) const {
  auto p = reservations_by_peer_.find(peer);
  return p == reservations_by_peer_.end() ? 0 : p->second.size();
}

std::size_t ReservationTable::reservation_count_for_ip(const IpKey& ip) const {
  auto i = reservations_per_ip_.find(ip);
  return i == reservations_per_ip_.end() ? 0 : i->second;
}

std::size_t ReservationTable::circuit_count(const PeerId& peer) const {
  auto i = circuits_per_peer_.find(peer);
  return i == circuits_per_peer_.end() ? 0 : i->second;
}

std::size_t ReservationTable::circuit_count_for_ip(const IpKey& ip) const {
  auto i = circuits_per_ip_.find(ip);
  return i == circuits_per_ip_.end() ? 0 : i->second;
}

std::uint64_t ReservationTable::circuit_bytes(CircuitId id) const {
  auto it = circuits_.find(id);
  return it == circuits_.end() ? 0 : it->second.bytes;
}

}  // namespace lp2p::relay
