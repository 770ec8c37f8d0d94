#include "lp2p/codec/relay/stop_message.hpp"

#include "codec/relay/convert.hpp"

namespace lp2p::relay {

result<Bytes> encode(const StopMessage& msg) {
  ::circuit::pb::StopMessage p;
  p.set_type(static_cast<std::int32_t>(msg.type));
  if (msg.peer) detail::to_pb(*msg.peer, *p.mutable_peer());
  if (msg.limit) detail::to_pb(*msg.limit, *p.mutable_limit());
  if (msg.status) p.set_status(static_cast<std::int32_t>(*msg.status));
  return detail::serialize(p);
}

result<StopMessage> decode_stop(BytesView body) {
  ::circuit::pb::StopMessage p;
  if (auto ec = detail::parse(body, p)) return ec;
  if (!p.has_type()) return error_code(error::missing_type);
  if (p.type() < 0 || p.type() > static_cast<std::int32_t>(StopMessage::Type::status))
    return error_code(error::unknown_type);
  StopMessage msg;
  msg.type = static_cast<StopMessage::Type>(p.type());
  if (p.has_peer()) msg.peer = detail::from_pb(p.peer());
  if (p.has_limit()) msg.limit = detail::from_pb(p.limit());
  if (p.has_status()) msg.status = static_cast<Status>(p.status());
  return msg;
}

result<void> check_stop_request(const StopMessage& msg) {
  if (msg.type != StopMessage::Type::connect) return error_code(error::unexpected_type);
  if (auto ec = detail::check_peer(msg.peer)) return ec;
  return {};
}

result<void> check_stop_response(const StopMessage& msg) {
  if (msg.type != StopMessage::Type::status) return error_code(error::unexpected_type);
  if (!msg.status) return error_code(error::missing_status);
  return {};
}

}  // namespace lp2p::relay
