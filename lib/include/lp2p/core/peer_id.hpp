// PeerId per https://github.com/libp2p/specs/blob/master/peer-ids/peer-ids.md#peer-ids
// and the text forms of https://github.com/libp2p/specs/blob/master/RFC/0001-text-peerid-cid.md:
// a PeerId is the multihash of the encoded PublicKey protobuf, identity when that encoding is at most
// 42 bytes (so Ed25519 and secp256k1 keys are recoverable from the id), sha2-256 otherwise.
#pragma once

#include "lp2p/core/bytes.hpp"
#include "lp2p/core/error.hpp"
#include "lp2p/core/multihash.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace lp2p {

/// An immutable peer identity. There is deliberately no default constructor: every PeerId names a real
/// multihash (use std::optional<PeerId> for "no peer yet").
/// @par Thread safety: immutable value type; distinct objects may be used concurrently.
class PeerId {
 public:
  /// Encoded keys up to this size are inlined with the identity multihash.
  static constexpr std::size_t max_inline_key_length = 42;
  /// Multicodec of a PeerId inside a CID ("libp2p-key").
  static constexpr std::uint64_t libp2p_key_codec = 0x72;

  /// The PeerId of a key given as its encoded PublicKey protobuf (`08 <type> 12 <len> <data>`).
  /// Does not validate the key itself (that is lp2p::crypto's job).
  static PeerId from_encoded_public_key(BytesView protobuf_public_key);

  /// Parses the binary multihash form (as found in identify, peer records, /p2p multiaddrs).
  /// Accepts identity multihashes of at most 42 bytes (rust-libp2p's limit) and sha2-256.
  /// @errors core::error::peer_id_invalid (wrong hash function or oversized identity) and the
  ///         errors of Multihash::decode (varint_*, multihash_truncated, multihash_length_mismatch)
  static result<PeerId> from_bytes(BytesView multihash);

  /// Parses text: legacy base58btc multihash (starts with '1' or "Qm") or a CIDv1 in any supported
  /// multibase, with codec libp2p-key (0x72).
  /// @errors core::error::peer_id_invalid (not CIDv1, wrong codec, empty text, bad hash), the errors of
  ///         multibase::decode, base58 decoding and from_bytes
  static result<PeerId> parse(std::string_view text);

  /// Legacy base58btc of the multihash: "12D3KooW..." for Ed25519, "Qm..." for hashed keys.
  std::string to_base58() const;
  /// Same as to_base58(): the spec says to display the legacy form until CIDs are widely supported.
  std::string to_string() const { return to_base58(); }
  /// CIDv1 text in base32 lower case: "bafz...".
  std::string to_cid() const;

  /// The binary multihash.
  const Bytes& bytes() const noexcept { return bytes_; }
  Multihash multihash() const;
  /// The encoded PublicKey protobuf when this id inlines it (identity multihash); nullopt for a hash.
  /// The view points into this PeerId.
  std::optional<BytesView> inline_public_key() const noexcept;
  /// Like inline_public_key() but as a result, for callers that must have the key.
  /// @errors core::error::peer_id_no_inline_key
  result<BytesView> require_inline_public_key() const noexcept;

  friend bool operator==(const PeerId& a, const PeerId& b) noexcept { return a.bytes_ == b.bytes_; }
  /// Orders by the binary multihash (deterministic, for sorted containers).
  friend bool operator<(const PeerId& a, const PeerId& b) noexcept { return a.bytes_ < b.bytes_; }

 private:
  explicit PeerId(Bytes multihash) : bytes_(std::move(multihash)) {}
  Bytes bytes_;
};

}  // namespace lp2p

template <>
struct std::hash<lp2p::PeerId> {
  std::size_t operator()(const lp2p::PeerId& id) const noexcept;
};
