#include "lp2p/codec/record/envelope.hpp"

#include "lp2p/core/uvarint.hpp"

#include "envelope.pb.h"

#include <algorithm>
#include <climits>

namespace lp2p::record {
namespace {
std::string to_pb(const Bytes& b) { return std::string(b.begin(), b.end()); }
Bytes from_pb(const std::string& s) { return Bytes(s.begin(), s.end()); }
void append_field(Bytes& out, BytesView field) {
  uvarint::encode(field.size(), out);
  out.insert(out.end(), field.begin(), field.end());
}
}  // namespace

Bytes encode(const Envelope& env) {
  ::record::pb::Envelope p;
  p.set_public_key(to_pb(env.public_key));
  p.set_payload_type(to_pb(env.payload_type));
  p.set_payload(to_pb(env.payload));
  p.set_signature(to_pb(env.signature));
  Bytes out(p.ByteSizeLong());
  p.SerializeWithCachedSizesToArray(out.data());
  return out;
}

result<Envelope> decode_envelope(BytesView bytes) {
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) return error_code(codec::error::frame_too_large);
  ::record::pb::Envelope p;
  if (!p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return error_code(codec::error::malformed_protobuf);
  if (p.public_key().empty()) return error_code(error::missing_public_key);
  return Envelope{from_pb(p.public_key()), from_pb(p.payload_type()), from_pb(p.payload()),
                  from_pb(p.signature())};
}

Bytes envelope_signing_buffer(std::string_view domain, BytesView payload_type, BytesView payload) {
  Bytes out;
  out.reserve(domain.size() + payload_type.size() + payload.size() + 3 * uvarint::max_bytes);
  append_field(out, as_bytes(domain));
  append_field(out, payload_type);
  append_field(out, payload);
  return out;
}

}  // namespace lp2p::record

namespace lp2p::record {

result<Envelope> seal(const Keypair& key, std::string_view domain, BytesView payload_type, BytesView payload) {
  if (domain.empty()) return error_code(error::empty_domain);
  Envelope env;
  env.public_key = key.public_key().encode_protobuf();
  env.payload_type.assign(payload_type.begin(), payload_type.end());
  env.payload.assign(payload.begin(), payload.end());
  env.signature = key.sign(envelope_signing_buffer(domain, payload_type, payload));
  return env;
}

result<PublicKey> open(const Envelope& env, std::string_view domain, BytesView expected_type) {
  if (domain.empty()) return error_code(error::empty_domain);
  if (!std::equal(env.payload_type.begin(), env.payload_type.end(), expected_type.begin(), expected_type.end()))
    return error_code(error::payload_type_mismatch);
  auto key = PublicKey::decode_protobuf(env.public_key);
  if (!key) return key.error();
  if (!key->verify(envelope_signing_buffer(domain, env.payload_type, env.payload), env.signature))
    return error_code(error::invalid_signature);
  return key;
}

}  // namespace lp2p::record
