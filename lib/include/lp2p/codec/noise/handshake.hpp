// The libp2p Noise handshake as a sans-IO engine: Noise XX (handshake_xx.hpp) plus the libp2p rules of
// https://github.com/libp2p/specs/blob/master/noise/README.md:
//   - message 1 carries an empty payload (rust's recv_empty rejects anything else);
//   - messages 2 and 3 carry a NoiseHandshakePayload whose identity key signs our static X25519 key;
//   - every message is framed as u16-BE length || message;
//   - the prologue is empty.
// It takes wire bytes in and hands wire bytes out; the caller's coroutine only moves bytes:
//     Handshake hs(role, identity, cfg);
//     send(hs.take_output());                    // message 1 for an initiator, nothing for a responder
//     while (!hs.finished()) { read some -> hs.on_bytes(...) (error: abort); send(hs.take_output()); }
//     auto done = hs.finish();                   // PeerId, key, ciphers, leftover bytes fed to Decrypter
#pragma once

#include "lp2p/codec/noise/handshake_xx.hpp"
#include "lp2p/codec/noise/payload.hpp"
#include "lp2p/codec/noise/transport_framing.hpp"
#include "lp2p/core/peer_id.hpp"
#include "lp2p/crypto/key.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lp2p::noise {

/// Protocol id for multistream-select.
constexpr std::string_view protocol_id = "/noise";

/// Our Noise static key together with the identity payload fields that authenticate it (the libp2p
/// signature over "noise-libp2p-static-key:" || static public key). Made once and shared by every
/// handshake of a Host: the spec allows reusing the static key (only the ephemeral keys give forward
/// secrecy), rust-libp2p's noise::Config does the same, and it saves an X25519 key generation and an
/// identity signature per connection. Immutable; the secret is wiped on destruction.
struct SignedStaticKey {
  X25519Keypair key;
  Bytes identity_key;  ///< our identity public key, protobuf-encoded (payload field 1)
  Bytes identity_sig;  ///< identity signature over the static key (payload field 2)
  /// encode_payload() of {identity_key, identity_sig} without extensions: the payload of every handshake
  /// that advertises no muxers (what the upgrader does), encoded once instead of per handshake.
  Bytes encoded_payload;

  /// A fresh static key signed by `identity`.
  static std::shared_ptr<const SignedStaticKey> generate(const Keypair& identity);
  /// `key` signed by `identity` (for tests and fixed keys).
  static std::shared_ptr<const SignedStaticKey> sign(const Keypair& identity, const X25519Keypair& key);

  SignedStaticKey() = default;
  SignedStaticKey(const SignedStaticKey&) = delete;
  SignedStaticKey& operator=(const SignedStaticKey&) = delete;
  ~SignedStaticKey();
};

struct HandshakeConfig {
  /// Muxers advertised in our payload's extensions (early muxer negotiation). Empty: not advertised.
  std::vector<std::string> stream_muxers;
  /// For outbound connections: the peer we meant to reach. A different authenticated identity fails
  /// the handshake with peer_id_mismatch before we send message 3 (as go-libp2p does).
  std::optional<PeerId> expected_peer;
  /// Plaintext bytes per transport frame we send (65519 like go/js; rust uses 64511).
  std::size_t max_plaintext_per_frame = max_plaintext_size;
  /// Identity payloads that verified before (verified_identity_cache.hpp), shared by a Host's handshakes:
  /// a peer reconnecting with the same static key skips the signature verification. Null: verify always.
  std::shared_ptr<VerifiedIdentityCache> verified_identities;
};

/// What a finished handshake yields.
struct HandshakeOutcome {
  PeerId remote_peer;
  PublicKey remote_key;
  std::vector<std::string> remote_stream_muxers;  ///< what the peer advertised (may be empty)
  /// The early-negotiated muxer: first of the initiator's list that the responder also lists; nullopt
  /// when either side did not advertise or the lists do not overlap (then use multistream-select, as
  /// go-libp2p does).
  std::optional<std::string> muxer;
  Encrypter encrypter;
  Decrypter decrypter;  ///< already fed with any bytes that arrived behind the last handshake message
  Bytes handshake_hash;
};

/// @par Thread safety
/// Distinct objects: safe. Shared objects: unsafe.
class Handshake {
 public:
  /// @param static_key our Noise static key (default: a fresh one for this handshake, which costs a key
  /// generation and a signature; a Host uses the constructor below instead)
  /// @param ephemeral for tests only
  Handshake(Role role, const Keypair& identity, HandshakeConfig cfg = {},
            std::optional<X25519Keypair> static_key = std::nullopt,
            std::optional<X25519Keypair> ephemeral = std::nullopt);
  /// A handshake with a static key signed in advance (shared by many handshakes; must not be null).
  Handshake(Role role, std::shared_ptr<const SignedStaticKey> local, HandshakeConfig cfg = {},
            std::optional<X25519Keypair> ephemeral = std::nullopt);

  /// Wire bytes to send now (possibly empty). Drain after construction and after every on_bytes().
  Bytes take_output();

  /// Feeds wire bytes from the peer. Errors are sticky; after one, close the connection.
  /// @errors frame_too_large, handshake_message_too_short, decrypt_failed, invalid_dh_public_key,
  /// unexpected_payload_in_message1, malformed_payload, missing_identity_key,
  /// missing_identity_signature, invalid_identity_key, unsupported_identity_key,
  /// bad_identity_signature, peer_id_mismatch
  result<void> on_bytes(BytesView bytes);
  /// Zero-copy input, the same as on_bytes(): a writable area of `n` bytes at the end of the handshake's
  /// buffer to read into, then commit() how many arrived. A connection then needs no read buffer of its
  /// own for the handshake, and the buffer goes on to the Decrypter (finish()) instead of being copied.
  std::span<std::uint8_t> prepare(std::size_t n) { return frames_.prepare(n); }
  /// @errors as on_bytes()
  result<void> commit(std::size_t n);

  /// How many more bytes the current message needs (a read-size hint; 0 when finished).
  std::size_t bytes_needed() const noexcept;
  bool finished() const noexcept;
  /// Wire bytes received and not yet consumed as a whole message: non-zero at EOF means the peer hung
  /// up in the middle of a frame (a truncated message, not an orderly close).
  std::size_t buffered() const noexcept { return frames_.buffered(); }
  /// The authenticated peer, once its payload verified (also after a peer_id_mismatch, for the log).
  const std::optional<PeerId>& remote_peer() const noexcept { return remote_peer_; }

  /// The result; call once when finished() (and after the last take_output()).
  /// @errors handshake_not_finished, handshake_failed, already_split
  result<HandshakeOutcome> finish();

 private:
  /// Processes the buffered messages (on_bytes() and commit() after adding bytes).
  result<void> consume();
  result<void> process(BytesView message);
  result<void> accept_payload(BytesView payload);
  result<void> send(BytesView payload);
  /// Our payload (messages 2 and 3): local_->encoded_payload when no muxers are advertised, else encoded
  /// into payload_scratch_.
  BytesView our_payload();

  Role role_;
  std::shared_ptr<const SignedStaticKey> local_;
  HandshakeConfig cfg_;
  HandshakeXX hs_;
  FrameBuffer frames_;
  Bytes out_;
  Bytes payload_scratch_;
  error_code failed_;
  std::optional<PeerId> remote_peer_;
  std::optional<PublicKey> remote_key_;
  std::vector<std::string> remote_muxers_;
};

}  // namespace lp2p::noise
