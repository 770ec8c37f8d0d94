// Human explanations of Circuit Relay v2 status codes
// (https://github.com/libp2p/specs/blob/master/relay/circuit-v2.md#protobuf), for logs and error
// messages shown to the people running lp2p. The causes of NO_RESERVATION follow WIRE.md §2.4 (rust's
// behaviour.rs and go's relay.go) and the field report in DESIGN.md §1.
#pragma once

#include "lp2p/codec/relay/common.hpp"

#include <string_view>

namespace lp2p::relay {

/// One clear sentence saying what `s` means and, for refusals, what to do about it. NO_RESERVATION gets a
/// multi-line explanation: what it means, its usual causes and what to check. Values outside the spec
/// get a generic sentence.
/// @par Thread safety: pure; returns static text.
std::string_view explain_status(Status s) noexcept;

}  // namespace lp2p::relay
