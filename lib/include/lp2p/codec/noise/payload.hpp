// The libp2p Noise handshake payload (NoiseHandshakePayload) and the static-key signature message.
// Spec: https://github.com/libp2p/specs/blob/master/noise/README.md#the-libp2p-handshake-payload
// and #libp2p-data-in-handshake-messages (extensions, early muxer negotiation:
// https://github.com/libp2p/specs/blob/master/connections/inlined-muxer-negotiation.md).
#pragma once

#include "lp2p/codec/noise/error.hpp"
#include "lp2p/core/bytes.hpp"
#include "lp2p/crypto/key.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lp2p::noise {

class VerifiedIdentityCache;  // verified_identity_cache.hpp

/// A payload travels inside one Noise message, so it can never exceed the message size (65535 bytes).
constexpr std::size_t max_payload_size = 65535;

/// The prefix signed together with the X25519 static key (spec "Static Key Authentication").
constexpr std::string_view static_key_signature_prefix = "noise-libp2p-static-key:";

/// NoiseHandshakePayload as a plain struct (protobuf types stay inside the library).
struct HandshakePayload {
  Bytes identity_key;  ///< serialized libp2p PublicKey protobuf
  Bytes identity_sig;  ///< signature over make_static_key_signature_message(static key)
  std::vector<Bytes> webtransport_certhashes;  ///< NoiseExtensions field 1
  std::vector<std::string> stream_muxers;      ///< NoiseExtensions field 2 (early muxer negotiation)

  friend bool operator==(const HandshakePayload&, const HandshakePayload&) = default;
};

/// Serializes `p`. Empty fields are omitted; NoiseExtensions is written only when it has entries
/// (what go and rust do), so a payload with only key and signature is identical across implementations.
Bytes encode_payload(const HandshakePayload& p);

/// Parses a NoiseHandshakePayload. Unknown fields (e.g. the removed field 3) are ignored.
/// @errors payload_too_large (over max_payload_size), malformed_payload
result<HandshakePayload> decode_payload(BytesView in);

/// "noise-libp2p-static-key:" || x25519_static_pub: the message the identity key signs.
Bytes make_static_key_signature_message(BytesView x25519_static_pub);

/// Our payload for message 2 (responder) or 3 (initiator): the identity key's PublicKey protobuf, its
/// signature over make_static_key_signature_message(x25519_static_pub), and the muxers we advertise
/// (leave empty to not advertise; WIRE.md 1.2: advertise only "/yamux/1.0.0", and only if the caller
/// then skips multistream muxer selection).
HandshakePayload make_identity_payload(const Keypair& identity, BytesView x25519_static_pub,
                                       std::vector<std::string> stream_muxers = {});

/// Authenticates the peer's payload against the Noise static key it proved ownership of: decodes
/// identity_key and checks identity_sig over "noise-libp2p-static-key:" || remote_x25519_static.
/// (rust-libp2p's BadSignature covers both a missing and a wrong signature; lp2p tells them apart.)
/// @return the peer's identity key (its PeerId is PeerId::from_encoded_public_key(key.encode_protobuf()))
/// @errors missing_identity_key, missing_identity_signature, invalid_identity_key,
/// unsupported_identity_key (a key type or curve lp2p cannot verify), bad_identity_signature
/// @param cache if given: a triple (identity key, static key, signature) found there skips the signature
/// check (the key is still decoded, every other check is the same); a triple that verifies is added.
result<PublicKey> verify_identity_payload(const HandshakePayload& payload, BytesView remote_x25519_static,
                                          VerifiedIdentityCache* cache = nullptr);

/// Early muxer negotiation (inlined-muxer-negotiation.md): the first entry of the initiator's list that
/// the responder also lists. std::nullopt when either list is empty or they do not overlap (the caller
/// then falls back to multistream-select, as go-libp2p does, or fails with error::no_common_muxer).
std::optional<std::string> select_muxer(const std::vector<std::string>& initiator_muxers,
                                        const std::vector<std::string>& responder_muxers);

}  // namespace lp2p::noise
