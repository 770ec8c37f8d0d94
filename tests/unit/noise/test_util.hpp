// Helpers shared by the noise unit tests.
#pragma once

#include "support/check.hpp"

#include "lp2p/core/bytes.hpp"

// support/check.hpp's REQUIRE_OK/REQUIRE_ERR evaluate their argument more than once; these bind it
// first, so a call with side effects (read_message, encrypt, ...) runs exactly once.
#define NOISE_OK(expr)                    \
  do {                                    \
    const auto& noise_r_ = (expr);        \
    REQUIRE_OK(noise_r_);                 \
  } while (0)
#define NOISE_ERR(expr, e)                \
  do {                                    \
    const auto& noise_r_ = (expr);        \
    REQUIRE_ERR(noise_r_, e);             \
  } while (0)

namespace noise_test {

inline lp2p::Bytes hex(std::string_view h) {
  lp2p::Bytes b;
  if (h != "-" && !lp2p::from_hex(h, b)) FAIL("bad hex: " << h);
  return b;
}

}  // namespace noise_test
