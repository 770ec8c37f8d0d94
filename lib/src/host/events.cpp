#include "lp2p/host/events.hpp"

#include <sstream>

namespace lp2p {

const char* to_string(Direction d) noexcept { return d == Direction::inbound ? "inbound" : "outbound"; }

const char* to_string(ReservationChanged::Kind k) noexcept {
  switch (k) {
    case ReservationChanged::Kind::accepted: return "accepted";
    case ReservationChanged::Kind::renewed: return "renewed";
    case ReservationChanged::Kind::refused: return "refused";
    case ReservationChanged::Kind::lost: return "lost";
    case ReservationChanged::Kind::restored: return "restored";
  }
  return "?";
}

namespace {
std::string conn(const ConnectionInfo& c) {
  std::ostringstream os;
  os << "connection " << c.id << " peer=" << c.peer.to_base58() << " " << to_string(c.direction)
     << (c.relayed ? " relayed" : " direct") << " local=" << c.local_addr.to_string()
     << " remote=" << c.remote_addr.to_string();
  return os.str();
}
}  // namespace

std::string describe(const HostEvent& event) {
  return std::visit(
      [](const auto& e) -> std::string {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, ConnectionEstablished>) return "established " + conn(e.connection);
        if constexpr (std::is_same_v<E, ConnectionClosed>)
          return "closed " + conn(e.connection) + " reason=" + e.reason.message();
        if constexpr (std::is_same_v<E, OutgoingConnectionFailed>)
          return "dial " + e.address.to_string() + " failed: " + e.detail;
        if constexpr (std::is_same_v<E, IncomingConnectionFailed>)
          return "inbound connection from " + e.remote_addr.to_string() + " failed: " + e.detail;
        if constexpr (std::is_same_v<E, IdentifyReceived>)
          return "identify from " + e.connection.peer.to_base58() + " agent='" + e.info.agent_version + "' observed=" +
                 (e.info.observed_addr ? e.info.observed_addr->to_string() : std::string("none"));
        if constexpr (std::is_same_v<E, PingSucceeded>)
          return "ping " + e.connection.peer.to_base58() + " rtt=" + std::to_string(e.rtt.count()) + "us";
        if constexpr (std::is_same_v<E, PingFailed>)
          return "ping " + e.connection.peer.to_base58() + " failed: " + e.error.message();
        if constexpr (std::is_same_v<E, ListenAddressAdded>) return "listening on " + e.address.to_string();
        if constexpr (std::is_same_v<E, ReservationChanged>)
          return std::string("reservation ") + to_string(e.kind) + " at " + e.relay.to_string() +
                 (e.reason.empty() ? std::string() : ": " + e.reason);
        if constexpr (std::is_same_v<E, RelayServerEvent>) {
          static const char* names[] = {"reservation accepted", "reservation refused", "reservation ended",
                                        "circuit accepted", "circuit refused", "circuit ended"};
          return std::string("relay: ") + names[static_cast<int>(e.kind)] + " peer=" + e.peer.to_base58() +
                 (e.dst ? " dst=" + e.dst->to_base58() : std::string()) + (e.detail.empty() ? "" : " " + e.detail);
        }
        if constexpr (std::is_same_v<E, HolePunchAttempt>)
          return "hole punch attempt " + std::to_string(e.attempt) + " with " + e.relayed.peer.to_base58();
        if constexpr (std::is_same_v<E, HolePunchSucceeded>)
          return "hole punch succeeded with " + e.relayed.peer.to_base58() + " after " + std::to_string(e.attempts) +
                 " attempt(s): " + conn(e.direct);
        if constexpr (std::is_same_v<E, HolePunchFailed>)
          return "hole punch failed with " + e.relayed.peer.to_base58() + " after " + std::to_string(e.attempts) +
                 " attempt(s): " + e.error.message() + (e.diagnosis.empty() ? "" : "; " + e.diagnosis);
        if constexpr (std::is_same_v<E, NatMappingClassified>)
          return "NAT mapping: " + std::string(spray::to_string(e.kind)) +
                 (e.public_ip.empty() ? std::string() : " public_ip=" + e.public_ip) +
                 (e.port_max ? " ports=" + std::to_string(e.port_min) + "-" + std::to_string(e.port_max) : std::string()) +
                 " observers=" + std::to_string(e.observers) + (e.explanation.empty() ? "" : ": " + e.explanation);
      },
      event);
}

}  // namespace lp2p
