#include "lp2p/codec/relay/common.hpp"

#include "codec/peer_id_bytes.hpp"
#include "codec/relay/convert.hpp"
#include "lp2p/codec/error.hpp"
#include "lp2p/codec/relay/error.hpp"

namespace lp2p::relay {

bool is_known(Status s) noexcept { return to_string(s) != "UNKNOWN"; }

std::string_view to_string(Status s) noexcept {
  switch (s) {
    case Status::unused: return "UNUSED";
    case Status::ok: return "OK";
    case Status::reservation_refused: return "RESERVATION_REFUSED";
    case Status::resource_limit_exceeded: return "RESOURCE_LIMIT_EXCEEDED";
    case Status::permission_denied: return "PERMISSION_DENIED";
    case Status::connection_failed: return "CONNECTION_FAILED";
    case Status::no_reservation: return "NO_RESERVATION";
    case Status::malformed_message: return "MALFORMED_MESSAGE";
    case Status::unexpected_message: return "UNEXPECTED_MESSAGE";
  }
  return "UNKNOWN";
}

namespace detail {

void to_pb(const Peer& in, ::circuit::pb::Peer& out) {
  out.set_id(to_pb_bytes(in.id));
  for (const auto& a : in.addrs) out.add_addrs(to_pb_bytes(a));
}

Peer from_pb(const ::circuit::pb::Peer& in) {
  Peer p;
  p.id = from_pb_bytes(in.id());
  p.addrs.reserve(static_cast<std::size_t>(in.addrs_size()));
  for (const auto& a : in.addrs()) p.addrs.push_back(from_pb_bytes(a));
  return p;
}

void to_pb(const Limit& in, ::circuit::pb::Limit& out) {
  if (in.duration) out.set_duration(*in.duration);
  if (in.data) out.set_data(*in.data);
}

Limit from_pb(const ::circuit::pb::Limit& in) {
  Limit l;
  if (in.has_duration()) l.duration = in.duration();
  if (in.has_data()) l.data = in.data();
  return l;
}

result<Bytes> serialize(const google::protobuf::MessageLite& msg) {
  const std::size_t size = msg.ByteSizeLong();
  if (size > max_message_size) return error_code(codec::error::message_too_large);
  Bytes out(size);
  msg.SerializeWithCachedSizesToArray(out.data());
  return out;
}

error_code parse(BytesView body, google::protobuf::MessageLite& msg) {
  if (body.size() > max_message_size) return codec::error::frame_too_large;
  if (!msg.ParseFromArray(body.data(), static_cast<int>(body.size()))) return codec::error::malformed_protobuf;
  return {};
}

error_code check_peer(const std::optional<Peer>& peer) {
  if (!peer) return error::missing_peer;
  if (!codec::detail::is_peer_id(peer->id)) return error::invalid_peer_id;
  return {};
}

}  // namespace detail
}  // namespace lp2p::relay
