#include "lp2p/transport/error.hpp"

namespace lp2p::transport {
namespace {
const char* describe(error e) {
  switch (e) {
    case error::invalid_dial_target: return "cannot dial port 0 or an unspecified address";
    case error::no_addresses: return "name resolved to no address of the requested family";
    case error::unsupported_address: return "not a TCP multiaddr (/ip4|ip6|dns|dns4|dns6/.../tcp/<port>)";
  }
  return "unknown transport error";
}
condition classify(error e) {
  switch (e) {
    case error::invalid_dial_target: return condition::misuse;
    // Nothing to connect to: for the caller this is a dial the network turned down.
    case error::no_addresses: return condition::refused;
    case error::unsupported_address: return condition::unsupported_protocol;
  }
  return condition::misuse;
}
}  // namespace
}  // namespace lp2p::transport

LP2P_DEFINE_ERROR_CATEGORY(transport, "lp2p.transport")
