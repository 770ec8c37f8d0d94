// Catch2 helpers for lp2p::result<T>.
//   REQUIRE_OK(r)  - fails with the error's message when r holds an error.
//   REQUIRE_ERR(r, e) - r holds an error equal to e (an enumerator or lp2p::condition).
#pragma once

#include "lp2p/error.hpp"

#include <catch2/catch.hpp>

#define LP2P_RESULT_MESSAGE(r) ((r).has_value() ? std::string("ok") : (r).error().message())
#define REQUIRE_OK(r)                                  \
  do {                                                 \
    INFO("error: " << LP2P_RESULT_MESSAGE(r));         \
    REQUIRE((r).has_value());                          \
  } while (0)
#define CHECK_OK(r)                                    \
  do {                                                 \
    INFO("error: " << LP2P_RESULT_MESSAGE(r));         \
    CHECK((r).has_value());                            \
  } while (0)
#define REQUIRE_ERR(r, e)                              \
  do {                                                 \
    REQUIRE_FALSE((r).has_value());                    \
    INFO("got: " << (r).error().message());            \
    REQUIRE((r).error() == (e));                       \
  } while (0)
