#include "lp2p/codec/multistream/error.hpp"

namespace lp2p::multistream {
namespace {
const char* describe(error e) {
  switch (e) {
    case error::message_too_large: return "multistream message exceeds the maximum message size";
    case error::missing_newline: return "multistream message is empty or does not end with a newline";
    case error::invalid_protocol_name: return "protocol name must start with '/' and contain no newline";
    case error::bad_header: return "expected the /multistream/1.0.0 header";
    case error::unexpected_message: return "unexpected multistream message in this state";
    case error::protocol_not_supported: return "the peer supports none of the proposed protocols";
    case error::too_many_attempts: return "too many refused multistream proposals";
    case error::invalid_ls_response: return "malformed multistream ls response";
    case error::too_many_protocols: return "multistream ls response lists too many protocols";
    case error::no_protocols: return "no protocol to propose";
    case error::invalid_local_protocol: return "local protocol name is invalid or too long";
  }
  return "unknown multistream error";
}

condition classify(error e) {
  switch (e) {
    case error::protocol_not_supported: return condition::unsupported_protocol;
    case error::message_too_large:
    case error::too_many_attempts:
    case error::too_many_protocols: return condition::resource_limit;
    case error::no_protocols:
    case error::invalid_local_protocol: return condition::misuse;
    default: return condition::protocol_violation;
  }
}
}  // namespace
}  // namespace lp2p::multistream

LP2P_DEFINE_ERROR_CATEGORY(multistream, "lp2p.multistream")
