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
