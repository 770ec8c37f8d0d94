#include "lp2p/codec/noise/handshake.hpp"

#include <sodium.h>

namespace lp2p::noise {

std::shared_ptr<const SignedStaticKey> SignedStaticKey::sign(const Keypair& identity, const X25519Keypair& key) {
  auto s = std::make_shared<SignedStaticKey>();
  s->key = key;
  s->identity_key = identity.public_key().encode_protobuf();
  s->identity_sig = identity.sign(make_static_key_signature_message(key.public_key));
  HandshakePayload p;
  p.identity_key = s->identity_key;
  p.identity_sig = s->identity_sig;
  s->encoded_payload = encode_payload(p);
  return s;
}

std::shared_ptr<const SignedStaticKey> SignedStaticKey::generate(const Keypair& identity) {
  auto key = X25519Keypair::generate();
  auto s = sign(identity, key);
  sodium_memzero(key.secret.data(), key.secret.size());
  return s;
}

SignedStaticKey::~SignedStaticKey() { sodium_memzero(key.secret.data(), key.secret.size()); }

Handshake::Handshake(Role role, const Keypair& identity, HandshakeConfig cfg, std::optional<X25519Keypair> static_key,
                     std::optional<X25519Keypair> ephemeral)
    : Handshake(role,
                static_key ? SignedStaticKey::sign(identity, *static_key) : SignedStaticKey::generate(identity),
                std::move(cfg), std::move(ephemeral)) {
  if (static_key) sodium_memzero(static_key->secret.data(), static_key->secret.size());
}

Handshake::Handshake(Role role, std::shared_ptr<const SignedStaticKey> local, HandshakeConfig cfg,
                     std::optional<X25519Keypair> ephemeral)
    : role_(role), local_(std::move(local)), cfg_(std::move(cfg)), hs_(role, local_->key, {}, std::move(ephemeral)) {
  // libp2p: message 1 is the initiator's ephemeral key with an empty payload.
  if (role_ == Role::initiator) {
    if (auto r = send({}); !r) failed_ = r.error();
  }
}

Bytes Handshake::take_output() { return std::exchange(out_, Bytes{}); }

bool Handshake::finished() const noexcept { return !failed_ && hs_.finished(); }

std::size_t Handshake::bytes_needed() const noexcept { return finished() ? 0 : frames_.bytes_needed(); }

BytesView Handshake::our_payload() {
  // The signature was made once for the static key (SignedStaticKey); only the muxer list is per handshake.
  if (cfg_.stream_muxers.empty() && !local_->encoded_payload.empty()) return local_->encoded_payload;
  HandshakePayload p;
  p.identity_key = local_->identity_key;
  p.identity_sig = local_->identity_sig;
  p.stream_muxers = cfg_.stream_muxers;
  payload_scratch_ = encode_payload(p);
  return payload_scratch_;
}

result<void> Handshake::send(BytesView payload) {
  // The message is written in place behind its length prefix (what append_frame() would produce), into
  // a buffer reserved once for the largest message (2): no separate message buffer growing insert by insert.
  const std::size_t at = out_.size();
  out_.reserve(at + frame_header_size + min_message2_size + payload.size());
  out_.resize(at + frame_header_size);
  if (auto r = hs_.write_message(payload, out_); !r) {
    out_.resize(at);
    return r;
  }
  const std::size_t len = out_.size() - at - frame_header_size;
  if (len > max_message_size) {
    out_.resize(at);
    return error::frame_too_large;
  }
  out_[at] = static_cast<std::uint8_t>(len >> 8);
  out_[at + 1] = static_cast<std::uint8_t>(len);
  return {};
}

result<void> Handshake::on_bytes(BytesView bytes) {
  if (failed_) return failed_;
  frames_.feed(bytes);
  return consume();
}

result<void> Handshake::commit(std::size_t n) {
  if (failed_) return failed_;
  frames_.commit(n);
  return consume();
}

result<void> Handshake::consume() {
  // Once finished, what arrives (transport frames a peer sent right behind message 3) stays buffered
  // for the Decrypter (finish()).
  while (!hs_.finished()) {
    auto f = frames_.next_frame();
    if (!f) {
      failed_ = f.error();
      return failed_;
    }
    if (!*f) return {};
    if (auto r = process(**f); !r) {
      failed_ = r.error();
      return failed_;
    }
  }
  return {};
}

result<void> Handshake::process(BytesView message) {
  auto payload = hs_.read_message(message);
  if (!payload) return payload.error();
  switch (hs_.step()) {
    case 1:  // responder read message 1
      if (!payload->empty()) return error::unexpected_payload_in_message1;
      return send(our_payload());
    case 2:  // initiator read message 2
      if (auto r = accept_payload(*payload); !r) return r;
      return send(our_payload());
    default:  // responder read message 3
      return accept_payload(*payload);
  }
}

result<void> Handshake::accept_payload(BytesView bytes) {
  auto payload = decode_payload(bytes);
  if (!payload) return payload.error();
  auto key = verify_identity_payload(*payload, hs_.remote_static(), cfg_.verified_identities.get());
  if (!key) return key.error();
  remote_peer_ = PeerId::from_encoded_public_key(key->encode_protobuf());
  remote_key_ = std::move(*key);
  remote_muxers_ = std::move(payload->stream_muxers);
  if (cfg_.expected_peer && !(*cfg_.expected_peer == *remote_peer_)) return error::peer_id_mismatch;
  return {};
}

result<HandshakeOutcome> Handshake::finish() {
  if (failed_) return error::handshake_failed;
  auto split = hs_.split();
  if (!split) return split.error();
  std::optional<std::string> muxer;
  if (role_ == Role::initiator)
    muxer = select_muxer(cfg_.stream_muxers, remote_muxers_);
  else
    muxer = select_muxer(remote_muxers_, cfg_.stream_muxers);
  const auto h = hs_.handshake_hash();
  HandshakeOutcome out{*remote_peer_,
                       *remote_key_,
                       std::move(remote_muxers_),
                       std::move(muxer),
                       Encrypter(std::move(split->first), cfg_.max_plaintext_per_frame),
                       // The handshake's buffer, with whatever transport frames followed the last message,
                       // becomes the Decrypter's: no copy, and no second buffer to grow.
                       Decrypter(std::move(split->second), std::move(frames_)),
                       Bytes(h.begin(), h.end())};
  return out;
}

}  // namespace lp2p::noise
