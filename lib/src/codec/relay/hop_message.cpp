#include "lp2p/codec/relay/hop_message.hpp"

#include "codec/relay/convert.hpp"

namespace lp2p::relay {
namespace {
bool valid_type(std::int32_t t) { return t >= 0 && t <= static_cast<std::int32_t>(HopMessage::Type::status); }
}  // namespace

result<Bytes> encode(const HopMessage& msg) {
  ::circuit::pb::HopMessage p;
  p.set_type(static_cast<std::int32_t>(msg.type));
  if (msg.peer) detail::to_pb(*msg.peer, *p.mutable_peer());
  if (msg.reservation) {
    auto& r = *p.mutable_reservation();
    r.set_expire(msg.reservation->expire);
    for (const auto& a : msg.reservation->addrs) r.add_addrs(detail::to_pb_bytes(a));
    if (msg.reservation->voucher) r.set_voucher(detail::to_pb_bytes(*msg.reservation->voucher));
  }
  if (msg.limit) detail::to_pb(*msg.limit, *p.mutable_limit());
  if (msg.status) p.set_status(static_cast<std::int32_t>(*msg.status));
  return detail::serialize(p);
}

result<HopMessage> decode_hop(BytesView body) {
  ::circuit::pb::HopMessage p;
  if (auto ec = detail::parse(body, p)) return ec;
  if (!p.has_type()) return error_code(error::missing_type);
  if (!valid_type(p.type())) return error_code(error::unknown_type);
  HopMessage msg;
  msg.type = static_cast<HopMessage::Type>(p.type());
  if (p.has_peer()) msg.peer = detail::from_pb(p.peer());
  if (p.has_reservation()) {
    const auto& r = p.reservation();
    if (!r.has_expire()) return error_code(error::reservation_without_expire);
    Reservation res;
    res.expire = r.expire();
    res.addrs.reserve(static_cast<std::size_t>(r.addrs_size()));
    for (const auto& a : r.addrs()) res.addrs.push_back(detail::from_pb_bytes(a));
    if (r.has_voucher()) res.voucher = detail::from_pb_bytes(r.voucher());
    msg.reservation = std::move(res);
  }
  if (p.has_limit()) msg.limit = detail::from_pb(p.limit());
  if (p.has_status()) msg.status = static_cast<Status>(p.status());
  return msg;
}

result<void> check_hop_request(const HopMessage& msg) {
  switch (msg.type) {
    case HopMessage::Type::reserve: return {};
    case HopMessage::Type::connect:
      if (auto ec = detail::check_peer(msg.peer)) return ec;
      return {};
    case HopMessage::Type::status: break;
  }
  return error_code(error::unexpected_type);
}

result<void> check_reserve_response(const HopMessage& msg, std::uint64_t now_unix) {
  if (auto r = check_connect_response(msg); !r) return r;
  if (*msg.status != Status::ok) return {};
  if (!msg.reservation) return error_code(error::missing_reservation);
  if (msg.reservation->expire < now_unix) return error_code(error::reservation_expired);
  return {};
}

result<void> check_connect_response(const HopMessage& msg) {
  if (msg.type != HopMessage::Type::status) return error_code(error::unexpected_type);
  if (!msg.status) return error_code(error::missing_status);
  return {};
}

}  // namespace lp2p::relay
