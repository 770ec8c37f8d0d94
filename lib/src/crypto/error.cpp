#include "lp2p/crypto/error.hpp"

namespace lp2p::crypto {
namespace {
const char* describe(error e) {
  switch (e) {
    case error::malformed_protobuf: return "malformed key protobuf";
    case error::protobuf_too_large: return "key protobuf is too large";
    case error::unknown_key_type: return "unknown key type";
    case error::malformed_key: return "malformed key bytes";
    case error::key_mismatch: return "private key does not match its embedded public key";
    case error::unsupported_curve: return "unsupported ECDSA curve";
    case error::rsa_key_size: return "RSA key size outside 2048..8192 bits";
    case error::malformed_signature: return "malformed signature";
    case error::invalid_signature: return "invalid signature";
  }
  return "unknown crypto error";
}
condition classify(error e) {
  switch (e) {
    // Well-formed keys that lp2p chooses not to accept: the peer is not wrong, just incompatible.
    case error::unsupported_curve:
    case error::rsa_key_size: return condition::unsupported_protocol;
    default: return condition::protocol_violation;
  }
}
}  // namespace
}  // namespace lp2p::crypto

LP2P_DEFINE_ERROR_CATEGORY(crypto, "lp2p.crypto")
