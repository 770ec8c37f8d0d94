#include "lp2p/codec/noise/handshake_xx.hpp"

#include <sodium.h>

namespace lp2p::noise {

HandshakeXX::HandshakeXX(Role role, const X25519Keypair& static_keypair, BytesView prologue,
                         std::optional<X25519Keypair> fixed_ephemeral)
    : role_(role), ss_(protocol_name), s_(static_keypair), fixed_e_(std::move(fixed_ephemeral)) {
  // Noise 5.3 Initialize: MixHash(prologue); XX has no pre-message keys.
  ss_.mix_hash(prologue);
}

HandshakeXX::~HandshakeXX() {
  sodium_memzero(s_.secret.data(), s_.secret.size());
  sodium_memzero(e_.secret.data(), e_.secret.size());
  if (fixed_e_) sodium_memzero(fixed_e_->secret.data(), fixed_e_->secret.size());
}

bool HandshakeXX::is_my_turn() const noexcept {
  if (failed_ || step_ >= 3) return false;
  return (step_ % 2 == 0) == (role_ == Role::initiator);
}

BytesView HandshakeXX::remote_static() const noexcept {
  if (!has_rs_) return {};
  return rs_;
}

result<void> HandshakeXX::mix_dh(const X25519Keypair& kp, const DhKey& pub) {
  auto shared = dh(kp, pub);
  if (!shared) return shared.error();
  ss_.mix_key(*shared);
  sodium_memzero(shared->data(), shared->size());
  return {};
}

result<void> HandshakeXX::write_message(BytesView payload, Bytes& out) {
  if (failed_) return error::handshake_failed;
  if (!is_my_turn()) return error::out_of_turn;
  static constexpr std::size_t overhead[3] = {min_message1_size, min_message2_size, min_message3_size};
  // The overhead includes the payload's tag where there is one (messages 2 and 3).
  if (payload.size() > max_message_size - overhead[step_]) return error::frame_too_large;
  const std::size_t at = out.size();
  auto r = write_impl(payload, out);
  if (!r) {
    out.resize(at);
    failed_ = true;
    return r;
  }
  ++step_;
  return {};
}

result<Bytes> HandshakeXX::write_message(BytesView payload) {
  Bytes out;
  if (auto r = write_message(payload, out); !r) return r.error();
  return out;
}

result<void> HandshakeXX::write_impl(BytesView payload, Bytes& out) {
  if (step_ == 0 || step_ == 1) {
    // e
    e_ = fixed_e_ ? *fixed_e_ : X25519Keypair::generate();
    out.insert(out.end(), e_.public_key.begin(), e_.public_key.end());
    ss_.mix_hash(e_.public_key);
  }
  if (step_ == 1) {
    // ee, s, es (responder: es = DH(s, re))
    if (auto r = mix_dh(e_, re_); !r) return r;
    if (auto r = ss_.encrypt_and_hash(s_.public_key, out); !r) return r;
    if (auto r = mix_dh(s_, re_); !r) return r;
  } else if (step_ == 2) {
    // s, se (initiator: se = DH(s, re))
    if (auto r = ss_.encrypt_and_hash(s_.public_key, out); !r) return r;
    if (auto r = mix_dh(s_, re_); !r) return r;
  }
  return ss_.encrypt_and_hash(payload, out);
}

result<void> HandshakeXX::read_message(BytesView message, Bytes& payload_out) {
  if (failed_) return error::handshake_failed;
  if (step_ >= 3 || is_my_turn()) return error::out_of_turn;
  const std::size_t at = payload_out.size();
  auto r = read_impl(message, payload_out);
  if (!r) {
    payload_out.resize(at);
    failed_ = true;
    has_rs_ = false;  // never expose a key from a message that did not authenticate
    return r;
  }
  ++step_;
  return {};
}

result<Bytes> HandshakeXX::read_message(BytesView message) {
  Bytes payload;
  if (auto r = read_message(message, payload); !r) return r.error();
  return payload;
}

result<void> HandshakeXX::read_impl(BytesView m, Bytes& payload_out) {
  if (m.size() > max_message_size) return error::frame_too_large;
  static constexpr std::size_t min_size[3] = {min_message1_size, min_message2_size, min_message3_size};
  if (m.size() < min_size[step_]) return error::handshake_message_too_short;

  if (step_ == 0 || step_ == 1) {
    // e
    std::copy_n(m.begin(), dh_size, re_.begin());
    ss_.mix_hash(re_);
    m = m.subspan(dh_size);
  }
  if (step_ == 1 || step_ == 2) {
    if (step_ == 1) {
      // ee (initiator: DH(e, re))
      if (auto r = mix_dh(e_, re_); !r) return r;
    }
    // s: the peer's static key, encrypted
    Bytes rs;
    rs.reserve(dh_size);
    if (auto r = ss_.decrypt_and_hash(m.first(dh_size + tag_size), rs); !r) return r;
    std::copy_n(rs.begin(), dh_size, rs_.begin());
    has_rs_ = true;
    m = m.subspan(dh_size + tag_size);
    // es (initiator: DH(e, rs)) or se (responder: DH(e, rs)): both are our e with their s
    if (auto r = mix_dh(e_, rs_); !r) return r;
  }
  return ss_.decrypt_and_hash(m, payload_out);
}

result<std::pair<CipherState, CipherState>> HandshakeXX::split() {
  if (failed_) return error::handshake_failed;
  if (!finished()) return error::handshake_not_finished;
  if (split_) return error::already_split;
  split_ = true;
  auto [c1, c2] = ss_.split();
  if (role_ == Role::initiator) return std::pair<CipherState, CipherState>{std::move(c1), std::move(c2)};
  return std::pair<CipherState, CipherState>{std::move(c2), std::move(c1)};
}

}  // namespace lp2p::noise
