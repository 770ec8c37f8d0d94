#include "lp2p/core/error.hpp"

namespace lp2p::core {
namespace {
const char* describe(error e) {
  switch (e) {
    case error::varint_truncated: return "unsigned varint is truncated";
    case error::varint_overlong: return "unsigned varint is longer than 9 bytes";
    case error::varint_not_minimal: return "unsigned varint is not minimally encoded";
    case error::base_invalid_character: return "invalid character for this base encoding";
    case error::base_invalid_padding: return "invalid padding or trailing bits in base encoding";
    case error::multibase_empty: return "empty multibase string";
    case error::multibase_unsupported: return "unsupported multibase prefix";
    case error::multihash_truncated: return "multihash is truncated";
    case error::multihash_length_mismatch: return "multihash digest length does not match";
    case error::multihash_unsupported: return "unsupported multihash function code";
    case error::multiaddr_unknown_protocol: return "unknown multiaddr protocol";
    case error::multiaddr_invalid_value: return "invalid multiaddr component value";
    case error::multiaddr_missing_value: return "multiaddr protocol is missing its value";
    case error::multiaddr_truncated: return "binary multiaddr is truncated";
    case error::multiaddr_invalid_text: return "multiaddr text must start with '/' and name a protocol";
    case error::peer_id_invalid: return "not a valid PeerId";
    case error::peer_id_no_inline_key: return "PeerId is a hash; it does not contain the public key";
    case error::base_invalid_length: return "invalid length for this base encoding";
    case error::multiaddr_empty: return "multiaddr has no components";
    case error::multiaddr_component_after_path: return "multiaddr component follows a path protocol";
  }
  return "unknown core error";
}
condition classify(error) { return condition::protocol_violation; }
}  // namespace
}  // namespace lp2p::core

LP2P_DEFINE_ERROR_CATEGORY(core, "lp2p.core")
