#include "lp2p/codec/dcutr/spray_selector.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace lp2p::spray {

std::string_view to_string(SpraySelector::State s) noexcept {
  switch (s) {
    case SpraySelector::State::waiting: return "waiting";
    case SpraySelector::State::upgrading: return "upgrading";
    case SpraySelector::State::succeeded: return "succeeded";
    case SpraySelector::State::failed: return "failed";
  }
  return "unknown";
}

SpraySelector::SpraySelector(Role role, Time start, Duration round_timeout, std::uint32_t max_sockets)
    : role_(role), deadline_(start + round_timeout), max_(max_sockets) {
  socks_.reserve(std::min<std::uint32_t>(max_sockets, max_sockets_limit));
}

std::optional<SocketId> SpraySelector::on_opened(Time now) {
  if (state_ == State::succeeded || state_ == State::failed || socks_.size() >= max_) return std::nullopt;
  Entry e;
  e.opened = now;
  socks_.push_back(e);
  ++counts_.opened;
  return static_cast<SocketId>(socks_.size() - 1);
}

void SpraySelector::leave_syn(Entry& e, Time now) {
  if (e.left_syn) return;
  e.left_syn = true;
  e.syn_end = now;
}

void SpraySelector::close_into(SelectorActions& a, SocketId id, Time now) {
  Entry& e = socks_[id];
  if (e.st == Sock::failed || e.st == Sock::closed) return;
  leave_syn(e, now);
  e.st = Sock::closed;
  a.close.push_back(id);
  ++counts_.closed;
}

void SpraySelector::close_all_but(SelectorActions& a, std::optional<SocketId> keep, Time now) {
  for (SocketId id = 0; id < socks_.size(); ++id)
    if (!keep || id != *keep) close_into(a, id, now);
  spares_.clear();
}

void SpraySelector::pick_next(SelectorActions& a, Time now) {
  chosen_.reset();
  if (now < deadline_ && !spares_.empty()) {
    const SocketId next = spares_.front();
    spares_.erase(spares_.begin());
    socks_[next].st = Sock::chosen;
    chosen_ = next;
    ++counts_.fallbacks;
    if (role_ == Role::a) a.speak_on = next;
    else a.adopt = next;
    return;
  }
  if (now >= deadline_) {
    close_all_but(a, std::nullopt, now);
    state_ = State::failed;
    a.round_over = true;
    return;
  }
  state_ = State::waiting;
}

SelectorActions SpraySelector::on_connected(SocketId id, Time now) {
  SelectorActions a;
  if (!valid(id) || socks_[id].st != Sock::syn_sent) return a;
  Entry& e = socks_[id];
  leave_syn(e, now);
  e.st = Sock::connected;
  ++counts_.connected;
  if (closed_to_newcomers(now)) {
    close_into(a, id, now);
    return a;
  }
  if (role_ == Role::a) choose_or_keep(a, id);  // B waits for the socket to speak (on_readable)
  return a;
}

SelectorActions SpraySelector::on_readable(SocketId id, Time now) {
  SelectorActions a;
  if (role_ == Role::a || !valid(id)) return a;
  Entry& e = socks_[id];
  if (e.st == Sock::syn_sent) {  // the connect and the first bytes reported together
    leave_syn(e, now);
    e.st = Sock::connected;
    ++counts_.connected;
  }
  if (e.st != Sock::connected) return a;  // already readable, chosen, failed or closed
  e.st = Sock::readable;
  if (closed_to_newcomers(now)) {
    close_into(a, id, now);
    return a;
  }
  choose_or_keep(a, id);
  return a;
}

bool SpraySelector::closed_to_newcomers(Time now) const noexcept {
  return state_ == State::succeeded || state_ == State::failed || (state_ == State::upgrading && now >= deadline_);
}

