// lp2p error model: boost::system::error_code everywhere, boost::system::result<T> for values.
//
// Each module declares one `enum class error` with one enumerator per distinct fault, registered with
// LP2P_DECLARE_ERROR_ENUM (header) and given messages and a coarse lp2p::condition in its .cpp through
// lp2p::detail::ErrorCategory. Applications test broad classes with
//     if (ec == lp2p::condition::protocol_violation) ...
// Untrusted input never throws, asserts or crashes: it yields one of these codes.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <type_traits>

namespace lp2p {

using error_code = boost::system::error_code;
template <class T>
using result = boost::system::result<T, error_code>;

/// Coarse classes of failure, for callers that only need to know what kind of thing went wrong.
enum class condition {
  protocol_violation = 1,  ///< the peer (or the bytes we were given) broke the wire format or protocol
  unsupported_protocol,    ///< the peer does not speak what we asked for
  timeout,                 ///< a deadline passed
  resource_limit,          ///< a configured limit was hit (ours or the peer's)
  refused,                 ///< the peer refused the request in a way the protocol allows
  closed,                  ///< orderly end: EOF, FIN, GoAway(normal)
  misuse,                  ///< local API misuse (a bug in the caller)
};

/// The category of lp2p::condition ("lp2p").
const boost::system::error_category& condition_category() noexcept;

inline boost::system::error_condition make_error_condition(condition c) noexcept {
  return {static_cast<int>(c), condition_category()};
}

namespace detail {

/// Shared implementation for the per-module categories. A module provides, in its .cpp:
///   const char* describe(error e);        // one sentence per enumerator
///   condition classify(error e);          // which coarse class it belongs to
/// and defines its category as a function-local static ErrorCategory<error>.
template <class Enum>
class ErrorCategory final : public boost::system::error_category {
 public:
  using Describe = const char* (*)(Enum);
  using Classify = condition (*)(Enum);
  ErrorCategory(const char* name, Describe describe, Classify classify) noexcept
      : name_(name), describe_(describe), classify_(classify) {}
  const char* name() const noexcept override { return name_; }
  std::string message(int ev) const override { return describe_(static_cast<Enum>(ev)); }
  boost::system::error_condition default_error_condition(int ev) const noexcept override {
    return make_error_condition(classify_(static_cast<Enum>(ev)));
  }

 private:
  const char* name_;
  Describe describe_;
  Classify classify_;
};

}  // namespace detail
}  // namespace lp2p

namespace boost::system {
template <>
struct is_error_condition_enum<lp2p::condition> : std::true_type {};
}  // namespace boost::system

/// Declares `lp2p::NS::error` (already defined by the caller) as an error_code enum:
/// provides NS::error_category() and NS::make_error_code(error).
#define LP2P_DECLARE_ERROR_ENUM(NS)                                                  \
  namespace lp2p::NS {                                                               \
  const boost::system::error_category& error_category() noexcept;                    \
  inline boost::system::error_code make_error_code(error e) noexcept {               \
    return {static_cast<int>(e), error_category()};                                  \
  }                                                                                  \
  }                                                                                  \
  namespace boost::system {                                                          \
  template <>                                                                        \
  struct is_error_code_enum<lp2p::NS::error> : std::true_type {};                    \
  }

/// Defines NS::error_category() in a .cpp, given `describe` and `classify` functions in NS.
#define LP2P_DEFINE_ERROR_CATEGORY(NS, NAME)                                          \
  const boost::system::error_category& lp2p::NS::error_category() noexcept {          \
    static const lp2p::detail::ErrorCategory<lp2p::NS::error> category{               \
        NAME, &lp2p::NS::describe, &lp2p::NS::classify};                              \
    return category;                                                                  \
  }
