#include "lp2p/io/error.hpp"

namespace lp2p::io {
namespace {
const char* describe(error e) {
  switch (e) {
    case error::timeout: return "operation timed out";
    case error::eof_before_frame_end: return "stream ended in the middle of a frame";
    case error::frame_too_large: return "frame length exceeds the maximum";
    case error::closed: return "stream is closed";
    case error::write_after_shutdown: return "write after shutdown_write";
    case error::injected_failure: return "injected test failure";
  }
  return "unknown io error";
}
condition classify(error e) {
  switch (e) {
    case error::timeout: return condition::timeout;
    case error::eof_before_frame_end: return condition::protocol_violation;
    // The limit is the spec's (4 KiB for DCUtR/relay, ...): going over it is the peer's fault.
    case error::frame_too_large: return condition::protocol_violation;
    case error::closed: return condition::closed;
    case error::write_after_shutdown: return condition::misuse;
    // Injected failures stand in for the connection dropping.
    case error::injected_failure: return condition::closed;
  }
  return condition::protocol_violation;
}
}  // namespace
}  // namespace lp2p::io

LP2P_DEFINE_ERROR_CATEGORY(io, "lp2p.io")