void SpraySelector::choose_or_keep(SelectorActions& a, SocketId id) {
  if (state_ != State::waiting) {
    spares_.push_back(id);
    return;
  }
  socks_[id].st = Sock::chosen;
  chosen_ = id;
  state_ = State::upgrading;
  if (role_ == Role::a) a.speak_on = id;
  else a.adopt = id;
}

SelectorActions SpraySelector::on_failed(SocketId id, Time now) {
  SelectorActions a;
  if (!valid(id)) return a;
  Entry& e = socks_[id];
  if (e.st == Sock::failed || e.st == Sock::closed) return a;
  leave_syn(e, now);
  const bool was_chosen = e.st == Sock::chosen;
  e.st = Sock::failed;
  ++counts_.failed;
  spares_.erase(std::remove(spares_.begin(), spares_.end(), id), spares_.end());
  if (was_chosen && state_ == State::upgrading) pick_next(a, now);
  return a;
}

SelectorActions SpraySelector::on_upgraded(SocketId id, Time now) {
  SelectorActions a;
  if (state_ != State::upgrading || chosen_ != id) return a;
  state_ = State::succeeded;
  close_all_but(a, id, now);
  a.round_over = true;
  return a;
}

SelectorActions SpraySelector::on_upgrade_failed(SocketId id, Time now) {
  SelectorActions a;
  if (state_ != State::upgrading || chosen_ != id) return a;
  socks_[id].st = Sock::failed;
  ++counts_.failed;
  a.close.push_back(id);
  pick_next(a, now);
  return a;
}

SelectorActions SpraySelector::on_timeout(Time now) {
  SelectorActions a;
  if (now < deadline_) return a;
  if (state_ == State::waiting) {
    close_all_but(a, std::nullopt, now);
    state_ = State::failed;
    a.round_over = true;
  } else if (state_ == State::upgrading) {
    close_all_but(a, chosen_, now);
  }
  return a;
}

SprayStats SpraySelector::stats(Time now) const {
  // Linux: initial SYN RTO 1 s, doubling; tcp_syn_retries = 6 gives retransmits at these offsets.
  static constexpr std::array<int, 6> retransmit_s{1, 3, 7, 15, 31, 63};
  SprayStats s = counts_;
  s.syns = 0;
  for (const auto& e : socks_) {
    const Duration alive = (e.left_syn ? e.syn_end : now) - e.opened;
    ++s.syns;
    for (int t : retransmit_s)
      if (alive > std::chrono::seconds{t}) ++s.syns;
  }
  return s;
}

std::string explain_round(const SprayPlan& plan, const SprayStats& st) {
  std::string s = "sent " + std::to_string(st.syns) + " SYNs from " + std::to_string(st.opened) + " sockets because ";
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.1f %%", plan.expected_success * 100.0);
  switch (plan.part) {
    case SprayPart::sprayer:
      s += "our NAT maps each destination to a new public port (endpoint-dependent): K=" +
           std::to_string(plan.sockets) + " fresh-port sockets to " + plan.target_ip + ":" +
           std::to_string(plan.target_port) + " so that one of our public ports meets one of the peer's M=" +
           std::to_string(plan.guesses) + " guesses";
      break;
    case SprayPart::guesser:
      s += "the peer's NAT maps each destination to a new public port (endpoint-dependent): M=" +
           std::to_string(plan.guesses) + " guesses at " + plan.guess_ip +
           " from our listening port against its K=" + std::to_string(plan.sockets) + " fresh-port sockets";
      break;
    case SprayPart::none:
      s += "of no plan (" + std::string(to_string(plan.no_plan)) + ")";
      break;
  }
  s += " (expected success " + std::string(pct) + " per round); " + std::to_string(st.connected) +
       " connected, " + std::to_string(st.failed) + " failed, " + std::to_string(st.closed) + " closed by us";
  if (st.fallbacks) s += ", " + std::to_string(st.fallbacks) + " fallback(s)";
  return s;
}

}  // namespace lp2p::spray
