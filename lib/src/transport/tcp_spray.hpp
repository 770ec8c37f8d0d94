// The socket side of one DCUtR spray round (docs/dcutr-spray.md §3, §5; the decisions are the sans-IO
// codec/dcutr/spray_plan.hpp and spray_selector.hpp): opens every socket of the round at once, keeps them
// in SYN_SENT until the selector picks one, and closes every loser.
//
// - S (sprayer): K sockets, each from a fresh ephemeral port (no bind, no SO_REUSEPORT), all to E's
//   observed ip:port; the endpoint-dependent NAT gives each its own public port.
// - E (guesser): M sockets, all bound to our listening port (SO_REUSEADDR + SO_REUSEPORT, like every lp2p
//   socket on that port), to S's public IP at M guessed ports; E's NAT keeps the port, so each SYN opens
//   a hole for one (port, guess) pair.
// A pair whose guess equals S's public port meets as a TCP simultaneous open. Both ends keep every socket
// alive until the round is decided: a SYN only passes the other NAT while the socket that answers it is
// still in SYN_SENT (the listener alone does not do: the NAT drops its SYN-ACK as ct-invalid).
//
// Selection (spray_selector.hpp): A speaks first on its first connected socket (it starts the upgrade as
// initiator there); B waits for the first socket on which bytes arrive (MSG_PEEK, so the bytes stay for
// the upgrade) and upgrades as responder on it. The upgrade itself is the caller's (Host::upgrade_socket).
#pragma once

#include "lp2p/codec/dcutr/spray_selector.hpp"
#include "lp2p/io/tcp_stream.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lp2p::transport {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// Upgrades the chosen socket (A: as initiator, B: as responder) and reports whether it succeeded. It owns
/// the stream from then on (and closes it on failure).
using SprayUpgrade = std::function<asio::awaitable<bool>(std::unique_ptr<io::TcpStream>)>;

struct SprayRoundParams {
  spray::Role role = spray::Role::a;
  /// E: our listening endpoint (0.0.0.0:<listen port>), bound with SO_REUSEADDR + SO_REUSEPORT. S: none,
  /// every socket takes a fresh ephemeral port.
  std::optional<tcp::endpoint> bind;
  /// One socket per entry: S: K times E's address; E: S's public IP at each guessed port.
  std::vector<tcp::endpoint> targets;
  /// How long sockets stay in SYN_SENT (spray_plan's round timeout).
  std::chrono::steady_clock::duration round_timeout = std::chrono::seconds(5);
  SprayUpgrade upgrade;
};

struct SprayRoundResult {
  bool succeeded = false;
  spray::SprayStats stats;
  /// Sockets that could not even be opened/bound (fd exhaustion, EADDRINUSE): counted in stats.failed.
  std::uint32_t open_errors = 0;
  std::string first_open_error;  ///< the first such error's message, for the log
  std::chrono::milliseconds first_connect{-1};  ///< time from the start to the first connected socket (-1: none)
  std::chrono::milliseconds elapsed{0};
};

/// Runs one round to its end: until the upgrade on a chosen socket succeeded, or the round timeout passed
/// with nothing chosen (then, if an upgrade is running, until that upgrade ends). Every socket is closed
/// (or handed to `upgrade`) when it returns.
asio::awaitable<SprayRoundResult> run_spray_round(asio::any_io_executor executor, SprayRoundParams params);

}  // namespace lp2p::transport
