#include "lp2p/codec/dcutr/spray_error.hpp"

namespace lp2p::spray {
namespace {
const char* describe(error e) {
  switch (e) {
    case error::missing_type: return "spray message has no type";
    case error::unknown_type: return "spray message has an unknown type";
    case error::missing_body: return "spray message lacks the body its type announces";
    case error::unsupported_version: return "spray OFFER has no version (version 0 does not exist)";
    case error::invalid_port_range: return "spray OFFER has an invalid public port range";
    case error::caps_out_of_range: return "spray message has a count, timeout or length beyond the protocol's limits";
    case error::invalid_round: return "spray SYNC has a round that is 0 or not the next one";
    case error::unexpected_type: return "spray message has a type that is not expected here";
    case error::plan_mismatch: return "the peer's spray SYNC does not match our plan";
    case error::no_plan: return "no spray plan: the offers do not call for one";
    case error::aborted_by_peer: return "the peer aborted the spray";
    case error::rounds_exhausted: return "every allowed spray round failed";
    case error::budget_denied: return "the spray budget refused the spray";
  }
  return "unknown spray error";
}
condition classify(error e) {
  switch (e) {
    case error::no_plan:
    case error::aborted_by_peer: return condition::refused;
    case error::rounds_exhausted:
    case error::budget_denied: return condition::resource_limit;
    default: return condition::protocol_violation;
  }
}
}  // namespace
}  // namespace lp2p::spray

LP2P_DEFINE_ERROR_CATEGORY(spray, "lp2p.spray")
