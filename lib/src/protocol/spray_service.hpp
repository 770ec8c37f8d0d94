// `/lp2p/dcutr-spray/1.0.0` on a relayed connection (docs/dcutr-spray.md): lp2p's birthday-spray extension
// of DCUtR (https://github.com/libp2p/specs/blob/master/relay/DCUtR.md) for a peer behind an
// endpoint-dependent NAT. B (the side that accepted the relayed connection) opens the stream and drives:
// OFFER ↔ OFFER, then per round SYNC (B waits RTT/2, A starts on receipt), both spray
// (transport/tcp_spray.hpp), A speaks first on its first connected socket and B adopts the socket that
// speaks; the upgrade then runs with DCUtR's roles (A initiator). The decisions (classifier, plan, budget,
// selector) are the sans-IO codec/dcutr/spray_*.hpp. DcutrService owns this service and calls run_as_b()
// before the standard punch; A's side is the stream handler registered by start().
#pragma once

#include "lp2p/codec/dcutr/spray_message.hpp"
#include "lp2p/host/host.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lp2p::protocol {

class SprayService {
 public:
  struct Callbacks {
    /// Our observed addresses to offer (DCUtR's candidate selection).
    std::function<std::vector<Multiaddr>()> candidates;
    /// A direct connection replaced `relayed` (both roles): DCUtR's success path (event, relayed closed
    /// when idle).
    std::function<void(const ConnectionInfo& relayed, const ConnectionInfo& direct, unsigned rounds,
                       std::chrono::steady_clock::time_point start)>
        succeeded;
  };

  struct Outcome {
    enum class Kind {
      direct,       ///< a round gave a direct connection
      unsupported,  ///< the peer does not speak the protocol (or the stream failed before the OFFERs)
      no_plan,      ///< no spray (reason): not needed, both endpoint-dependent, no target, budget
      failed,       ///< every round ran without a direct connection, or the exchange broke mid-way
    };
    Kind kind = Kind::unsupported;
    std::optional<ConnectionInfo> direct;
    unsigned rounds = 0;
    spray::NoPlanReason reason = spray::NoPlanReason::none;
    std::string why;  ///< one sentence for the log / HolePunchFailed diagnosis
  };

  static std::shared_ptr<SprayService> start(Host& host, const HostConfig::Dcutr& config, Callbacks callbacks);

  /// B: offers the spray on `relayed` and runs it when both OFFERs give a plan.
  boost::asio::awaitable<Outcome> run_as_b(ConnectionInfo relayed);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace lp2p::protocol
