#include "lp2p/codec/record/error.hpp"

namespace lp2p::record {
namespace {
const char* describe(error e) {
  switch (e) {
    case error::missing_public_key: return "signed envelope has no public key";
    case error::payload_type_mismatch: return "signed envelope has an unexpected payload type";
    case error::invalid_signature: return "signed envelope signature is invalid (or signed for another domain)";
    case error::invalid_peer_id: return "record contains an invalid peer id";
    case error::voucher_without_expiration: return "reservation voucher has no expiration";
    case error::peer_id_mismatch: return "peer record is not signed by the peer it describes";
    case error::empty_domain: return "signed envelope domain must not be empty";
  }
  return "unknown record error";
}
condition classify(error e) {
  return e == error::empty_domain ? condition::misuse : condition::protocol_violation;
}
}  // namespace
}  // namespace lp2p::record

LP2P_DEFINE_ERROR_CATEGORY(record, "lp2p.record")
