// Circuit Relay v2 (https://github.com/libp2p/specs/blob/master/relay/circuit-v2.md; WIRE.md §2):
// the relay server (hop) and the relay client (reservations, stop, dialing through a relay).
// Decisions live in the sans-IO engines (codec/relay/reservation_table.hpp, reservation_client.hpp);
// these classes run the message exchanges as straight-line coroutines and move bytes.
#pragma once

#include "lp2p/host/host.hpp"

#include <memory>

namespace lp2p::protocol {

class RelayServer : public std::enable_shared_from_this<RelayServer> {
 public:
  /// Registers the hop handler on `host` and starts the expiry timer.
  static std::shared_ptr<RelayServer> start(Host& host, const HostConfig::RelayServer& config);
  void stop();
  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

class RelayClient : public std::enable_shared_from_this<RelayClient> {
 public:
  /// Registers the stop handler on `host`.
  static std::shared_ptr<RelayClient> start(Host& host, const HostConfig::RelayClient& config);
  void stop();
  /// Reserves at `relay` and keeps the reservation alive (see Host::listen_via_relay).
  boost::asio::awaitable<result<void>> listen(Multiaddr relay);
  /// Dials `<relay>/p2p-circuit/p2p/<peer>`.
  boost::asio::awaitable<result<ConnectionInfo>> dial(Multiaddr address);
  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace lp2p::protocol
