// The spray planner of `/lp2p/dcutr-spray/1.0.0` (docs/dcutr-spray.md §3): from the two OFFERs, both
// peers compute the same plan for a TCP "birthday" punch through one endpoint-dependent NAT, extending
// DCUtR (https://github.com/libp2p/specs/blob/master/relay/DCUtR.md), which needs both mappings to be
// endpoint-independent.
//
// The method. S (the endpoint-dependent side) opens K sockets, each from a fresh ephemeral port (no port
// reuse), all to E's observed ip:port; S's NAT gives each a new public port. E (the other side, whose
// mapping is endpoint-independent) opens M sockets, all bound to its listening port (SO_REUSEADDR +
// SO_REUSEPORT), to S's public IP at M guessed ports. A socket pair whose guess equals one of S's public
// ports meets as a TCP simultaneous open: E's SYN matches the mapping S's SYN created, and S's SYN matches
// the hole E's SYN opened (E's mapping is the observed one). With S's public ports independent and each
// guess-hit having probability q = Σ_{g ∈ guesses} P(port = g):
//     P(round succeeds) = 1 − (1 − q)^K
// Linux `masquerade fully-random` draws 1024 + (random16 % 64512): ports 1024–2047 get 2/65536 each, the
// other 63488 ports 1/65536 each, so covering 1024–2047 (M = 1024) gives q = 1/32 and
// P = 1 − (31/32)^K: K = 96 → 95.2 %, K = 128 → 98.3 %, K = 192 → 99.77 % (lab: K = 96, M = 1024 met in
// 20 of 20 trials; K = M = 256 uniform guesses 55 %, 512/512 93 %). What counts is the number of (mapping,
// guess) pairs alive at once: every socket stays in SYN_SENT until the round ends, and a retransmitted SYN
// (Linux: 1 s, 3 s) keeps its public port, so one round lasts ~5 s.
#pragma once

#include "lp2p/codec/dcutr/spray_mapping.hpp"
#include "lp2p/codec/dcutr/spray_message.hpp"
#include "lp2p/core/multiaddr.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace lp2p::spray {

using Clock = std::chrono::steady_clock;
using Time = Clock::time_point;
using Duration = Clock::duration;

/// The DCUtR role: A dialed the relayed connection and is the client of the upgrade (it chooses the
/// socket by speaking first); B received it, opens the spray stream and sends SYNC.
enum class Role { a, b };

/// Our part in a plan.
enum class SprayPart {
  none,     ///< no plan
  sprayer,  ///< S: K sockets from fresh ephemeral ports to E's observed ip:port
  guesser,  ///< E: M sockets from the listening port to S's public IP at guessed ports
};

std::string_view to_string(Role r) noexcept;      ///< "A", "B"
std::string_view to_string(SprayPart p) noexcept; ///< "none", "sprayer (S)", "guesser (E)"

/// An inclusive range of ports.
struct PortRange {
  std::uint16_t first = 0;
  std::uint16_t last = 0;
  std::uint32_t size() const noexcept { return last >= first ? std::uint32_t(last) - first + 1 : 0; }
  friend bool operator==(const PortRange&, const PortRange&) = default;
};

struct SprayConfig {
  bool enabled = true;
  /// K: sockets we open per round as S (the fd budget may offer fewer).
  std::uint32_t sockets = 192;
  /// M: sockets we open per round as E.
  std::uint32_t guesses = 1024;
  /// Rounds we accept per spray (the plan takes the lower of both offers).
  std::uint32_t max_rounds = 3;
  /// How long a round keeps its SYNs alive (the plan takes the longer of both offers): the first SYN
  /// and its retransmits at 1 s and 3 s, plus a margin for the relay's RTT.
  Duration round_timeout = std::chrono::seconds{5};
  /// Ports Linux fully-random draws twice as often; as E we cover them first.
  PortRange skewed_range{1024, 2047};
  /// When S saw ≥ 2 public ports no further apart than this, its NAT allocates from a narrow pool (port
  /// blocks, sequential allocation), not uniformly: as E we then spend 3/4 of M on a window centred on
  /// those ports before the skewed range.
  std::uint32_t narrow_span = 2048;
};

