// DCUtR decisions that do not touch the wire (sans-IO):
// https://github.com/libp2p/specs/blob/master/relay/DCUtR.md#the-protocol (retry up to 3 times; ObsAddrs)
// with rust-libp2p's choices (protocols/dcutr/src/behaviour.rs: MAX_NUMBER_OF_UPGRADE_ATTEMPTS = 3,
// retry only after a failed direct dial; an LRU of 20 candidate addresses, relayed ones skipped and
// /p2p/<self> appended; NoAddresses for an empty received list; unparsable and /p2p-circuit entries
// dropped). See WIRE.md §3.
//
// lp2p hole punches over TCP only, and a punch aims at one exact IP:port mapping, so candidates are
// limited to `/ip4|/ip6/<addr>/tcp/<port>` (optionally followed by /p2p/<id>): DNS names, websockets,
// QUIC and unspecified addresses or port 0 are dropped. Private addresses are kept (go does the same on
// receipt), which lets tests punch on loopback.
#pragma once

#include "lp2p/codec/dcutr/error.hpp"
#include "lp2p/core/bytes.hpp"
#include "lp2p/core/multiaddr.hpp"
#include "lp2p/core/peer_id.hpp"
#include "lp2p/error.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace lp2p::dcutr {

using Clock = std::chrono::steady_clock;
using Time = Clock::time_point;
using Duration = Clock::duration;

/// Most addresses we advertise in our CONNECT (rust's LRU capacity).
constexpr std::size_t max_local_candidates = 20;
/// Most addresses we accept from a peer's CONNECT (a 4 KiB message holds well under 100 anyway).
constexpr std::size_t max_remote_candidates = 64;

/// True for `/ip4|ip6/<specified address>/tcp/<non-zero port>`, with nothing after it.
bool is_punchable_tcp(const Multiaddr& addr);

/// Our ObsAddrs for CONNECT, from the observed (external candidate) addresses in order of preference:
/// strips a trailing /p2p/<self> (an address ending in another peer's id is dropped), drops /p2p-circuit
/// and everything is_punchable_tcp() refuses, removes duplicates keeping the first, appends /p2p/<self>
/// and keeps at most max_local_candidates.
std::vector<Multiaddr> select_candidates(const std::vector<Multiaddr>& observed, const PeerId& self);

/// The peer's ObsAddrs from its CONNECT, as addresses to dial: entries that do not parse are skipped
/// without error, a trailing /p2p/<id> is stripped, /p2p-circuit entries and everything
/// is_punchable_tcp() refuses are dropped, duplicates removed, and at most max_remote_candidates kept.
/// The result may be empty (nothing we can dial); the caller then does not punch.
/// @errors dcutr::error::no_addresses when `obs_addrs` is empty before filtering (as rust)
result<std::vector<Multiaddr>> filter_remote_candidates(const std::vector<Bytes>& obs_addrs);

/// How long the CONNECT initiator (B) waits after sending SYNC before dialing: half the round trip
/// measured from sending its CONNECT to receiving the peer's CONNECT (spec). Zero if the clock went
/// backwards.
Duration sync_dial_delay(Time connect_sent, Time connect_received) noexcept;

/// How one hole punch attempt ended.
enum class AttemptOutcome {
  direct_connection,  ///< a direct connection to the peer was established (ours or theirs)
  dial_failed,        ///< the direct dials failed (refused, unreachable, upgrade failed)
  timed_out,          ///< no direct connection before the attempt's deadline
  protocol_error,     ///< the DCUtR exchange itself failed (bad message, stream reset)
};

/// What to do after an outcome.
enum class AttemptVerdict {
  succeeded,  ///< stop: the direct connection is up
  retry,      ///< start a new CONNECT/SYNC exchange (begin() again)
  give_up,    ///< stop: keep using the relayed connection
};

struct AttemptConfig {
  /// Attempts in total, the first included (spec and rust: 3).
  unsigned max_attempts = 3;
  /// Deadline of one attempt from begin(): rust's upgrade timeout is 10 s.
  Duration attempt_timeout = std::chrono::seconds{10};
};

/// The attempt budget of the side that opens the DCUtR stream (B, the relayed connection's listener).
/// Retries follow rust: after dial_failed or timed_out while attempts remain; a protocol_error ends the
/// process at once (retrying a peer that breaks the protocol does not help).
/// @par Thread safety: none.
class HolePunchAttempts {
 public:
  explicit HolePunchAttempts(AttemptConfig cfg = {});

  /// Starts the next attempt at `now`.
  /// @return its number, 1-based
  /// @errors dcutr::error::attempts_exceeded when the budget is spent or the process has ended
  result<unsigned> begin(Time now);
  /// The running attempt's deadline; nullopt when none is running.
  std::optional<Time> deadline() const noexcept { return deadline_; }
  /// Reports how the running attempt ended (ignored, returning the final verdict, once finished).
  AttemptVerdict on_outcome(AttemptOutcome outcome);
  /// Call when the timer at deadline() fires: ends the running attempt as timed_out if `now` has reached
  /// its deadline. @return the verdict, or nullopt when nothing timed out.
  std::optional<AttemptVerdict> on_timeout(Time now);

  unsigned attempts() const noexcept { return attempts_; }
  bool running() const noexcept { return deadline_.has_value(); }
  bool finished() const noexcept { return verdict_ != AttemptVerdict::retry; }
  bool succeeded() const noexcept { return verdict_ == AttemptVerdict::succeeded; }
  std::optional<AttemptOutcome> last_outcome() const noexcept { return last_; }
  /// Why the process gave up: attempts_exceeded after the last failed dial; empty otherwise (for a
  /// protocol_error the caller holds the protocol's own error).
  error_code failure() const noexcept;

 private:
  AttemptConfig cfg_;
  unsigned attempts_ = 0;
  std::optional<Time> deadline_;
  std::optional<AttemptOutcome> last_;
  AttemptVerdict verdict_ = AttemptVerdict::retry;  ///< retry = not finished
};

}  // namespace lp2p::dcutr
