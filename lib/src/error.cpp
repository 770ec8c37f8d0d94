#include "lp2p/error.hpp"

namespace lp2p {
namespace {
class ConditionCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "lp2p"; }
  std::string message(int ev) const override {
    switch (static_cast<condition>(ev)) {
      case condition::protocol_violation: return "the peer violated the protocol";
      case condition::unsupported_protocol: return "the peer does not support the protocol";
      case condition::timeout: return "the operation timed out";
      case condition::resource_limit: return "a resource limit was reached";
      case condition::refused: return "the peer refused the request";
      case condition::closed: return "the connection or stream was closed";
      case condition::misuse: return "the API was used incorrectly";
    }
    return "unknown lp2p condition";
  }
};
}  // namespace

const boost::system::error_category& condition_category() noexcept {
  static const ConditionCategory category;
  return category;
}
}  // namespace lp2p
