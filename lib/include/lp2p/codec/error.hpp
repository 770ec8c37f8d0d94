// Errors shared by the length-prefixed protobuf codecs (identify, circuit relay v2, DCUtR, signed records).
// Framing: https://github.com/multiformats/unsigned-varint (uvarint length prefix) as used by
// https://github.com/libp2p/specs/blob/master/relay/circuit-v2.md and relay/DCUtR.md.
// Protocol-specific faults (a missing relay `type`, a bad signature, ...) live in each protocol's error.hpp.
#pragma once

#include "lp2p/error.hpp"

namespace lp2p::codec {

enum class error {
  frame_too_large = 1,    ///< a peer's frame (or message body) is longer than the maximum we accept
  truncated_frame,        ///< the stream ended inside a frame (in its length prefix or its body)
  invalid_length_prefix,  ///< the length prefix is not a valid uvarint (overlong or not minimally encoded)
  malformed_protobuf,     ///< the frame body is not a valid protobuf encoding of the expected message
  message_too_large,      ///< a message we were asked to encode would exceed the protocol's maximum
};

}  // namespace lp2p::codec

LP2P_DECLARE_ERROR_ENUM(codec)
