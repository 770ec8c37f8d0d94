// Errors of multistream-select 1.0 negotiation.
// Spec: https://github.com/multiformats/multistream-select#protocol and
// https://github.com/libp2p/specs/blob/master/connections/README.md#protocol-negotiation
// Malformed length prefixes are reported with core::error (varint_overlong, varint_not_minimal).
#pragma once

#include "lp2p/error.hpp"

namespace lp2p::multistream {

enum class error {
  message_too_large = 1,  ///< a length prefix above the maximum message size (go/js: 1024 bytes)
  missing_newline,        ///< a message that is empty or does not end with '\n'
  invalid_protocol_name,  ///< a proposed or listed protocol name that does not start with '/' or holds '\n'
  bad_header,             ///< the first message is not the header "/multistream/1.0.0"
  unexpected_message,     ///< a well-formed message that is not allowed in the current state
  protocol_not_supported, ///< the listener refused every protocol the dialer proposed
  too_many_attempts,      ///< the dialer made more refused proposals (or ls requests) than allowed
  invalid_ls_response,    ///< an ls response entry with a zero or overrunning length, or without '\n'
  too_many_protocols,     ///< an ls response with more than max_ls_protocols entries
  no_protocols,           ///< local misuse: a Dialer was given an empty protocol list
  invalid_local_protocol, ///< local misuse: our own protocol name is invalid or too long to send
};

}  // namespace lp2p::multistream

LP2P_DECLARE_ERROR_ENUM(multistream)
