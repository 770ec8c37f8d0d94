// Noise_XX_25519_ChaChaPoly_SHA256 handshake state machine (sans-IO), Noise Protocol Framework rev 34,
// sections 5.3 (HandshakeState) and 7.5 (XX):
//     -> e
//     <- e, ee, s, es
//     -> s, se
// https://noiseprotocol.org/noise.html#interactive-handshake-patterns-fundamental
// libp2p profile: specs noise/README.md (empty prologue, payloads are NoiseHandshakePayload; see payload.hpp).
// This class is generic Noise XX: it carries any payload. libp2p rules (empty message-1 payload,
// identity checks) are applied by the caller (see payload.hpp and Libp2pHandshake).
#pragma once

#include "lp2p/codec/noise/symmetric_state.hpp"
#include "lp2p/codec/noise/x25519.hpp"

#include <optional>
#include <utility>

namespace lp2p::noise {

enum class Role { initiator, responder };

/// Minimum handshake message sizes (empty payload): e = 32; e + enc(s) + tag = 32 + 48 + 16;
/// enc(s) + tag = 48 + 16.
constexpr std::size_t min_message1_size = dh_size;
constexpr std::size_t min_message2_size = dh_size + dh_size + tag_size + tag_size;
constexpr std::size_t min_message3_size = dh_size + tag_size + tag_size;

/// One side of an XX handshake. Call order: initiator write, read, write; responder read, write, read.
/// Then split(). Any error leaves the object failed: every later call returns handshake_failed.
/// @par Thread safety
/// Distinct objects: safe. Shared objects: unsafe.
class HandshakeXX {
 public:
  /// @param static_keypair our Noise static key s (libp2p: a fresh X25519 key signed by the identity key)
  /// @param prologue must match the peer's (libp2p uses an empty prologue)
  /// @param fixed_ephemeral for test vectors only; normally a fresh ephemeral key is generated
  HandshakeXX(Role role, const X25519Keypair& static_keypair, BytesView prologue = {},
              std::optional<X25519Keypair> fixed_ephemeral = std::nullopt);
  ~HandshakeXX();
  HandshakeXX(HandshakeXX&&) noexcept = default;
  HandshakeXX& operator=(HandshakeXX&&) noexcept = default;

  /// Builds our next handshake message carrying `payload`, appended to `out`.
  /// @errors out_of_turn, handshake_failed, frame_too_large (message over 65535 bytes),
  /// invalid_dh_public_key, cipher_failure
  result<void> write_message(BytesView payload, Bytes& out);
  result<Bytes> write_message(BytesView payload);

  /// Processes the peer's next handshake message; the decrypted payload is appended to `payload_out`.
  /// @errors out_of_turn, handshake_failed, frame_too_large, handshake_message_too_short,
  /// decrypt_failed, invalid_dh_public_key
  result<void> read_message(BytesView message, Bytes& payload_out);
  result<Bytes> read_message(BytesView message);

  /// True once all three messages were written/read.
  bool finished() const noexcept { return step_ == 3; }
  /// True when the next call must be write_message (false: read_message, or finished/failed).
  bool is_my_turn() const noexcept;
  /// Which message (0, 1, 2) comes next; 3 when finished.
  int step() const noexcept { return step_; }
  Role role() const noexcept { return role_; }

  /// The peer's static key (rs), available once it was received (after message 2 for the initiator,
  /// message 3 for the responder); empty before.
  BytesView remote_static() const noexcept;
  /// The handshake hash h (channel binding). Final once finished().
  BytesView handshake_hash() const noexcept { return ss_.handshake_hash(); }
  /// Our static public key.
  BytesView local_static() const noexcept { return s_.public_key; }

  /// The transport ciphers (send, recv) for this role. One-shot.
  /// @errors handshake_not_finished, already_split, handshake_failed
  result<std::pair<CipherState, CipherState>> split();

 private:
  result<void> write_impl(BytesView payload, Bytes& out);
  result<void> read_impl(BytesView message, Bytes& payload_out);
  result<void> mix_dh(const X25519Keypair& kp, const DhKey& pub);

  Role role_;
  SymmetricState ss_;
  X25519Keypair s_;
  X25519Keypair e_;
  std::optional<X25519Keypair> fixed_e_;
  DhKey rs_{};
  DhKey re_{};
  bool has_rs_ = false;
  int step_ = 0;  // 0,1,2: next message index; 3: finished
  bool failed_ = false;
  bool split_ = false;
};

}  // namespace lp2p::noise
