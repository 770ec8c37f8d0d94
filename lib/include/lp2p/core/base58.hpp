// base58btc (the Bitcoin alphabet), as used by multibase 'z' and legacy PeerId text.
#pragma once

#include "lp2p/core/bytes.hpp"
#include "lp2p/core/error.hpp"

#include <string>
#include <string_view>

namespace lp2p::base58 {

/// Encodes bytes; each leading zero byte becomes a leading '1'.
std::string encode(BytesView in);
/// Decodes text; accepts only the Bitcoin alphabet.
/// @errors core::error::base_invalid_character
result<Bytes> decode(std::string_view text);

}  // namespace lp2p::base58
