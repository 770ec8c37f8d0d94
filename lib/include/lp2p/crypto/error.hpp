// Errors of the crypto module: the libp2p key protobufs and the per-type key encodings of
// https://github.com/libp2p/specs/blob/master/peer-ids/peer-ids.md#keys, and signature checks.
#pragma once

#include "lp2p/error.hpp"

namespace lp2p::crypto {

enum class error {
  malformed_protobuf = 1,  ///< not a PublicKey/PrivateKey protobuf, or a required field is missing
  protobuf_too_large,      ///< the key protobuf exceeds crypto::max_key_protobuf_size
  unknown_key_type,        ///< the Type field holds a value outside RSA/Ed25519/Secp256k1/ECDSA
  malformed_key,           ///< the Data bytes are not a valid key of the declared type
  key_mismatch,            ///< a private key's embedded public key does not belong to it
  unsupported_curve,       ///< an ECDSA key on a curve other than P-256, P-384 or P-521
  rsa_key_size,            ///< an RSA modulus outside 2048..8192 bits (go-libp2p's and ring's bounds)
  malformed_signature,     ///< the signature cannot be parsed for this key type (length, DER)
  invalid_signature,       ///< the signature is well-formed but does not verify
};

}  // namespace lp2p::crypto

LP2P_DECLARE_ERROR_ENUM(crypto)