/// What this side does in a spray, or why there is none. Both peers derive the same K, M, rounds, round
/// timeout and S/E assignment from the two OFFERs alone (each side's config only shapes its own OFFER and,
/// for E, which ports it guesses), so B's SYNC can restate the plan and A verify it (verify_sync()).
struct SprayPlan {
  NoPlanReason no_plan = NoPlanReason::none;  ///< none: there is a plan
  std::string why;                  ///< one sentence: the evidence for the plan, or why there is none
  Role we = Role::a;
  SprayPart part = SprayPart::none;
  bool b_sprays = false;            ///< B is S (SpraySync::sender_sprays)
  std::uint32_t version = protocol_version;
  std::uint32_t sockets = 0;        ///< K, S's sockets per round
  std::uint32_t guesses = 0;        ///< M, E's sockets per round (= total size of guess_ports)
  std::uint32_t rounds = 0;         ///< rounds allowed
  Duration round_timeout{};         ///< how long each round's sockets stay in SYN_SENT
  /// S dials this (E's observed address) K times, each from a fresh ephemeral port.
  std::string target_ip;            ///< dotted IPv4
  std::uint16_t target_port = 0;
  /// E dials guess_ip at every port of guess_ports from its listening port (meaningful to E only:
  /// computed from E's config; S computes the same shape from its own config).
  std::string guess_ip;             ///< S's public IPv4
  std::vector<PortRange> guess_ports;  ///< disjoint, in dialing (priority) order
  /// P(round succeeds) under the Linux fully-random model (see top of file); 0 without a plan.
  double expected_success = 0;

  bool ok() const noexcept { return no_plan == NoPlanReason::none; }
  /// The sockets we open per round: K as S, M as E, 0 without a plan.
  std::uint32_t our_sockets() const noexcept;
  /// B's SYNC for `round`.
  SpraySync sync(std::uint32_t round) const noexcept;
};

/// Our OFFER: `report` from classify_mapping(), `candidates` our observed addresses (e.g.
/// dcutr::select_candidates(); a trailing /p2p is fine), `fds_available` what SprayBudget can still give.
/// max_sockets/max_guesses are the config's K/M capped by fds_available (0 when disabled).
SprayOffer make_offer(const MappingReport& report, std::span<const Multiaddr> candidates,
                      const SprayConfig& cfg, std::size_t fds_available);

/// The plan, identical (up to `we`/`part` and E-only guess_ports) on both peers. No plan, with the reason
/// in no_plan and why: disabled (our config), both_dependent, not_needed (neither dependent), no_target
/// (E has no punchable IPv4 address or S no IPv4 address), no_budget (K, M or rounds is 0).
/// @par Thread safety: pure.
SprayPlan plan_spray(const SprayOffer& ours, const SprayOffer& theirs, Role we, const SprayConfig& cfg);

/// A checks B's SYNC against its own plan (round numbering is expect_sync()'s job).
/// @errors spray::error::plan_mismatch, spray::error::no_plan (our plan has none)
result<void> verify_sync(const SpraySync& sync, const SprayPlan& plan);

/// The guessed ports for M guesses given S's seen public port range ([0, 0]: none) and the config:
/// narrow range → a window of 3/4·M centred on it first; then the skewed range; then ports outward from
/// there (upwards from 2048, then what is left). Exactly min(M, 64512) ports, in 1024–65535.
std::vector<PortRange> guess_ports(std::uint32_t guesses, std::uint16_t seen_min, std::uint16_t seen_max,
                                   const SprayConfig& cfg);

/// q = Σ P(port) over `guesses` under Linux fully-random (1024 + random16 % 64512), then 1 − (1 − q)^K.
double success_probability(std::uint32_t sockets, std::span<const PortRange> guesses) noexcept;

/// Total ports in `ranges`.
std::uint32_t port_count(std::span<const PortRange> ranges) noexcept;

/// One line for logs, e.g. "spray as sprayer (S), A: K=192 sockets to 198.51.100.2:4001, M=1024 guesses
/// (1024-2047), 3 rounds of 5 s, expected success 99.8 % per round: ..." or "no spray: both ...".
std::string describe(const SprayPlan& plan);

}  // namespace lp2p::spray
