#include "lp2p/codec/record/voucher.hpp"

#include "codec/peer_id_bytes.hpp"

#include "voucher.pb.h"

#include <climits>

namespace lp2p::record {

Bytes encode(const Voucher& v) {
  ::circuit::pb::ReservationVoucher p;
  p.set_relay(std::string(v.relay.begin(), v.relay.end()));
  p.set_peer(std::string(v.peer.begin(), v.peer.end()));
  p.set_expiration(v.expiration);
  Bytes out(p.ByteSizeLong());
  p.SerializeWithCachedSizesToArray(out.data());
  return out;
}

result<Voucher> decode_voucher(BytesView payload) {
  if (payload.size() > static_cast<std::size_t>(INT_MAX)) return error_code(codec::error::frame_too_large);
  ::circuit::pb::ReservationVoucher p;
  if (!p.ParseFromArray(payload.data(), static_cast<int>(payload.size())))
    return error_code(codec::error::malformed_protobuf);
  Voucher v;
  v.relay.assign(p.relay().begin(), p.relay().end());
  v.peer.assign(p.peer().begin(), p.peer().end());
  if (!codec::detail::is_peer_id(v.relay) || !codec::detail::is_peer_id(v.peer))
    return error_code(error::invalid_peer_id);
  if (!p.has_expiration()) return error_code(error::voucher_without_expiration);
  v.expiration = p.expiration();
  return v;
}

}  // namespace lp2p::record

namespace lp2p::record {

Envelope seal_voucher(const Keypair& relay_key, const Voucher& v) {
  return seal(relay_key, voucher_domain, voucher_payload_type, encode(v)).value();
}

result<Voucher> open_voucher(BytesView envelope_bytes) {
  auto env = decode_envelope(envelope_bytes);
  if (!env) return env.error();
  auto key = open(*env, voucher_domain, voucher_payload_type);
  if (!key) return key.error();
  auto v = decode_voucher(env->payload);
  if (!v) return v.error();
  if (v->relay != key->peer_id().bytes()) return error_code(error::peer_id_mismatch);
  return v;
}

}  // namespace lp2p::record
