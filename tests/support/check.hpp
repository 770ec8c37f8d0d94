// Catch2 helpers for lp2p::result<T>.
//   REQUIRE_OK(r)  - fails with the error's message when r holds an error.
//   REQUIRE_ERR(r, e) - r holds an error equal to e (an enumerator or lp2p::condition).
#pragma once

#include "lp2p/error.hpp"

#include <catch2/catch.hpp>

// Each macro evaluates its argument exactly once (it may be a call with side effects).
#define LP2P_RESULT_MESSAGE(r) ((r).has_value() ? std::string("ok") : (r).error().message())
#define REQUIRE_OK(r)                                  \
  do {                                                 \
    const auto& lp2p_r_ = (r);                         \
    INFO("error: " << LP2P_RESULT_MESSAGE(lp2p_r_));   \
    REQUIRE(lp2p_r_.has_value());                      \
  } while (0)
#define CHECK_OK(r)                                    \
  do {                                                 \
    const auto& lp2p_r_ = (r);                         \
    INFO("error: " << LP2P_RESULT_MESSAGE(lp2p_r_));   \
    CHECK(lp2p_r_.has_value());                        \
  } while (0)
#define REQUIRE_ERR(r, e)                              \
  do {                                                 \
    const auto& lp2p_r_ = (r);                         \
    REQUIRE_FALSE(lp2p_r_.has_value());                \
    INFO("got: " << lp2p_r_.error().message());        \
    REQUIRE(lp2p_r_.error() == (e));                   \
  } while (0)
