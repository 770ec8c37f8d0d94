// DCUtR, Direct Connection Upgrade through Relay (https://github.com/libp2p/specs/blob/master/relay/DCUtR.md;
// WIRE.md §3): turns a relayed connection into a direct TCP connection by a simultaneous open from our
// listening port. B (the side that accepted the relayed connection) opens /libp2p/dcutr, sends CONNECT,
// measures the round trip, sends SYNC, waits half of it and dials as Noise responder / yamux server;
// A answers CONNECT and dials as initiator the moment SYNC arrives. Decisions (candidates, attempts,
// NAT diagnosis) live in codec/dcutr/{attempt_policy,nat_diagnosis}.hpp.
#pragma once

#include "lp2p/host/host.hpp"

#include <memory>

namespace lp2p::protocol {

class DcutrService {
 public:
  static std::shared_ptr<DcutrService> start(Host& host, const HostConfig::Dcutr& config);
  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace lp2p::protocol
