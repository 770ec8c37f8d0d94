// Errors of the core module: unsigned-varint, base58/multibase, multihash, multiaddr, PeerId.
#pragma once

#include "lp2p/error.hpp"

namespace lp2p::core {

enum class error {
  varint_truncated = 1,     ///< input ended inside a varint (the last byte has the continuation bit)
  varint_overlong,          ///< more than 9 bytes (the multiformats limit, 63 bits)
  varint_not_minimal,       ///< a trailing zero byte: the same value has a shorter encoding
  base_invalid_character,   ///< a character outside the base's alphabet
  base_invalid_padding,     ///< padding or trailing bits that the encoding forbids
  multibase_empty,          ///< an empty multibase string (no prefix)
  multibase_unsupported,    ///< a multibase prefix lp2p does not implement
  multihash_truncated,      ///< the multihash is shorter than its header or its declared length
  multihash_length_mismatch,///< bytes follow the digest, or the declared length is wrong for the code
  multihash_unsupported,    ///< a hash function code lp2p does not implement
  multiaddr_unknown_protocol, ///< a protocol name or code lp2p does not know (the detail names it)
  multiaddr_invalid_value,  ///< a component value that does not parse (bad IP, port, peer id, ...)
  multiaddr_missing_value,  ///< a protocol that needs a value has none
  multiaddr_truncated,      ///< binary multiaddr ends inside a component
  multiaddr_invalid_text,   ///< text that does not start with '/' or has an empty protocol name
  peer_id_invalid,          ///< bytes or text that are not a PeerId (wrong multihash, codec, CID version)
  peer_id_no_inline_key,    ///< the PeerId is a sha2-256 hash: the public key cannot be recovered from it
  base_invalid_length,      ///< a text length no encoding produces (odd hex, 1 mod 4 base64, ...)
  multiaddr_empty,          ///< a multiaddr with no components ("", "/" or zero bytes)
  multiaddr_component_after_path, ///< a component follows a path protocol (/unix), which must be last
};

}  // namespace lp2p::core

LP2P_DECLARE_ERROR_ENUM(core)
