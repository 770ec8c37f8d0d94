#include "lp2p/host/events.hpp"

#include <sstream>

namespace lp2p {

const char* to_string(Direction d) noexcept { return d == Direction::inbound ? "inbound" : "outbound"; }

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
      },
      event);
}

}  // namespace lp2p
