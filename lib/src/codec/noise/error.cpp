#include "lp2p/codec/noise/error.hpp"

namespace lp2p::noise {
namespace {
const char* describe(error e) {
  switch (e) {
    case error::frame_too_large: return "noise frame exceeds the maximum size";
    case error::frame_too_short: return "noise transport frame is shorter than the authentication tag";
    case error::decrypt_failed: return "noise decryption failed (bad authentication tag)";
    case error::handshake_message_too_short: return "noise handshake message is too short";
    case error::invalid_dh_public_key: return "noise peer sent a low-order X25519 public key";
    case error::nonce_exhausted: return "noise nonce space exhausted";
    case error::unexpected_payload_in_message1: return "noise handshake message 1 carries a payload";
    case error::malformed_payload: return "noise handshake payload is malformed";
    case error::payload_too_large: return "noise handshake payload is too large";
    case error::missing_identity_key: return "noise handshake payload has no identity key";
    case error::missing_identity_signature: return "noise handshake payload has no identity signature";
    case error::invalid_identity_key: return "noise handshake identity key does not decode";
    case error::unsupported_identity_key: return "noise handshake identity key type is not supported";
    case error::bad_identity_signature: return "noise handshake identity signature is invalid";
    case error::peer_id_mismatch: return "noise handshake authenticated an unexpected peer";
    case error::no_common_muxer: return "noise early muxer negotiation found no common muxer";
    case error::out_of_turn: return "noise handshake step called out of turn";
    case error::handshake_failed: return "noise handshake already failed";
    case error::handshake_not_finished: return "noise handshake is not finished";
    case error::already_split: return "noise handshake was already split";
    case error::no_key: return "noise cipher state has no key";
    case error::cipher_failure: return "noise cipher primitive failed";
  }
  return "unknown noise error";
}
condition classify(error e) {
  switch (e) {
    case error::nonce_exhausted:
    case error::payload_too_large: return condition::resource_limit;
    case error::unsupported_identity_key:
    case error::no_common_muxer: return condition::unsupported_protocol;
    case error::out_of_turn:
    case error::handshake_failed:
    case error::handshake_not_finished:
    case error::already_split:
    case error::no_key:
    case error::cipher_failure: return condition::misuse;
    default: return condition::protocol_violation;
  }
}
}  // namespace
}  // namespace lp2p::noise

LP2P_DEFINE_ERROR_CATEGORY(noise, "lp2p.noise")
