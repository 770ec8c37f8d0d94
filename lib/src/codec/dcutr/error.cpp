#include "lp2p/codec/dcutr/error.hpp"

namespace lp2p::dcutr {
namespace {
const char* describe(error e) {
  switch (e) {
    case error::missing_type: return "hole punch message has no type";
    case error::unknown_type: return "hole punch message has an unknown type";
    case error::unexpected_type: return "hole punch message has a type that is not expected here";
    case error::no_addresses: return "hole punch CONNECT carries no addresses";
    case error::attempts_exceeded: return "gave up hole punching after the maximum number of attempts";
  }
  return "unknown dcutr error";
}
condition classify(error e) {
  if (e == error::attempts_exceeded) return condition::resource_limit;  // our attempt cap
  return condition::protocol_violation;
}
}  // namespace
}  // namespace lp2p::dcutr

LP2P_DEFINE_ERROR_CATEGORY(dcutr, "lp2p.dcutr")
