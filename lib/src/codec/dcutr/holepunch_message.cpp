#include "lp2p/codec/dcutr/holepunch_message.hpp"

#include "holepunch.pb.h"

namespace lp2p::dcutr {

result<Bytes> encode(const HolePunchMessage& msg) {
  ::holepunch::pb::HolePunch p;
  p.set_type(static_cast<std::int32_t>(msg.type));
  for (const auto& a : msg.obs_addrs) p.add_obsaddrs(std::string(a.begin(), a.end()));
  const std::size_t size = p.ByteSizeLong();
  if (size > max_message_size) return error_code(codec::error::message_too_large);
  Bytes out(size);
  p.SerializeWithCachedSizesToArray(out.data());
  return out;
}

result<HolePunchMessage> decode(BytesView body) {
  if (body.size() > max_message_size) return error_code(codec::error::frame_too_large);
  ::holepunch::pb::HolePunch p;
  if (!p.ParseFromArray(body.data(), static_cast<int>(body.size())))
    return error_code(codec::error::malformed_protobuf);
  if (!p.has_type()) return error_code(error::missing_type);
  HolePunchMessage msg;
  switch (p.type()) {
    case static_cast<std::int32_t>(HolePunchMessage::Type::connect): msg.type = HolePunchMessage::Type::connect; break;
    case static_cast<std::int32_t>(HolePunchMessage::Type::sync): msg.type = HolePunchMessage::Type::sync; break;
    default: return error_code(error::unknown_type);
  }
  msg.obs_addrs.reserve(static_cast<std::size_t>(p.obsaddrs_size()));
  for (const auto& a : p.obsaddrs()) msg.obs_addrs.emplace_back(a.begin(), a.end());
  return msg;
}

result<void> check_connect(const HolePunchMessage& msg) {
  if (msg.type != HolePunchMessage::Type::connect) return error_code(error::unexpected_type);
  if (msg.obs_addrs.empty()) return error_code(error::no_addresses);
  return {};
}

result<void> check_sync(const HolePunchMessage& msg) {
  if (msg.type != HolePunchMessage::Type::sync) return error_code(error::unexpected_type);
  return {};
}

}  // namespace lp2p::dcutr
