#include "lp2p/codec/identify/message.hpp"

#include "lp2p/codec/frame.hpp"

#include "identify.pb.h"

namespace lp2p::identify {
namespace {

std::string to_proto_bytes(const Bytes& b) { return std::string(b.begin(), b.end()); }
Bytes from_proto_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

::identify::pb::Identify to_proto(const IdentifyMessage& msg) {
  ::identify::pb::Identify p;
  if (msg.public_key) p.set_publickey(to_proto_bytes(*msg.public_key));
  for (const auto& a : msg.listen_addrs) p.add_listenaddrs(to_proto_bytes(a));
  for (const auto& s : msg.protocols) p.add_protocols(s);
  if (msg.observed_addr) p.set_observedaddr(to_proto_bytes(*msg.observed_addr));
  if (msg.protocol_version) p.set_protocolversion(*msg.protocol_version);
  if (msg.agent_version) p.set_agentversion(*msg.agent_version);
  if (msg.signed_peer_record) p.set_signedpeerrecord(to_proto_bytes(*msg.signed_peer_record));
  return p;
}

Bytes serialize(const ::identify::pb::Identify& p) {
  Bytes out(p.ByteSizeLong());
  p.SerializeWithCachedSizesToArray(out.data());
  return out;
}

}  // namespace

result<Bytes> encode(const IdentifyMessage& msg) {
  const auto p = to_proto(msg);
  if (p.ByteSizeLong() > max_message_size) return error_code(codec::error::message_too_large);
  return serialize(p);
}

result<Bytes> encode_frames(const IdentifyMessage& msg) {
  auto p = to_proto(msg);
  if (p.ByteSizeLong() <= max_message_size) return codec::encode_frame(serialize(p));
  if (!p.has_signedpeerrecord()) return error_code(codec::error::message_too_large);
  ::identify::pb::Identify record_only;
  record_only.set_allocated_signedpeerrecord(p.release_signedpeerrecord());
  if (p.ByteSizeLong() > max_message_size || record_only.ByteSizeLong() > max_message_size)
    return error_code(codec::error::message_too_large);
  Bytes out = codec::encode_frame(serialize(p));
  codec::append_frame(out, serialize(record_only));
  return out;
}

result<IdentifyMessage> decode(BytesView body) {
  if (body.size() > max_message_size) return error_code(codec::error::frame_too_large);
  ::identify::pb::Identify p;
  if (!p.ParseFromArray(body.data(), static_cast<int>(body.size())))
    return error_code(codec::error::malformed_protobuf);
  IdentifyMessage msg;
  if (p.has_publickey()) msg.public_key = from_proto_bytes(p.publickey());
  msg.listen_addrs.reserve(static_cast<std::size_t>(p.listenaddrs_size()));
  for (const auto& a : p.listenaddrs()) msg.listen_addrs.push_back(from_proto_bytes(a));
  msg.protocols.assign(p.protocols().begin(), p.protocols().end());
  if (p.has_observedaddr()) msg.observed_addr = from_proto_bytes(p.observedaddr());
  if (p.has_protocolversion()) msg.protocol_version = p.protocolversion();
  if (p.has_agentversion()) msg.agent_version = p.agentversion();
  if (p.has_signedpeerrecord()) msg.signed_peer_record = from_proto_bytes(p.signedpeerrecord());
  return msg;
}

namespace {
template <class T>
void overwrite(std::optional<T>& into, const std::optional<T>& next) {
  if (next) into = next;
}
void overwrite_optionals(IdentifyMessage& into, const IdentifyMessage& next) {
  overwrite(into.public_key, next.public_key);
  overwrite(into.observed_addr, next.observed_addr);
  overwrite(into.protocol_version, next.protocol_version);
  overwrite(into.agent_version, next.agent_version);
  overwrite(into.signed_peer_record, next.signed_peer_record);
}
}  // namespace

void merge(IdentifyMessage& into, const IdentifyMessage& next) {
  overwrite_optionals(into, next);
  into.listen_addrs.insert(into.listen_addrs.end(), next.listen_addrs.begin(), next.listen_addrs.end());
  into.protocols.insert(into.protocols.end(), next.protocols.begin(), next.protocols.end());
}

void apply_push(IdentifyMessage& state, const IdentifyMessage& push) {
  overwrite_optionals(state, push);
  if (!push.listen_addrs.empty()) state.listen_addrs = push.listen_addrs;
  if (!push.protocols.empty()) state.protocols = push.protocols;
}

}  // namespace lp2p::identify
