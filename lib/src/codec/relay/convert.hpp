// Private: conversions between lp2p::relay structs and the generated circuit.pb types.
#pragma once

#include "lp2p/codec/relay/common.hpp"
#include "lp2p/error.hpp"

#include "circuit.pb.h"

#include <string>

namespace lp2p::relay::detail {

inline std::string to_pb_bytes(const Bytes& b) { return std::string(b.begin(), b.end()); }
inline Bytes from_pb_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

void to_pb(const Peer& in, ::circuit::pb::Peer& out);
Peer from_pb(const ::circuit::pb::Peer& in);
void to_pb(const Limit& in, ::circuit::pb::Limit& out);
Limit from_pb(const ::circuit::pb::Limit& in);

/// Serializes an already-built message, enforcing max_message_size.
result<Bytes> serialize(const google::protobuf::MessageLite& msg);
/// Parses `body` into `msg`, enforcing max_message_size.
/// @errors codec::error::frame_too_large, codec::error::malformed_protobuf
error_code parse(BytesView body, google::protobuf::MessageLite& msg);

/// Shared check: CONNECT requests carry a peer whose id is a PeerId.
error_code check_peer(const std::optional<Peer>& peer);

}  // namespace lp2p::relay::detail
