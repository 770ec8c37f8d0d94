// The connection upgrade over any byte stream (DESIGN.md §2): multistream-select → Noise XX →
// multistream-select → yamux. Works on a TCP socket or on a relay circuit (a yamux stream of another
// connection). The security role is independent of who opened the TCP connection: after a DCUtR hole
// punch, B dials but upgrades as responder (WIRE.md §3).
#pragma once

#include "host/muxed_connection.hpp"
#include "lp2p/codec/noise/handshake.hpp"
#include "lp2p/codec/yamux/session.hpp"
#include "lp2p/core/peer_id.hpp"
#include "lp2p/crypto/key.hpp"
#include "lp2p/io/byte_stream.hpp"

#include <optional>
#include <string>

namespace lp2p::transport {

enum class UpgradeRole {
  initiator,  ///< multistream dialer, Noise initiator, yamux client (odd stream ids)
  responder,  ///< multistream listener, Noise responder, yamux server (even stream ids)
};

struct UpgradeParams {
  const Keypair* identity = nullptr;
  UpgradeRole role = UpgradeRole::initiator;
  std::optional<PeerId> expected_peer;  ///< from the dialed address's /p2p; checked after Noise
  yamux::Config yamux;
  /// Our Noise static key, signed once per Host (null: a fresh one for this connection, which costs an
  /// X25519 key generation and an identity signature).
  std::shared_ptr<const noise::SignedStaticKey> noise_static;
  /// The Host's cache of verified Noise identity payloads (null: verify every signature).
  std::shared_ptr<noise::VerifiedIdentityCache> verified_identities;
};

struct Upgraded {
  std::shared_ptr<host_detail::MuxedConnection> mux;
  PeerId remote_peer;
  PublicKey remote_key;
};

/// Runs the whole upgrade. On failure `detail` (if given) receives a sentence for logs and events, e.g.
/// "peer id mismatch: expected 12D3KooW..., got 12D3KooW...".
/// The initiator's Noise message 3 and /yamux proposal are still held when this returns: they go out with
/// the muxer's first write (its first keep-alive ping and any streams opened meanwhile: one segment), or
/// before its first read. Run the returned muxer at once; the responder's upgrade waits for them.
/// @errors multistream errors, noise errors (noise::error::peer_id_mismatch), transport errors
boost::asio::awaitable<result<Upgraded>> upgrade(io::StreamPtr raw, UpgradeParams params, std::string* detail);

}  // namespace lp2p::transport
