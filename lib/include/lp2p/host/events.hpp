// What the host reports to the application, through Host::next_event().
#pragma once

#include "lp2p/codec/dcutr/spray_mapping.hpp"
#include "lp2p/core/multiaddr.hpp"
#include "lp2p/core/peer_id.hpp"
#include "lp2p/error.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace lp2p {

enum class Direction { inbound, outbound };
const char* to_string(Direction d) noexcept;

using ConnectionId = std::uint64_t;

/// Identity and endpoints of one connection.
struct ConnectionInfo {
  ConnectionId id = 0;  ///< unique within one Host
  PeerId peer;
  Multiaddr local_addr;   ///< our end (for a relayed connection: the circuit address)
  Multiaddr remote_addr;  ///< the peer's end as we see it
  Direction direction = Direction::outbound;
  bool relayed = false;   ///< true for connections through a Circuit Relay (limited)
};

/// What the peer told us through identify.
struct IdentifyInfo {
  std::string protocol_version;
  std::string agent_version;
  std::vector<std::string> protocols;
  std::vector<Multiaddr> listen_addrs;
  std::optional<Multiaddr> observed_addr;  ///< how the peer sees us
};

struct ConnectionEstablished { ConnectionInfo connection; };
struct ConnectionClosed { ConnectionInfo connection; error_code reason; };
struct OutgoingConnectionFailed { Multiaddr address; error_code error; std::string detail; };
struct IncomingConnectionFailed { Multiaddr remote_addr; error_code error; std::string detail; };
struct IdentifyReceived { ConnectionInfo connection; IdentifyInfo info; };
struct PingSucceeded { ConnectionInfo connection; std::chrono::microseconds rtt; };
struct PingFailed { ConnectionInfo connection; error_code error; };
struct ListenAddressAdded { Multiaddr address; };

/// Relay client: what happened to our reservation at a relay.
struct ReservationChanged {
  enum class Kind { accepted, renewed, refused, lost, restored };
  Kind kind;
  Multiaddr relay;                     ///< the relay's address (with /p2p/<relay>)
  std::vector<Multiaddr> circuit_addrs;///< where peers reach us: <relay addr>/p2p-circuit/p2p/<self>
  std::string reason;                  ///< for refused and lost
};
const char* to_string(ReservationChanged::Kind k) noexcept;

/// Relay server: a reservation or circuit it accepted, refused or ended.
struct RelayServerEvent {
  enum class Kind { reservation_accepted, reservation_refused, reservation_ended, circuit_accepted, circuit_refused, circuit_ended };
  Kind kind;
  PeerId peer;                  ///< the reserving peer, or the circuit's source
  std::optional<PeerId> dst;    ///< circuits: the destination
  std::string detail;
};

/// DCUtR: one hole-punch attempt started, or the whole upgrade ended.
struct HolePunchAttempt { ConnectionInfo relayed; unsigned attempt; std::vector<Multiaddr> remote_addrs; };
struct HolePunchSucceeded { ConnectionInfo relayed; ConnectionInfo direct; unsigned attempts; std::chrono::milliseconds elapsed; };
struct HolePunchFailed { ConnectionInfo relayed; unsigned attempts; error_code error; std::string diagnosis; };

/// Our NAT's TCP mapping, classified (spray::classify_mapping, docs/dcutr-spray.md §1) from the addresses
/// peers observed us at; emitted when the verdict first appears and whenever it changes.
struct NatMappingClassified {
  spray::MappingKind kind = spray::MappingKind::unknown;
  std::string public_ip;          ///< "" when unknown
  std::uint16_t port_min = 0;     ///< public ports seen (0, 0: none)
  std::uint16_t port_max = 0;
  std::size_t observers = 0;
  std::string explanation;
};

/// How a peer saw one of our addresses (identify's observedAddr over a direct connection).
struct AddressObservation {
  Multiaddr observer;        ///< the peer's address on that connection
  Multiaddr observed;        ///< our address as the peer saw it
  std::uint16_t local_port;  ///< our local port on that connection
};

using HostEvent = std::variant<ConnectionEstablished, ConnectionClosed, OutgoingConnectionFailed,
                               IncomingConnectionFailed, IdentifyReceived, PingSucceeded, PingFailed,
                               ListenAddressAdded, ReservationChanged, RelayServerEvent, HolePunchAttempt,
                               HolePunchSucceeded, HolePunchFailed, NatMappingClassified>;

/// One line describing an event, for logs.
std::string describe(const HostEvent& event);

}  // namespace lp2p
