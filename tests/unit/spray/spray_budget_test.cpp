// The spray budget on a virtual clock: rounds per peer per window, window expiry, concurrency, the peer
// table cap, and descriptor accounting at and one past the limit.
#include "lp2p/codec/dcutr/spray_budget.hpp"

#include "support/check.hpp"
#include "unit/engines/engines_support.hpp"

using namespace lp2p;
using namespace lp2p::spray;
using namespace std::chrono_literals;
using lp2p::test::peer;
using lp2p::test::t0;

TEST_CASE("spray budget: rounds per peer per window", "[spray][budget]") {
  SprayBudget b;  // 3 rounds per 10 minutes
  const auto t = t0();
  REQUIRE(b.begin_spray(peer(1), t));
  CHECK(b.rounds_left(peer(1), t) == 3);
  REQUIRE(b.begin_round(peer(1), t));
  REQUIRE(b.begin_round(peer(1), t + 6s));
  REQUIRE(b.begin_round(peer(1), t + 12s));
  CHECK(b.rounds_left(peer(1), t + 12s) == 0);
  const auto fourth = b.begin_round(peer(1), t + 18s);
  CHECK(fourth.denial == Denial::rate_limited);
  REQUIRE(fourth.retry_at.has_value());
  CHECK(*fourth.retry_at == t + 10min);
  CHECK_FALSE(fourth.why.empty());
  b.end_spray(peer(1));

  // A new spray with the same peer is refused until the oldest round leaves the window.
  const auto again = b.begin_spray(peer(1), t + 10min - 1ms);
  CHECK(again.denial == Denial::rate_limited);
  CHECK(again.retry_at == t + 10min);
  REQUIRE(b.begin_spray(peer(1), t + 10min));
  CHECK(b.rounds_left(peer(1), t + 10min) == 1);
  REQUIRE(b.begin_round(peer(1), t + 10min));
  CHECK(b.begin_round(peer(1), t + 10min + 1s).denial == Denial::rate_limited);
  // Another peer has its own allowance.
  REQUIRE(b.begin_spray(peer(2), t + 10min));
  REQUIRE(b.begin_round(peer(2), t + 10min));
}

TEST_CASE("spray budget: concurrency and misuse", "[spray][budget]") {
  BudgetConfig cfg;
  cfg.max_concurrent = 2;
  SprayBudget b(cfg);
  const auto t = t0();
  REQUIRE(b.begin_spray(peer(1), t));
  CHECK(b.begin_spray(peer(1), t).denial == Denial::already_spraying);
  REQUIRE(b.begin_spray(peer(2), t));
  CHECK(b.active_sprays() == 2);
  CHECK(b.begin_spray(peer(3), t).denial == Denial::too_many_sprays);
  CHECK(b.begin_round(peer(3), t).denial == Denial::not_spraying);
  b.end_spray(peer(2));
  b.end_spray(peer(2));  // twice: ignored
  b.end_spray(peer(9));  // unknown: ignored
  CHECK(b.active_sprays() == 1);
  REQUIRE(b.begin_spray(peer(3), t));
}

TEST_CASE("spray budget: the peer table is capped", "[spray][budget]") {
  BudgetConfig cfg;
  cfg.max_concurrent = 10;
  cfg.max_tracked_peers = 2;
  SprayBudget b(cfg);
  const auto t = t0();
  for (std::uint8_t i = 1; i <= 2; ++i) {
    REQUIRE(b.begin_spray(peer(i), t));
    REQUIRE(b.begin_round(peer(i), t));
    b.end_spray(peer(i));
  }
  CHECK(b.begin_spray(peer(3), t + 1min).denial == Denial::too_many_peers);
  // Once their rounds leave the window, the entries are dropped.
  REQUIRE(b.begin_spray(peer(3), t + 10min));
}

TEST_CASE("spray budget: descriptors at and one past the limit", "[spray][budget]") {
  BudgetConfig cfg;
  cfg.fd_limit = fd_limit_from_rlimit(1024);  // (1024 - 256) / 2
  REQUIRE(cfg.fd_limit == 384);
  SprayBudget b(cfg);
  REQUIRE(b.reserve_fds(192));
  REQUIRE(b.reserve_fds(192));  // exactly at the limit
  CHECK(b.fds_available() == 0);
  const auto over = b.reserve_fds(1);
  CHECK(over.denial == Denial::fds_exhausted);
  CHECK_FALSE(static_cast<bool>(over));
  CHECK(b.fds_in_use() == 384);
  b.release_fds(100);
  CHECK(b.reserve_fds(101).denial == Denial::fds_exhausted);  // all or nothing
  REQUIRE(b.reserve_fds(100));
  b.release_fds(10000);  // clamped
  CHECK(b.fds_in_use() == 0);
  CHECK(b.reserve_fds(0));

  CHECK(fd_limit_from_rlimit(256) == 0);
  CHECK(fd_limit_from_rlimit(100) == 0);
  CHECK(fd_limit_from_rlimit(1 << 20, 256, 100) == (1u << 20) - 256);
  CHECK(fd_limit_from_rlimit(1 << 20, 256, 250) == (1u << 20) - 256);  // percent capped at 100
  for (auto d : {Denial::none, Denial::rate_limited, Denial::too_many_sprays, Denial::already_spraying,
                 Denial::not_spraying, Denial::fds_exhausted, Denial::too_many_peers})
    CHECK_FALSE(to_string(d).empty());
}
