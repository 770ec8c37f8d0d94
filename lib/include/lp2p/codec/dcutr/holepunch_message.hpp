// DCUtR `HolePunch` message (`/libp2p/dcutr`):
// https://github.com/libp2p/specs/blob/master/relay/DCUtR.md#rpc-messages
// One uvarint length-prefixed frame (codec/frame.hpp) per message; rust, go and js all refuse more than
// 4096 bytes.
#pragma once

#include "lp2p/codec/dcutr/error.hpp"
#include "lp2p/codec/error.hpp"
#include "lp2p/core/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace lp2p::dcutr {

constexpr std::string_view protocol_id = "/libp2p/dcutr";
constexpr std::size_t max_message_size = 4096;

struct HolePunchMessage {
  enum class Type : std::int32_t { connect = 100, sync = 300 };

  Type type = Type::connect;      ///< field 1, required
  std::vector<Bytes> obs_addrs;   ///< field 2 `ObsAddrs`: binary multiaddrs, raw (the caller filters)

  friend bool operator==(const HolePunchMessage&, const HolePunchMessage&) = default;
};

/// Encodes the body. CONNECT without addresses is `08 64`, SYNC is `08 ac 02`.
/// @errors codec::error::message_too_large
result<Bytes> encode(const HolePunchMessage& msg);

/// Decodes a body.
/// @errors codec::error::frame_too_large, codec::error::malformed_protobuf, dcutr::error::missing_type,
///         dcutr::error::unknown_type
result<HolePunchMessage> decode(BytesView body);

/// The CONNECT step (either side): type CONNECT with at least one address before any filtering (rust
/// rejects an empty list; go and js fail later with nothing to dial).
/// @errors dcutr::error::unexpected_type, dcutr::error::no_addresses
result<void> check_connect(const HolePunchMessage& msg);

/// The SYNC step (the side that received the relayed connection sends it): type must be SYNC; any
/// addresses in it are ignored, as go does.
/// @errors dcutr::error::unexpected_type
result<void> check_sync(const HolePunchMessage& msg);

}  // namespace lp2p::dcutr
