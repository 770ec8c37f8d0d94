// Errors of the libp2p Noise handshake and secure channel.
// Spec: https://github.com/libp2p/specs/blob/master/noise/README.md and the Noise Protocol Framework
// (rev 34, https://noiseprotocol.org/noise.html). One enumerator per distinct peer fault.
#pragma once

#include "lp2p/error.hpp"

namespace lp2p::noise {

enum class error {
  // ---- framing (libp2p noise spec "Wire Format") -----------------------------------------------
  frame_too_large = 1,            ///< a Noise message/frame longer than 65535 bytes or the configured cap
  frame_too_short,                ///< a transport frame shorter than the 16-byte AEAD tag
  // ---- Noise protocol ----------------------------------------------------------------------------
  decrypt_failed,                 ///< ChaCha20-Poly1305 authentication failed (tampered or wrong key)
  handshake_message_too_short,    ///< a handshake message shorter than its tokens require
  invalid_dh_public_key,          ///< X25519 with the peer's key gave all zeros (a low-order point)
  nonce_exhausted,                ///< the 2^64-1 nonce is reserved: the channel must be closed
  // ---- libp2p handshake payload -----------------------------------------------------------------
  unexpected_payload_in_message1, ///< message 1 must carry an empty payload
  malformed_payload,              ///< the NoiseHandshakePayload protobuf does not parse
  payload_too_large,              ///< a payload over max_payload_size
  missing_identity_key,           ///< the payload has no identity_key
  missing_identity_signature,     ///< the payload has no identity_sig
  invalid_identity_key,           ///< identity_key is not a decodable libp2p PublicKey
  unsupported_identity_key,       ///< identity_key is of a type lp2p cannot verify
  bad_identity_signature,         ///< identity_sig does not sign "noise-libp2p-static-key:" || static key
  peer_id_mismatch,               ///< the authenticated peer is not the one we dialled
  no_common_muxer,                ///< both sides listed stream_muxers and the lists do not overlap
  // ---- local misuse --------------------------------------------------------------------------------
  out_of_turn,                    ///< write_message/read_message called when it is the other side's turn
  handshake_failed,               ///< the handshake was used again after it reported an error
  handshake_not_finished,         ///< split() or remote_static() before the handshake completed
  already_split,                  ///< split() called twice (would reuse keys and nonces)
  no_key,                         ///< transport encryption with a CipherState that has no key
  cipher_failure,                 ///< OpenSSL/libsodium reported an internal failure
};

}  // namespace lp2p::noise

LP2P_DECLARE_ERROR_ENUM(noise)
