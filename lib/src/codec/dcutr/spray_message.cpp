#include "lp2p/codec/dcutr/spray_message.hpp"

#include "dcutr_spray.pb.h"
#include "lp2p/codec/frame.hpp"

namespace lp2p::spray {

std::string_view to_string(NoPlanReason r) noexcept {
  switch (r) {
    case NoPlanReason::none: return "none";
    case NoPlanReason::disabled: return "disabled";
    case NoPlanReason::not_needed: return "not needed";
    case NoPlanReason::both_dependent: return "both endpoint-dependent";
    case NoPlanReason::no_target: return "no target address";
    case NoPlanReason::no_budget: return "no budget";
    case NoPlanReason::budget_denied: return "budget denied";
    case NoPlanReason::rounds_exhausted: return "rounds exhausted";
    case NoPlanReason::plan_mismatch: return "plan mismatch";
    case NoPlanReason::cancelled: return "cancelled";
    case NoPlanReason::other: return "other";
  }
  return "other";
}

namespace {

namespace pb = ::dcutr_spray::pb;

MappingKind mapping_from_wire(std::int32_t v) {
  if (v >= 0 && v <= static_cast<std::int32_t>(MappingKind::endpoint_dependent)) return static_cast<MappingKind>(v);
  return MappingKind::unknown;
}

NoPlanReason reason_from_wire(std::int32_t v) {
  if (v >= 0 && v <= static_cast<std::int32_t>(NoPlanReason::other)) return static_cast<NoPlanReason>(v);
  return NoPlanReason::other;
}

struct ToProto {
  pb::Spray& p;
  void operator()(const SprayOffer& o) const {
    p.set_type(pb::Spray::OFFER);
    auto* m = p.mutable_offer();
    m->set_version(o.version);
    m->set_mapping(static_cast<std::int32_t>(o.mapping));
    for (const auto& a : o.obs_addrs) m->add_obs_addrs(std::string(a.begin(), a.end()));
    if (o.port_min != 0 || o.port_max != 0) {
      m->set_port_min(o.port_min);
      m->set_port_max(o.port_max);
    }
    m->set_max_sockets(o.max_sockets);
    m->set_max_guesses(o.max_guesses);
    m->set_max_rounds(o.max_rounds);
    m->set_round_timeout_ms(o.round_timeout_ms);
  }
  void operator()(const SpraySync& s) const {
    p.set_type(pb::Spray::SYNC);
    auto* m = p.mutable_sync();
    m->set_round(s.round);
    m->set_sender_sprays(s.sender_sprays);
    m->set_sockets(s.sockets);
    m->set_guesses(s.guesses);
  }
  void operator()(const SprayAbort& a) const {
    p.set_type(pb::Spray::ABORT);
    auto* m = p.mutable_abort();
    m->set_reason(static_cast<std::int32_t>(a.reason));
    m->set_detail(a.detail.substr(0, max_abort_detail));
  }
};

result<SprayMessage> offer_from(const pb::Offer& m) {
  SprayOffer o;
  if (!m.has_version() || m.version() == 0) return error_code(error::unsupported_version);
  o.version = m.version();
  o.mapping = mapping_from_wire(m.mapping());
  o.obs_addrs.reserve(static_cast<std::size_t>(m.obs_addrs_size()));
  for (const auto& a : m.obs_addrs()) o.obs_addrs.emplace_back(a.begin(), a.end());
  if (m.has_port_min() != m.has_port_max()) return error_code(error::invalid_port_range);
  if (m.has_port_min()) {
    if (m.port_min() == 0 || m.port_max() > 65535 || m.port_min() > m.port_max())
      return error_code(error::invalid_port_range);
    o.port_min = static_cast<std::uint16_t>(m.port_min());
    o.port_max = static_cast<std::uint16_t>(m.port_max());
  }
  if (m.max_sockets() > max_sockets_limit || m.max_guesses() > max_sockets_limit ||
      m.max_rounds() > max_rounds_limit)
    return error_code(error::caps_out_of_range);
  o.max_sockets = m.max_sockets();
  o.max_guesses = m.max_guesses();
  o.max_rounds = m.max_rounds();
  if (m.has_round_timeout_ms()) {
    if (m.round_timeout_ms() < min_round_timeout_ms || m.round_timeout_ms() > max_round_timeout_ms)
      return error_code(error::caps_out_of_range);
    o.round_timeout_ms = m.round_timeout_ms();
  }
  return SprayMessage{std::move(o)};
}

result<SprayMessage> sync_from(const pb::Sync& m) {
  if (!m.has_round() || m.round() == 0 || m.round() > max_rounds_limit) return error_code(error::invalid_round);
  if (m.sockets() > max_sockets_limit || m.guesses() > max_sockets_limit)
    return error_code(error::caps_out_of_range);
  SpraySync s;
  s.round = m.round();
  s.sender_sprays = m.sender_sprays();
  s.sockets = m.sockets();
  s.guesses = m.guesses();
  return SprayMessage{s};
}

result<SprayMessage> abort_from(const pb::Abort& m) {
  if (m.detail().size() > max_abort_detail) return error_code(error::caps_out_of_range);
  SprayAbort a;
  a.reason = reason_from_wire(m.reason());
  a.detail = m.detail();
  return SprayMessage{std::move(a)};
}

}  // namespace

result<Bytes> encode(const SprayMessage& msg) {
  pb::Spray p;
  std::visit(ToProto{p}, msg);
  const std::size_t size = p.ByteSizeLong();
  if (size > max_message_size) return error_code(codec::error::message_too_large);
  Bytes out(size);
  p.SerializeWithCachedSizesToArray(out.data());
  return out;
}

result<Bytes> encode_framed(const SprayMessage& msg) {
  auto body = encode(msg);
  if (!body) return body.error();
  return codec::encode_frame(*body);
}

result<SprayMessage> decode(BytesView body) {
  if (body.size() > max_message_size) return error_code(codec::error::frame_too_large);
  pb::Spray p;
  if (!p.ParseFromArray(body.data(), static_cast<int>(body.size())))
    return error_code(codec::error::malformed_protobuf);
  if (!p.has_type()) return error_code(error::missing_type);
  switch (p.type()) {
    case pb::Spray::OFFER:
      if (!p.has_offer()) return error_code(error::missing_body);
      return offer_from(p.offer());
    case pb::Spray::SYNC:
      if (!p.has_sync()) return error_code(error::missing_body);
      return sync_from(p.sync());
    case pb::Spray::ABORT:
      if (!p.has_abort()) return error_code(error::missing_body);
      return abort_from(p.abort());
    default: return error_code(error::unknown_type);
  }
}

result<SprayOffer> expect_offer(const SprayMessage& msg) {
  if (std::holds_alternative<SprayAbort>(msg)) return error_code(error::aborted_by_peer);
  if (const auto* o = std::get_if<SprayOffer>(&msg)) return *o;
  return error_code(error::unexpected_type);
}

result<SpraySync> expect_sync(const SprayMessage& msg, std::uint32_t expected_round) {
  if (std::holds_alternative<SprayAbort>(msg)) return error_code(error::aborted_by_peer);
  const auto* s = std::get_if<SpraySync>(&msg);
  if (!s) return error_code(error::unexpected_type);
  if (s->round != expected_round) return error_code(error::invalid_round);
  return *s;
}

}  // namespace lp2p::spray
