#include "lp2p/codec/noise/payload.hpp"

#include "lp2p/codec/noise/verified_identity_cache.hpp"

#include "noise_payload.pb.h"

#include <algorithm>

namespace lp2p::noise {

Bytes encode_payload(const HandshakePayload& p) {
  pb::NoiseHandshakePayload m;
  if (!p.identity_key.empty()) m.set_identity_key(p.identity_key.data(), p.identity_key.size());
  if (!p.identity_sig.empty()) m.set_identity_sig(p.identity_sig.data(), p.identity_sig.size());
  if (!p.webtransport_certhashes.empty() || !p.stream_muxers.empty()) {
    auto* ext = m.mutable_extensions();
    for (const auto& h : p.webtransport_certhashes) ext->add_webtransport_certhashes(h.data(), h.size());
    for (const auto& s : p.stream_muxers) ext->add_stream_muxers(s);
  }
  Bytes out(m.ByteSizeLong());
  m.SerializeWithCachedSizesToArray(out.data());
  return out;
}

result<HandshakePayload> decode_payload(BytesView in) {
  if (in.size() > max_payload_size) return error::payload_too_large;
  pb::NoiseHandshakePayload m;
  if (!m.ParseFromArray(in.data(), static_cast<int>(in.size()))) return error::malformed_payload;
  HandshakePayload p;
  const auto& key = m.identity_key();
  const auto& sig = m.identity_sig();
  p.identity_key.assign(key.begin(), key.end());
  p.identity_sig.assign(sig.begin(), sig.end());
  if (m.has_extensions()) {
    const auto& ext = m.extensions();
    p.webtransport_certhashes.reserve(static_cast<std::size_t>(ext.webtransport_certhashes_size()));
    for (const auto& h : ext.webtransport_certhashes()) p.webtransport_certhashes.emplace_back(h.begin(), h.end());
    p.stream_muxers.assign(ext.stream_muxers().begin(), ext.stream_muxers().end());
  }
  return p;
}

Bytes make_static_key_signature_message(BytesView x25519_static_pub) {
  Bytes msg(static_key_signature_prefix.size() + x25519_static_pub.size());
  std::copy(static_key_signature_prefix.begin(), static_key_signature_prefix.end(), msg.begin());
  std::copy(x25519_static_pub.begin(), x25519_static_pub.end(),
            msg.begin() + static_cast<std::ptrdiff_t>(static_key_signature_prefix.size()));
  return msg;
}

HandshakePayload make_identity_payload(const Keypair& identity, BytesView x25519_static_pub,
                                       std::vector<std::string> stream_muxers) {
  HandshakePayload p;
  p.identity_key = identity.public_key().encode_protobuf();
  p.identity_sig = identity.sign(make_static_key_signature_message(x25519_static_pub));
  p.stream_muxers = std::move(stream_muxers);
  return p;
}

result<PublicKey> verify_identity_payload(const HandshakePayload& payload, BytesView remote_x25519_static,
                                          VerifiedIdentityCache* cache) {
  if (payload.identity_key.empty()) return error::missing_identity_key;
  if (payload.identity_sig.empty()) return error::missing_identity_signature;
  auto key = PublicKey::decode_protobuf(payload.identity_key);
  if (!key) {
    if (key.error() == crypto::error::unknown_key_type || key.error() == crypto::error::unsupported_curve ||
        key.error() == crypto::error::rsa_key_size)
      return error::unsupported_identity_key;
    return error::invalid_identity_key;
  }
  // The cache is consulted only after the key decoded, so every decoding error is reported as before.
  VerifiedIdentityCache::Digest d{};
  if (cache) {
    d = cache->digest(payload.identity_key, remote_x25519_static, payload.identity_sig);
    if (cache->lookup(d)) return key;
  }
  if (!key->verify(make_static_key_signature_message(remote_x25519_static), payload.identity_sig))
    return error::bad_identity_signature;
  if (cache) cache->insert(d);
  return key;
}

std::optional<std::string> select_muxer(const std::vector<std::string>& initiator_muxers,
                                        const std::vector<std::string>& responder_muxers) {
  for (const auto& m : initiator_muxers)
    if (std::find(responder_muxers.begin(), responder_muxers.end(), m) != responder_muxers.end()) return m;
  return std::nullopt;
}

}  // namespace lp2p::noise
