#include "lp2p/codec/dcutr/attempt_policy.hpp"

#include "unit/engines/engines_support.hpp"
#include "support/check.hpp"

#include <random>

using namespace lp2p;
using namespace lp2p::dcutr;
using namespace std::chrono_literals;
using lp2p::test::ma;
using lp2p::test::peer;
using lp2p::test::t0;

namespace {

std::vector<std::string> texts(const std::vector<Multiaddr>& v) {
  std::vector<std::string> out;
  for (const auto& a : v) out.push_back(a.to_string());
  return out;
}

}  // namespace

TEST_CASE("is_punchable_tcp accepts only ip/tcp with a real address and port", "[dcutr][candidates]") {
  struct Row {
    const char* addr;
    bool ok;
  };
  const Row rows[] = {
      {"/ip4/203.0.113.5/tcp/4001", true},
      {"/ip6/2001:db8::1/tcp/4001", true},
      {"/ip4/127.0.0.1/tcp/1", true},
      {"/ip4/192.168.1.2/tcp/65535", true},
      {"/ip4/0.0.0.0/tcp/4001", false},
      {"/ip6/::/tcp/4001", false},
      {"/ip4/203.0.113.5/tcp/0", false},
      {"/ip4/203.0.113.5/udp/4001/quic-v1", false},
      {"/ip4/203.0.113.5/tcp/4001/ws", false},
      {"/dns4/example.com/tcp/4001", false},
      {"/ip4/203.0.113.5", false},
      {"/ip4/203.0.113.5/tcp/4001/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA", false},
  };
  for (const auto& r : rows) {
    INFO(r.addr);
    CHECK(is_punchable_tcp(ma(r.addr)) == r.ok);
  }
  CHECK_FALSE(is_punchable_tcp(Multiaddr{}));
}

TEST_CASE("select_candidates filters, dedupes, appends /p2p/<self> and caps", "[dcutr][candidates]") {
  const PeerId self = peer(1);
  const std::string me = "/p2p/" + self.to_base58();
  const std::string other = "/p2p/" + peer(2).to_base58();
  const std::vector<Multiaddr> observed = {
      ma("/ip4/203.0.113.5/tcp/4001"),
      ma("/ip4/203.0.113.5/tcp/4001" + me),  // same after stripping our id: duplicate
      ma("/ip4/198.51.100.1/tcp/4001/p2p/" + peer(3).to_base58() + "/p2p-circuit" + me),  // relayed
      ma("/ip4/203.0.113.5/udp/4001/quic-v1"),  // not TCP
      ma("/ip4/0.0.0.0/tcp/4001"),              // wildcard
      ma("/ip4/203.0.113.9/tcp/4002" + other),  // another peer's address
      ma("/dns4/example.com/tcp/4001"),         // a name, not a mapping
      ma("/ip6/2001:db8::7/tcp/4001" + me),
      ma("/ip4/10.0.0.2/tcp/4001"),             // private kept
  };
  auto out = select_candidates(observed, self);
  CHECK(texts(out) == std::vector<std::string>{"/ip4/203.0.113.5/tcp/4001" + me, "/ip6/2001:db8::7/tcp/4001" + me,
                                               "/ip4/10.0.0.2/tcp/4001" + me});
  for (const auto& a : out) CHECK(a.peer_id() == std::optional<PeerId>(self));

  std::vector<Multiaddr> many;
  for (int i = 1; i <= 50; ++i) many.push_back(ma("/ip4/203.0.113." + std::to_string(i) + "/tcp/4001"));
  auto capped = select_candidates(many, self);
  REQUIRE(capped.size() == max_local_candidates);
  CHECK(capped.front().to_string() == "/ip4/203.0.113.1/tcp/4001" + me);
  CHECK(capped.back().to_string() == "/ip4/203.0.113.20/tcp/4001" + me);
  many.resize(20);
  CHECK(select_candidates(many, self).size() == 20);
  many.resize(19);
  CHECK(select_candidates(many, self).size() == 19);
  CHECK(select_candidates({}, self).empty());
}

TEST_CASE("filter_remote_candidates drops what we cannot dial, strips /p2p", "[dcutr][candidates]") {
  const std::string id = "/p2p/" + peer(5).to_base58();
  const std::vector<Bytes> obs = {
      ma("/ip4/198.51.100.7/tcp/4001" + id).bytes(),
      Bytes{0xff, 0xff, 0xff},                              // unparsable: skipped, no error
      ma("/ip4/198.51.100.7/tcp/4001").bytes(),             // duplicate after stripping
      ma("/ip4/198.51.100.1/tcp/4001" + id + "/p2p-circuit").bytes(),
      ma("/ip4/198.51.100.7/udp/4001/quic-v1" + id).bytes(),
      ma("/ip6/2001:db8::9/tcp/5000").bytes(),
      ma("/ip4/198.51.100.7/tcp/0").bytes(),
      Bytes{},                                              // empty entry: skipped
      ma("/ip4/10.1.2.3/tcp/4001" + id).bytes(),
  };
  auto r = filter_remote_candidates(obs);
  REQUIRE_OK_ONCE(r);
  CHECK(texts(*r) == std::vector<std::string>{"/ip4/198.51.100.7/tcp/4001", "/ip6/2001:db8::9/tcp/5000",
                                              "/ip4/10.1.2.3/tcp/4001"});
}

TEST_CASE("filter_remote_candidates: empty list is no_addresses, nothing usable is an empty result",
          "[dcutr][candidates]") {
  auto e = filter_remote_candidates({});
  REQUIRE_ERR_ONCE(e, error::no_addresses);
  CHECK(e.error() == lp2p::condition::protocol_violation);
  auto none = filter_remote_candidates({Bytes{0x01}, ma("/ip4/1.2.3.4/udp/1/quic-v1").bytes()});
  REQUIRE_OK_ONCE(none);
  CHECK(none->empty());
}

