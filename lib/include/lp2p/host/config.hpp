// HostConfig: everything a Host needs, as a plain aggregate. Every limit has a documented default.
#pragma once

#include "lp2p/core/multiaddr.hpp"
#include "lp2p/codec/relay/reservation_table.hpp"
#include "lp2p/crypto/key.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace lp2p {

struct HostConfig {
  /// Our identity. Default: a fresh Ed25519 key.
  std::optional<Keypair> identity;
  /// Addresses to listen on, e.g. /ip4/0.0.0.0/tcp/0 (port 0: the kernel picks; listen_addrs() tells).
  std::vector<Multiaddr> listen;

  /// identify's protocolVersion. rust's examples send "/TODO/0.0.1"; go and js send "ipfs/0.1.0".
  std::string protocol_version = "ipfs/0.1.0";
  /// identify's agentVersion.
  std::string agent_version = "lp2p/0.1.0";

  struct Timeouts {
    std::chrono::milliseconds dial{10'000};                ///< TCP connect (rust: 10 s for dial+upgrade)
    std::chrono::milliseconds upgrade{10'000};             ///< multistream + Noise + yamux negotiation
    std::chrono::milliseconds stream_negotiation{10'000};  ///< multistream-select on a new stream
    std::chrono::milliseconds identify{10'000};            ///< waiting for the peer's identify reply
  } timeouts;

  struct Ping {
    bool enabled = true;
    std::chrono::milliseconds interval{15'000};  ///< rust default; keeps NAT mappings alive
    std::chrono::milliseconds timeout{20'000};   ///< rust default
  } ping;

  /// Resource limits; docs/limits.md has the table of defaults and what each refusal looks like.
  struct Limits {
    std::size_t max_connections = 1024;           ///< all established connections
    std::size_t max_connections_per_peer = 8;     ///< a punch briefly needs 2 (relayed + direct)
    /// Inbound TCP connections (upgrading or established) from one remote IP. A NAT'd site (an office, a
    /// carrier-grade NAT) shares one IP among many honest peers, so this is twice go-libp2p's 8 per IPv4.
    std::size_t max_connections_per_ip = 16;
    /// Apply max_connections_per_ip to loopback peers too (go allowlists localhost; so do we by default).
    bool limit_loopback_per_ip = false;
    std::size_t max_pending_handshakes = 128;     ///< inbound connections still upgrading
    std::size_t max_inbound_streams_per_protocol = 256;  ///< per connection, running handlers
    /// Received bytes one connection may buffer (yamux receive window over all its streams). Past it,
    /// inbound streams are refused with RST and windows stop growing; a peer sending beyond its window
    /// is a protocol error (GoAway).
    std::size_t max_receive_buffer_per_connection = 64 * 1024 * 1024;
    /// Bytes queued for sending on one connection; writers past it wait (back-pressure).
    std::size_t max_send_buffer_per_connection = 1024 * 1024;
    std::size_t event_queue = 1024;               ///< events kept for next_event(); more are dropped and counted
  } limits;

  /// Circuit Relay v2 server (hop): off by default. Limits default to rust-libp2p's.
  struct RelayServer {
    bool enabled = false;
    relay::RelayLimits limits;
    bool send_voucher = true;  ///< sign a reservation voucher (go's client checks it when present)
  } relay_server;

  /// Circuit Relay v2 client: accept circuits (stop) and dial /p2p-circuit addresses. On by default;
  /// reservations are made with Host::listen_via_relay().
  struct RelayClient {
    bool enabled = true;
    std::chrono::milliseconds reserve_timeout{10'000};
  } relay_client;

  /// DCUtR: upgrade relayed connections to direct ones by TCP hole punching. On by default.
  struct Dcutr {
    bool enabled = true;
    unsigned max_attempts = 3;
    std::chrono::milliseconds attempt_timeout{10'000};
    /// Addresses dialed at once in one punch; the peer's further candidates are dropped (and logged), so a
    /// CONNECT listing many addresses cannot turn us into a SYN cannon (rust dials 8 at a time).
    std::size_t max_punch_dials = 8;
    /// After a successful punch the relayed connection is closed once it has had no open stream for this
    /// long (0: keep it).
    std::chrono::milliseconds close_relayed_after{5'000};
    /// lp2p's birthday spray (`/lp2p/dcutr-spray/1.0.0`, docs/dcutr-spray.md) for a peer behind an
    /// endpoint-dependent ("symmetric") NAT, where the standard punch cannot work. B offers it on the relayed
    /// connection first; peers that do not speak it (every non-lp2p peer) get standard DCUtR. Off: the
    /// protocol is neither offered nor answered.
    struct Spray {
      bool enabled = true;
      unsigned k = 192;         ///< sockets from fresh ports per round when our NAT is endpoint-dependent (S)
      unsigned m = 1024;        ///< sockets from our listening port per round when the peer's is (E)
      unsigned max_rounds = 3;  ///< rounds per spray
      std::chrono::milliseconds round_timeout{5'000};  ///< how long a round's SYNs stay alive
      unsigned rounds_per_window = 6;                  ///< rounds per peer within `window`
      std::chrono::milliseconds window{600'000};
      std::size_t max_concurrent = 2;                  ///< sprays running at once (all peers)
    } spray;
  } dcutr;

  /// open_stream with exactly one protocol does not wait for the peer's multistream answer: the proposal
  /// goes out with the first bytes the app writes, saving one round trip (rust's V1Lazy). A refusal then
  /// shows up on the first read as multistream::error::protocol_not_supported instead of from
  /// open_stream. Off by default.
  bool lazy_stream_negotiation = false;

  /// Outbound TCP dials leave from our listening port (SO_REUSEADDR + SO_REUSEPORT), so the address a
  /// relay observes for us is the NAT mapping of our listening port. Needed for hole punching.
  bool port_reuse = true;

  /// Entries of the cache of verified Noise identity payloads (noise::VerifiedIdentityCache); 0 disables it.
  /// A peer's identity key signs its Noise static key, and lp2p and rust-libp2p keep one static key per
  /// Host, so a reconnecting peer presents the same (key, static key, signature) again: a cache hit skips
  /// its signature verification (~77 us of Ed25519, ~10% of a connection's CPU). Only signatures that
  /// verified are stored; LRU eviction bounds the memory to ~150 bytes an entry (~600 KiB at 4096).
  std::size_t noise_verify_cache = 4096;
};

}  // namespace lp2p
