// Messages of the lp2p-specific `/lp2p/dcutr-spray/1.0.0` protocol (docs/dcutr-spray.md §2, schema in
// proto/dcutr_spray.proto): the birthday-spray extension of DCUtR
// (https://github.com/libp2p/specs/blob/master/relay/DCUtR.md) for a peer behind an endpoint-dependent NAT.
// Framing as DCUtR: one uvarint length-prefixed protobuf per message (codec/frame.hpp), at most 4096 bytes.
//
// Flow (B = the side that received the relayed connection and opens the stream, A = the DCUtR client):
//   B -> A  OFFER          B's mapping, observed addresses, public port range, caps
//   A -> B  OFFER          A's likewise; both now compute the same SprayPlan (spray_plan.hpp)
//   B -> A  SYNC{round 1}  B waits RTT/2 (RTT measured over the OFFER exchange), then starts; A starts on
//                          receipt. Next rounds: a new SYNC{round n+1} after a failed round.
//   either  ABORT{reason}  no plan, budget refused, rounds exhausted, plan mismatch: stay relayed
#pragma once

#include "lp2p/codec/dcutr/spray_error.hpp"
#include "lp2p/codec/dcutr/spray_mapping.hpp"
#include "lp2p/codec/error.hpp"
#include "lp2p/core/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lp2p::spray {

constexpr std::string_view protocol_id = "/lp2p/dcutr-spray/1.0.0";
constexpr std::size_t max_message_size = 4096;
/// The protocol version this code speaks (Offer.version); a plan uses the lower of the two.
constexpr std::uint32_t protocol_version = 1;

// Protocol limits enforced on decode (a config may ask for less, never more).
constexpr std::uint32_t max_sockets_limit = 16384;  ///< K or M in one round
constexpr std::uint32_t max_rounds_limit = 10;
constexpr std::uint32_t min_round_timeout_ms = 1000;
constexpr std::uint32_t max_round_timeout_ms = 60000;
constexpr std::size_t max_abort_detail = 512;  ///< longer ABORT details are cut on encode, refused on decode

/// Why there is no spray (plan) or why one stopped (ABORT). Wire values of `Abort.reason`: never
/// renumber; unknown values decode as `other`.
enum class NoPlanReason : std::int32_t {
  none = 0,               ///< there is a plan
  disabled = 1,           ///< the spray is switched off by configuration
  not_needed = 2,         ///< neither side is endpoint-dependent: standard DCUtR suffices
  both_dependent = 3,     ///< both sides are endpoint-dependent: no spray can meet, stay relayed
  no_target = 4,          ///< E offers no punchable IPv4 address, or S no public IPv4 address
  no_budget = 5,          ///< a side offers 0 sockets (its caps or file descriptors are spent)
  budget_denied = 6,      ///< our SprayBudget refused (rate limit, concurrency, descriptors)
  rounds_exhausted = 7,   ///< every round ran without a direct connection
  plan_mismatch = 8,      ///< the peer's SYNC does not match our plan
  cancelled = 9,          ///< a direct connection appeared otherwise, or the relayed one closed
  other = 10,             ///< a reason this version does not know
};

/// "none", "disabled", "not needed", "both endpoint-dependent", ...
std::string_view to_string(NoPlanReason r) noexcept;

/// OFFER (both sides, once each). Fields are what the plan needs from this peer.
struct SprayOffer {
  std::uint32_t version = protocol_version;   ///< field 1, required (≥ 1)
  MappingKind mapping = MappingKind::unknown; ///< field 2, the sender's classify_mapping() verdict
  std::vector<Bytes> obs_addrs;  ///< field 3, binary multiaddrs (raw; the planner keeps /ip4/x/tcp/p ones)
  std::uint16_t port_min = 0;    ///< field 4, lowest public port seen (0 with port_max 0: none)
  std::uint16_t port_max = 0;    ///< field 5, highest public port seen
  std::uint32_t max_sockets = 0; ///< field 6, sockets from fresh ports it opens per round if it is S (K)
  std::uint32_t max_guesses = 0; ///< field 7, sockets from its listening port it opens per round if E (M)
  std::uint32_t max_rounds = 0;  ///< field 8, rounds it accepts (0: none)
  std::uint32_t round_timeout_ms = 5000;  ///< field 9, how long it keeps a round's SYNs alive

  friend bool operator==(const SprayOffer&, const SprayOffer&) = default;
};

/// SYNC (B to A, once per round): starts round `round` and restates B's plan so that A can verify it.
struct SpraySync {
  std::uint32_t round = 1;       ///< field 1, 1-based, each SYNC the next one
  bool sender_sprays = false;    ///< field 2, true when B is S (opens the K fresh-port sockets)
  std::uint32_t sockets = 0;     ///< field 3, K
  std::uint32_t guesses = 0;     ///< field 4, M

  friend bool operator==(const SpraySync&, const SpraySync&) = default;
};

/// ABORT (either side): no spray, or no more rounds; the relayed connection stays.
struct SprayAbort {
  NoPlanReason reason = NoPlanReason::other;  ///< field 1
  std::string detail;                         ///< field 2, one sentence for the peer's log (≤ 512 bytes)

  friend bool operator==(const SprayAbort&, const SprayAbort&) = default;
};

using SprayMessage = std::variant<SprayOffer, SpraySync, SprayAbort>;

/// Encodes the body (no length prefix). An ABORT detail longer than max_abort_detail is cut.
/// @errors codec::error::message_too_large
result<Bytes> encode(const SprayMessage& msg);

/// Encodes uvarint(len) || body, ready to write on the stream.
/// @errors codec::error::message_too_large
result<Bytes> encode_framed(const SprayMessage& msg);

/// Decodes a body (the frame's payload; read it with codec::FrameReader(max_message_size)).
/// @errors codec::error::frame_too_large, codec::error::malformed_protobuf, spray::error::missing_type,
///         unknown_type, missing_body, unsupported_version, invalid_port_range, caps_out_of_range,
///         invalid_round
result<SprayMessage> decode(BytesView body);

/// The step where an OFFER is due: the message must be one (an ABORT instead is the peer's refusal and
/// yields aborted_by_peer).
/// @errors spray::error::unexpected_type, spray::error::aborted_by_peer
result<SprayOffer> expect_offer(const SprayMessage& msg);

/// A's step where a SYNC is due for round `expected_round`.
/// @errors spray::error::unexpected_type, invalid_round, aborted_by_peer
result<SpraySync> expect_sync(const SprayMessage& msg, std::uint32_t expected_round);

}  // namespace lp2p::spray