TEST_CASE("filter_remote_candidates keeps at most 64", "[dcutr][candidates]") {
  std::vector<Bytes> obs;
  for (int i = 0; i < 100; ++i)
    obs.push_back(ma("/ip4/198.51." + std::to_string(i) + ".1/tcp/4001").bytes());
  auto r = filter_remote_candidates(obs);
  REQUIRE_OK_ONCE(r);
  REQUIRE(r->size() == max_remote_candidates);
  CHECK(r->back().to_string() == "/ip4/198.51.63.1/tcp/4001");
  obs.resize(64);
  CHECK(filter_remote_candidates(obs)->size() == 64);
  obs.resize(63);
  CHECK(filter_remote_candidates(obs)->size() == 63);
}

TEST_CASE("filter_remote_candidates never fails on random bytes", "[dcutr][candidates]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int round = 0; round < 2000; ++round) {
    std::vector<Bytes> obs(1 + rng() % 5);
    for (auto& b : obs) {
      b.resize(rng() % 24);
      for (auto& x : b) x = static_cast<std::uint8_t>(rng());
      if (rng() % 3 == 0 && b.size() >= 1) b[0] = 0x04;  // steer towards ip4
    }
    auto r = filter_remote_candidates(obs);
    REQUIRE_OK_ONCE(r);
    for (const auto& a : *r) CHECK(is_punchable_tcp(a));
  }
}

TEST_CASE("sync_dial_delay is half the measured round trip", "[dcutr][attempts]") {
  CHECK(sync_dial_delay(t0(), t0() + 100ms) == 50ms);
  CHECK(sync_dial_delay(t0(), t0()) == Duration::zero());
  CHECK(sync_dial_delay(t0() + 1s, t0()) == Duration::zero());
}

TEST_CASE("HolePunchAttempts: three dial failures, then give up", "[dcutr][attempts]") {
  HolePunchAttempts a;
  CHECK_FALSE(a.running());
  for (unsigned i = 1; i <= 3; ++i) {
    auto n = a.begin(t0() + i * 20s);
    REQUIRE_OK_ONCE(n);
    CHECK(*n == i);
    CHECK(a.running());
    CHECK(a.deadline() == std::optional<Time>(t0() + i * 20s + 10s));
    auto v = a.on_outcome(AttemptOutcome::dial_failed);
    CHECK(v == (i < 3 ? AttemptVerdict::retry : AttemptVerdict::give_up));
  }
  CHECK(a.finished());
  CHECK_FALSE(a.succeeded());
  CHECK(a.attempts() == 3);
  CHECK(a.failure() == error::attempts_exceeded);
  CHECK(a.failure() == lp2p::condition::resource_limit);
  REQUIRE_ERR_ONCE(a.begin(t0() + 100s), error::attempts_exceeded);
  CHECK(a.on_outcome(AttemptOutcome::direct_connection) == AttemptVerdict::give_up);  // finished: ignored
}

TEST_CASE("HolePunchAttempts: success on the second attempt", "[dcutr][attempts]") {
  HolePunchAttempts a;
  REQUIRE_OK_ONCE(a.begin(t0()));
  CHECK(a.on_outcome(AttemptOutcome::timed_out) == AttemptVerdict::retry);
  REQUIRE_OK_ONCE(a.begin(t0() + 10s));
  CHECK(a.on_outcome(AttemptOutcome::direct_connection) == AttemptVerdict::succeeded);
  CHECK(a.succeeded());
  CHECK(a.finished());
  CHECK(!a.failure());
  CHECK(a.last_outcome() == std::optional<AttemptOutcome>(AttemptOutcome::direct_connection));
  REQUIRE_ERR_ONCE(a.begin(t0() + 20s), error::attempts_exceeded);
}

TEST_CASE("HolePunchAttempts: a protocol error ends the process at once", "[dcutr][attempts]") {
  HolePunchAttempts a;
  REQUIRE_OK_ONCE(a.begin(t0()));
  CHECK(a.on_outcome(AttemptOutcome::protocol_error) == AttemptVerdict::give_up);
  CHECK(a.finished());
  CHECK(a.attempts() == 1);
  CHECK(!a.failure());  // the caller holds the protocol's own error
}

TEST_CASE("HolePunchAttempts: deadlines through on_timeout", "[dcutr][attempts]") {
  HolePunchAttempts a({2, 5s});
  CHECK_FALSE(a.on_timeout(t0()));  // nothing running
  REQUIRE_OK_ONCE(a.begin(t0()));
  CHECK_FALSE(a.on_timeout(t0() + 5s - 1ns));
  CHECK(a.on_timeout(t0() + 5s) == std::optional<AttemptVerdict>(AttemptVerdict::retry));
  CHECK_FALSE(a.running());
  REQUIRE_OK_ONCE(a.begin(t0() + 6s));
  CHECK(a.on_timeout(t0() + 11s) == std::optional<AttemptVerdict>(AttemptVerdict::give_up));
  CHECK(a.last_outcome() == std::optional<AttemptOutcome>(AttemptOutcome::timed_out));
  CHECK(a.failure() == error::attempts_exceeded);
}

TEST_CASE("HolePunchAttempts: max_attempts 0 still allows one", "[dcutr][attempts]") {
  HolePunchAttempts a({0, 10s});
  REQUIRE_OK_ONCE(a.begin(t0()));
  CHECK(a.on_outcome(AttemptOutcome::dial_failed) == AttemptVerdict::give_up);
}
