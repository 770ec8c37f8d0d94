#include "lp2p/codec/record/peer_record.hpp"

#include "codec/peer_id_bytes.hpp"

#include "peer_record.pb.h"

#include <climits>

namespace lp2p::record {

Bytes encode(const PeerRecord& rec) {
  ::peer::pb::PeerRecord p;
  p.set_peer_id(std::string(rec.peer_id.begin(), rec.peer_id.end()));
  p.set_seq(rec.seq);
  for (const auto& a : rec.addrs) p.add_addresses()->set_multiaddr(std::string(a.begin(), a.end()));
  Bytes out(p.ByteSizeLong());
  p.SerializeWithCachedSizesToArray(out.data());
  return out;
}

result<PeerRecord> decode_peer_record(BytesView payload) {
  if (payload.size() > static_cast<std::size_t>(INT_MAX)) return error_code(codec::error::frame_too_large);
  ::peer::pb::PeerRecord p;
  if (!p.ParseFromArray(payload.data(), static_cast<int>(payload.size())))
    return error_code(codec::error::malformed_protobuf);
  PeerRecord rec;
  rec.peer_id.assign(p.peer_id().begin(), p.peer_id().end());
  if (!codec::detail::is_peer_id(rec.peer_id)) return error_code(error::invalid_peer_id);
  rec.seq = p.seq();
  rec.addrs.reserve(static_cast<std::size_t>(p.addresses_size()));
  for (const auto& a : p.addresses()) rec.addrs.emplace_back(a.multiaddr().begin(), a.multiaddr().end());
  return rec;
}

}  // namespace lp2p::record

namespace lp2p::record {

Envelope seal_peer_record(const Keypair& key, const PeerRecord& rec) {
  // The domain is a non-empty constant, so seal() cannot fail.
  return seal(key, peer_record_domain, peer_record_payload_type, encode(rec)).value();
}

result<PeerRecord> open_peer_record(const Envelope& env) {
  auto key = open(env, peer_record_domain, peer_record_payload_type);
  if (!key) return key.error();
  auto rec = decode_peer_record(env.payload);
  if (!rec) return rec.error();
  if (rec->peer_id != key->peer_id().bytes()) return error_code(error::peer_id_mismatch);
  return rec;
}

result<PeerRecord> open_peer_record(BytesView envelope_bytes) {
  auto env = decode_envelope(envelope_bytes);
  if (!env) return env.error();
  return open_peer_record(*env);
}

}  // namespace lp2p::record
