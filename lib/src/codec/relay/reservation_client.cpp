#include "lp2p/codec/relay/reservation_client.hpp"

#include <algorithm>
#include <utility>

namespace lp2p::relay {

ReservationKeeper::ReservationKeeper(KeeperConfig cfg) : cfg_(cfg), backoff_(cfg.initial_backoff) {
  if (cfg_.max_backoff < cfg_.initial_backoff) cfg_.max_backoff = cfg_.initial_backoff;
}

void ReservationKeeper::push(KeeperEvent::Kind kind, Time at, std::string reason, std::optional<Time> expires) {
  if (events_.size() >= max_events) events_.pop_front();
  events_.push_back(KeeperEvent{kind, at, std::move(reason), expires});
}

std::optional<KeeperEvent> ReservationKeeper::poll_event() {
  if (events_.empty()) return std::nullopt;
  KeeperEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

Duration ReservationKeeper::take_backoff() {
  Duration d = backoff_;
  backoff_ = std::min(backoff_ * 2, cfg_.max_backoff);
  return d;
}

bool ReservationKeeper::reserved(Time now) const noexcept { return expires_ && now < *expires_; }

std::optional<Time> ReservationKeeper::renew_at() const noexcept {
  if (state_ == KeeperState::reserved) return due_;
  return std::nullopt;
}

void ReservationKeeper::check_expiry(Time now) {
  if (!expires_ || now < *expires_) return;
  expires_.reset();
  lost_since_grant_ = true;
  push(KeeperEvent::Kind::lost, now, "the reservation expired at the relay before a renewal was granted");
  if (state_ == KeeperState::reserved) {
    state_ = KeeperState::connected;
    due_ = now;
  } else if (state_ == KeeperState::renewing) {
    state_ = KeeperState::reserving;  // the RESERVE in flight now asks for a fresh reservation
  }
}

bool ReservationKeeper::retry_now(Time now) {
  check_expiry(now);
  if (state_ != KeeperState::disconnected && state_ != KeeperState::connected) return false;
  if (due_ > now) due_ = now;
  return true;
}

KeeperAction ReservationKeeper::next_action(Time now) {
  check_expiry(now);
  switch (state_) {
    case KeeperState::disconnected:
      if (now < due_) return KeeperAction::none;
      state_ = KeeperState::connecting;
      return KeeperAction::reconnect;
    case KeeperState::connected:
      if (now < due_) return KeeperAction::none;
      state_ = KeeperState::reserving;
      return KeeperAction::reserve;
    case KeeperState::reserved:
      if (now < due_) return KeeperAction::none;
      state_ = KeeperState::renewing;
      return KeeperAction::reserve;
    case KeeperState::connecting:
    case KeeperState::reserving:
    case KeeperState::renewing: return KeeperAction::none;
  }
  return KeeperAction::none;
}

std::optional<Time> ReservationKeeper::next_wakeup() const {
  switch (state_) {
    case KeeperState::disconnected:
    case KeeperState::connected: return due_;
    case KeeperState::reserved:  // a renewal retry may be due after the expiry: wake for whichever is first
      return expires_ ? std::min(due_, *expires_) : due_;
    case KeeperState::renewing: return expires_;
    case KeeperState::connecting:
    case KeeperState::reserving: return std::nullopt;
  }
  return std::nullopt;
}

void ReservationKeeper::on_connected(Time now) {
  if (state_ != KeeperState::disconnected && state_ != KeeperState::connecting) return;
  state_ = KeeperState::connected;
  due_ = now;  // reserve at once on a fresh connection
}

void ReservationKeeper::on_connect_failed(Time now, std::string_view reason) {
  if (state_ != KeeperState::connecting && state_ != KeeperState::disconnected) return;
  state_ = KeeperState::disconnected;
  due_ = now + take_backoff();
  push(KeeperEvent::Kind::refused, now, "could not connect to the relay: " + std::string(reason));
}

result<void> ReservationKeeper::on_accepted(Time now, std::uint64_t expire_unix, std::uint64_t unix_now) {
  check_expiry(now);
  // A late answer to a RESERVE from a connection that has since been lost says nothing about now.
  if (state_ != KeeperState::reserving && state_ != KeeperState::renewing) return {};
  if (expire_unix < unix_now) {
    fail_reserve(now, "the relay granted a reservation that expires in the past");
    return error::reservation_expired;
  }
  const std::uint64_t remaining_s = expire_unix - unix_now;
  // Cap at ten years so the arithmetic on Time cannot overflow for absurd expiries.
  const auto remaining = std::chrono::duration_cast<Duration>(
      std::chrono::seconds{static_cast<std::int64_t>(std::min<std::uint64_t>(remaining_s, 315'360'000))});
  const bool renewal = state_ == KeeperState::renewing && expires_.has_value();
  expires_ = now + remaining;
  due_ = now + std::max(remaining / 4 * 3, cfg_.min_renewal_delay);
  state_ = KeeperState::reserved;
  backoff_ = cfg_.initial_backoff;

  KeeperEvent::Kind kind = KeeperEvent::Kind::accepted;
  if (renewal) {
    kind = KeeperEvent::Kind::renewed;
  } else if (lost_since_grant_ && ever_granted_) {
    kind = KeeperEvent::Kind::restored;
  }
  ever_granted_ = true;
  lost_since_grant_ = false;
  push(kind, now, {}, expires_);
  return {};
}

void ReservationKeeper::fail_reserve(Time now, std::string reason) {
  check_expiry(now);
  const Duration wait = take_backoff();
  if (state_ == KeeperState::renewing || state_ == KeeperState::reserved) {
    // The relay still holds the current reservation until it expires; retry the renewal before then.
    state_ = KeeperState::reserved;
    due_ = now + wait;
    push(KeeperEvent::Kind::refused, now, "renewal failed: " + reason);
    return;
  }
  if (state_ == KeeperState::reserving || state_ == KeeperState::connected) {
    state_ = KeeperState::connected;
    due_ = now + wait;
    push(KeeperEvent::Kind::refused, now, "reservation failed: " + reason);
  }
}

void ReservationKeeper::on_refused(Time now, Status status) {
  fail_reserve(now, "the relay answered " + std::string(to_string(status)));
}

void ReservationKeeper::on_reserve_failed(Time now, std::string_view reason) {
  fail_reserve(now, std::string(reason));
}

void ReservationKeeper::on_connection_lost(Time now, std::string_view reason) {
  check_expiry(now);
  if (expires_) {
    expires_.reset();
    lost_since_grant_ = true;
    push(KeeperEvent::Kind::lost, now, "the relay connection was lost: " + std::string(reason));
  }
  state_ = KeeperState::disconnected;
  due_ = now + take_backoff();
}

}  // namespace lp2p::relay
