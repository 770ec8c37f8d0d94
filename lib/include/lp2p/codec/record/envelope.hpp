// Signed envelope: https://github.com/libp2p/specs/blob/master/RFC/0002-signed-envelopes.md
// Wire format as go-libp2p core/record/pb/envelope.proto and rust-libp2p core (proto3; the signature is
// field 5 in every implementation although the RFC text says 4).
// The signature covers envelope_signing_buffer(domain, payload_type, payload); the public key is not in it.
#pragma once

#include "lp2p/codec/error.hpp"
#include "lp2p/codec/record/error.hpp"
#include "lp2p/core/bytes.hpp"
#include "lp2p/crypto/key.hpp"

#include <string_view>

namespace lp2p::record {

struct Envelope {
  Bytes public_key;    ///< field 1: a PublicKey protobuf (peer-ids spec), parsed by lp2p::crypto
  Bytes payload_type;  ///< field 2: multicodec type hint, e.g. 03 01 for a peer record
  Bytes payload;       ///< field 3: the signed payload (e.g. a PeerRecord protobuf)
  Bytes signature;     ///< field 5

  friend bool operator==(const Envelope&, const Envelope&) = default;
};

/// Encodes an envelope (proto3: empty fields are omitted).
Bytes encode(const Envelope& env);

/// Decodes an envelope. Only its structure is checked here; the signature is checked by open().
/// @errors codec::error::frame_too_large (over 2 GiB, the protobuf limit), codec::error::malformed_protobuf,
///         record::error::missing_public_key
result<Envelope> decode_envelope(BytesView bytes);

/// uvarint(len(domain)) domain uvarint(len(payload_type)) payload_type uvarint(len(payload)) payload:
/// the bytes that are signed and verified.
Bytes envelope_signing_buffer(std::string_view domain, BytesView payload_type, BytesView payload);

/// Signs `payload` for `domain` with `key`: the envelope carries key's PublicKey protobuf and the
/// signature over envelope_signing_buffer(domain, payload_type, payload).
/// @errors record::error::empty_domain (go refuses to seal with one too)
result<Envelope> seal(const Keypair& key, std::string_view domain, BytesView payload_type, BytesView payload);

/// Verifies `env` for `domain`: its payload_type must equal `expected_type` and its signature must verify
/// with its public key over the signing buffer. Returns the signer's key (its peer_id() is the signer).
/// @errors record::error::empty_domain, record::error::payload_type_mismatch,
///         record::error::invalid_signature, and the crypto::error values of PublicKey::decode_protobuf
///         (malformed_protobuf, unknown_key_type, malformed_key, ...)
result<PublicKey> open(const Envelope& env, std::string_view domain, BytesView expected_type);

}  // namespace lp2p::record
