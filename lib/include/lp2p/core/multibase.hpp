// Multibase per https://github.com/multiformats/multibase (multibase.csv): a one-character prefix naming
// the base, then the encoded bytes. lp2p implements the bases libp2p uses in practice: base32 lower
// (CIDv1 PeerIds), base58btc (legacy PeerIds), base64url (webtransport certhashes), base36 (go/js
// text for some PeerIds), base16 and base64.
// Decoding is strict: characters outside the alphabet, padding in the unpadded variants, impossible
// lengths and non-zero trailing bits are all rejected, so every accepted text has exactly one encoding.
#pragma once

#include "lp2p/core/bytes.hpp"
#include "lp2p/core/error.hpp"

#include <string>
#include <string_view>

namespace lp2p::multibase {

/// A multibase; the enumerator's value is its prefix character.
enum class Base : char {
  base16 = 'f',       ///< lower-case hexadecimal
  base16upper = 'F',  ///< upper-case hexadecimal (decoded; encoded only on request)
  base32 = 'b',       ///< RFC 4648 base32, lower case, no padding
  base32upper = 'B',  ///< RFC 4648 base32, upper case, no padding
  base36 = 'k',       ///< base36 lower case (go/js print IPNS and some PeerId CIDs as "k51...")
  base36upper = 'K',  ///< base36 upper case
  base58btc = 'z',    ///< the Bitcoin alphabet
  base64 = 'm',       ///< RFC 4648 base64, no padding
  base64url = 'u',    ///< RFC 4648 base64url, no padding
};

/// Encodes `data` in `base`, prefix included.
/// @par Thread safety: pure function.
std::string encode(Base base, BytesView data);

/// Decodes a multibase string, choosing the base by its first character.
/// @param base_out if non-null, receives the base that was used (only on success).
/// @errors core::error::multibase_empty, multibase_unsupported, base_invalid_character,
///         base_invalid_padding, base_invalid_length
result<Bytes> decode(std::string_view text, Base* base_out = nullptr);

// Raw codecs without the prefix. Decoders have the same strictness and errors as decode().
std::string base16_encode(BytesView data);  ///< lower case
/// Accepts only lower-case digits (upper case is a different multibase, 'F').
result<Bytes> base16_decode(std::string_view text);
std::string base32_lower_encode(BytesView data);
result<Bytes> base32_lower_decode(std::string_view text);
std::string base32_upper_encode(BytesView data);
result<Bytes> base32_upper_decode(std::string_view text);
/// base36 is a big-number base like base58btc: each leading zero byte becomes a leading '0'.
std::string base36_lower_encode(BytesView data);
result<Bytes> base36_lower_decode(std::string_view text);
std::string base64_encode(BytesView data);
result<Bytes> base64_decode(std::string_view text);
std::string base64url_encode(BytesView data);
result<Bytes> base64url_decode(std::string_view text);

}  // namespace lp2p::multibase
