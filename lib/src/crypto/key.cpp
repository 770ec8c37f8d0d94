// PublicKey / Keypair and the key protobufs: https://github.com/libp2p/specs/blob/master/peer-ids/peer-ids.md#keys
#include "lp2p/crypto/key.hpp"

#include "crypto/backend.hpp"
#include "keys.pb.h"
#include "lp2p/core/uvarint.hpp"

#include <google/protobuf/unknown_field_set.h>
#include <sodium.h>

#include <algorithm>
#include <stdexcept>

namespace lp2p {
namespace {

using crypto::error;
namespace backend = crypto::detail;

struct ParsedKey {
  KeyType type;
  std::string data;
};

/// Parses PublicKey or PrivateKey (same shape). Unknown fields are skipped, as in rust and go.
template <class Message>
result<ParsedKey> parse_key_protobuf(BytesView bytes) {
  if (bytes.size() > crypto::max_key_protobuf_size) return error::protobuf_too_large;
  Message m;
  if (!m.ParsePartialFromArray(bytes.data(), static_cast<int>(bytes.size()))) return error::malformed_protobuf;
  if (!m.has_type()) {
    // proto2 parks an out-of-range enum value among the unknown fields: report it as what it is.
    const auto& unknown = m.GetReflection()->GetUnknownFields(m);
    for (int i = 0; i < unknown.field_count(); ++i) {
      const auto& f = unknown.field(i);
      if (f.number() == 1 && f.type() == google::protobuf::UnknownField::TYPE_VARINT)
        return error::unknown_key_type;
    }
    return error::malformed_protobuf;
  }
  if (!m.has_data()) return error::malformed_protobuf;
  return ParsedKey{static_cast<KeyType>(m.type()), std::move(*m.mutable_data())};
}

BytesView view(const std::string& s) { return as_bytes(s); }

/// The deterministic encoding the spec demands: 08 <type> 12 <uvarint len> <data>, nothing else.
Bytes encode_key_protobuf(KeyType type, BytesView data) {
  Bytes out;
  out.reserve(3 + uvarint::encoded_size(data.size()) + data.size());
  out.push_back(0x08);  // field 1, varint
  out.push_back(static_cast<std::uint8_t>(type));
  out.push_back(0x12);  // field 2, length-delimited
  uvarint::encode(data.size(), out);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

bool is_known(KeyType t) {
  return t == KeyType::rsa || t == KeyType::ed25519 || t == KeyType::secp256k1 || t == KeyType::ecdsa;
}

}  // namespace

std::string_view to_string(KeyType type) noexcept {
  switch (type) {
    case KeyType::rsa: return "RSA";
    case KeyType::ed25519: return "Ed25519";
    case KeyType::secp256k1: return "Secp256k1";
    case KeyType::ecdsa: return "ECDSA";
  }
  return "unknown";
}

// ---- PublicKey ----

result<PublicKey> PublicKey::from_raw(KeyType type, BytesView data) {
  if (!is_known(type)) return error::unknown_key_type;
  if (data.size() > crypto::max_key_protobuf_size) return error::malformed_key;
  auto canonical = type == KeyType::ed25519 ? backend::ed25519_public(data) : backend::openssl_public(type, data);
  if (!canonical) return canonical.error();
  return PublicKey(type, std::move(*canonical));
}

result<PublicKey> PublicKey::decode_protobuf(BytesView bytes) {
  auto parsed = parse_key_protobuf<pb::PublicKey>(bytes);
  if (!parsed) return parsed.error();
  return from_raw(parsed->type, view(parsed->data));
}

Bytes PublicKey::encode_protobuf() const { return encode_key_protobuf(type_, data_); }

PeerId PublicKey::peer_id() const { return PeerId::from_encoded_public_key(encode_protobuf()); }

result<PublicKey> PublicKey::from_peer_id(const PeerId& id) {
  auto inline_key = id.require_inline_public_key();
  if (!inline_key) return inline_key.error();
  auto key = decode_protobuf(*inline_key);
  if (!key) return key.error();
  // An inlined key that is not canonically encoded (extra fields, an uncompressed point) names a
  // different PeerId than the key it decodes to; refusing it keeps from_peer_id(id)->peer_id() == id.
  if (key->encode_protobuf().size() != inline_key->size() ||
      !std::equal(inline_key->begin(), inline_key->end(), key->encode_protobuf().begin()))
    return core::error::peer_id_invalid;
  return key;
}

result<void> PublicKey::check_signature(BytesView message, BytesView signature) const {
  if (type_ == KeyType::ed25519) return backend::ed25519_check(data_, message, signature);
  return backend::openssl_check(type_, data_, message, signature);
}

bool PublicKey::verify(BytesView message, BytesView signature) const noexcept {
  try {
    return check_signature(message, signature).has_value();
  } catch (...) {  // only allocation failure can get here; a failed check is the safe answer
    return false;
  }
}

// ---- Keypair ----

Keypair Keypair::ed25519_from_seed(std::span<const std::uint8_t, 32> seed) {
  auto parts = backend::ed25519_from_seed(seed);
  return Keypair(std::move(parts.secret), PublicKey(KeyType::ed25519, std::move(parts.public_data)));
}

Keypair Keypair::generate_ed25519() {
  backend::ensure_sodium();
  std::array<std::uint8_t, 32> seed{};
  randombytes_buf(seed.data(), seed.size());
  auto kp = ed25519_from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return kp;
}

Keypair Keypair::from_secret_key_seed(std::uint8_t n) {
  std::array<std::uint8_t, 32> seed{};
  seed[0] = n;
  return ed25519_from_seed(seed);
}

Keypair Keypair::generate_secp256k1() {
  auto parts = backend::openssl_generate(KeyType::secp256k1, 0);
  return Keypair(std::move(parts.secret), PublicKey(KeyType::secp256k1, std::move(parts.public_data)));
}

Keypair Keypair::generate_ecdsa_p256() {
  auto parts = backend::openssl_generate(KeyType::ecdsa, 0);
  return Keypair(std::move(parts.secret), PublicKey(KeyType::ecdsa, std::move(parts.public_data)));
}

Keypair Keypair::generate_rsa(int bits) {
  if (bits < static_cast<int>(crypto::rsa_min_bits) || bits > static_cast<int>(crypto::rsa_max_bits))
    throw std::invalid_argument("lp2p: RSA key size must be within 2048..8192 bits");
  auto parts = backend::openssl_generate(KeyType::rsa, bits);
  return Keypair(std::move(parts.secret), PublicKey(KeyType::rsa, std::move(parts.public_data)));
}

result<Keypair> Keypair::decode_private_protobuf(BytesView bytes) {
  auto parsed = parse_key_protobuf<pb::PrivateKey>(bytes);
  if (!parsed) return parsed.error();
  const BytesView data = view(parsed->data);
  auto parts = parsed->type == KeyType::ed25519 ? backend::ed25519_decode_private(data)
                                                : backend::openssl_decode_private(parsed->type, data);
  // The parsed copy held secret bytes: wipe it before it is freed.
  sodium_memzero(parsed->data.data(), parsed->data.size());
  if (!parts) return parts.error();
  return Keypair(std::move(parts->secret), PublicKey(parsed->type, std::move(parts->public_data)));
}

Bytes Keypair::encode_private_protobuf() const {
  Bytes data = type() == KeyType::ed25519 ? backend::ed25519_encode_private(*secret_)
                                          : backend::openssl_encode_private(*secret_);
  Bytes out = encode_key_protobuf(type(), data);
  sodium_memzero(data.data(), data.size());
  return out;
}

Bytes Keypair::sign(BytesView message) const {
  if (type() == KeyType::ed25519) return backend::ed25519_sign(*secret_, message);
  return backend::openssl_sign(*secret_, message);
}

}  // namespace lp2p
