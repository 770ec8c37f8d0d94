#include "lp2p/codec/error.hpp"

namespace lp2p::codec {
namespace {
const char* describe(error e) {
  switch (e) {
    case error::frame_too_large: return "frame is larger than the maximum message size";
    case error::truncated_frame: return "stream ended inside a length-prefixed frame";
    case error::invalid_length_prefix: return "frame length prefix is not a valid minimal uvarint";
    case error::malformed_protobuf: return "message is not a valid protobuf encoding";
    case error::message_too_large: return "message to encode exceeds the maximum message size";
  }
  return "unknown codec error";
}
condition classify(error e) {
  switch (e) {
    case error::frame_too_large:
    case error::message_too_large: return condition::resource_limit;
    default: return condition::protocol_violation;
  }
}
}  // namespace
}  // namespace lp2p::codec

LP2P_DEFINE_ERROR_CATEGORY(codec, "lp2p.codec")
