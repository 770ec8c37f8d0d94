// VerifiedIdentityCache on its own, through verify_identity_payload, and inside the Noise handshake.
#include "lp2p/codec/noise/handshake.hpp"
#include "lp2p/codec/noise/verified_identity_cache.hpp"

#include "test_util.hpp"

#include <atomic>
#include <random>
#include <thread>

using namespace lp2p;
using namespace lp2p::noise;
using noise_test::complete;
using noise_test::run;

namespace {

using Digest = VerifiedIdentityCache::Digest;

Digest digest_n(const VerifiedIdentityCache& c, std::uint32_t n) {
  const Bytes key{0x08, 0x01, static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(n >> 8),
                  static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 24)};
  return c.digest(key, Bytes(32, 7), Bytes(64, 9));
}

PeerId peer_of(const Keypair& k) { return k.public_key().peer_id(); }

}  // namespace

TEST_CASE("verified identity cache: hit after insert, miss before", "[noise][verify_cache]") {
  VerifiedIdentityCache c(8);
  CHECK(c.capacity() == 8);
  const auto d = c.digest(Bytes{1, 2, 3}, Bytes(32, 4), Bytes(64, 5));
  CHECK(d == c.digest(Bytes{1, 2, 3}, Bytes(32, 4), Bytes(64, 5)));  // deterministic within one cache
  CHECK_FALSE(c.lookup(d));
  c.insert(d);
  CHECK(c.size() == 1);
  CHECK(c.lookup(d));
  CHECK(c.lookup(d));
  c.insert(d);  // again: still one entry
  CHECK(c.size() == 1);
  const auto s = c.stats();
  CHECK(s.hits == 2);
  CHECK(s.misses == 1);
  CHECK(s.insertions == 1);
  CHECK(s.evictions == 0);
}

TEST_CASE("verified identity cache: any single changed byte of key, static key or signature misses",
          "[noise][verify_cache]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255), bit(0, 7);
  VerifiedIdentityCache c(16);
  const auto id = Keypair::generate_ed25519();
  const auto s = X25519Keypair::generate();
  const auto p = make_identity_payload(id, s.public_key);
  const Bytes stat(s.public_key.begin(), s.public_key.end());
  c.insert(c.digest(p.identity_key, stat, p.identity_sig));
  REQUIRE(c.lookup(c.digest(p.identity_key, stat, p.identity_sig)));

  std::size_t tried = 0;
  for (int part = 0; part < 3; ++part) {
    Bytes key = p.identity_key, st = stat, sig = p.identity_sig;
    Bytes& b = part == 0 ? key : part == 1 ? st : sig;
    for (std::size_t i = 0; i < b.size(); ++i) {
      const auto orig = b[i];
      b[i] = static_cast<std::uint8_t>(orig ^ (1u << bit(rng)));
      INFO("part " << part << " byte " << i);
      CHECK_FALSE(c.lookup(c.digest(key, st, sig)));
      b[i] = orig;
      ++tried;
    }
    // One byte more or less is a different triple too.
    b.push_back(static_cast<std::uint8_t>(byte(rng)));
    CHECK_FALSE(c.lookup(c.digest(key, st, sig)));
    b.pop_back();
    b.pop_back();
    CHECK_FALSE(c.lookup(c.digest(key, st, sig)));
  }
  CHECK(tried == p.identity_key.size() + 32 + 64);
  CHECK(c.stats().hits == 1);
}

TEST_CASE("verified identity cache: the length prefixes keep the triple unambiguous", "[noise][verify_cache]") {
  VerifiedIdentityCache c(4);
  // The same 6 bytes split differently between the three fields.
  c.insert(c.digest(Bytes{1, 2}, Bytes{3, 4}, Bytes{5, 6}));
  CHECK_FALSE(c.lookup(c.digest(Bytes{1, 2, 3}, Bytes{4}, Bytes{5, 6})));
  CHECK_FALSE(c.lookup(c.digest(Bytes{1}, Bytes{2, 3, 4}, Bytes{5, 6})));
  CHECK_FALSE(c.lookup(c.digest(Bytes{1, 2}, Bytes{3, 4, 5}, Bytes{6})));
  CHECK_FALSE(c.lookup(c.digest(Bytes{}, Bytes{1, 2, 3, 4}, Bytes{5, 6})));
  CHECK(c.lookup(c.digest(Bytes{1, 2}, Bytes{3, 4}, Bytes{5, 6})));
  // Each cache salts its digests: an entry's key cannot be chosen by the peer.
  VerifiedIdentityCache other(4);
  CHECK(other.digest(Bytes{1, 2}, Bytes{3, 4}, Bytes{5, 6}) != c.digest(Bytes{1, 2}, Bytes{3, 4}, Bytes{5, 6}));
}

TEST_CASE("verified identity cache: LRU eviction exactly at and one past capacity", "[noise][verify_cache]") {
  constexpr std::uint32_t cap = 4;
  VerifiedIdentityCache c(cap);
  for (std::uint32_t i = 0; i < cap; ++i) c.insert(digest_n(c, i));
  CHECK(c.size() == cap);  // exactly at capacity: nothing evicted
  CHECK(c.stats().evictions == 0);
  for (std::uint32_t i = 0; i < cap; ++i) CHECK(c.lookup(digest_n(c, i)));  // now 0 is least recently used

  SECTION("one past: the least recently used entry goes") {
    c.insert(digest_n(c, cap));
    CHECK(c.size() == cap);
    CHECK(c.stats().evictions == 1);
    CHECK_FALSE(c.lookup(digest_n(c, 0)));
    for (std::uint32_t i = 1; i <= cap; ++i) CHECK(c.lookup(digest_n(c, i)));
  }
  SECTION("a hit makes an entry most recently used") {
    CHECK(c.lookup(digest_n(c, 0)));  // 1 is now the oldest
    c.insert(digest_n(c, cap));
    CHECK(c.lookup(digest_n(c, 0)));
    CHECK_FALSE(c.lookup(digest_n(c, 1)));
    CHECK(c.stats().evictions == 1);
  }
  SECTION("many past: the size stays at capacity") {
    for (std::uint32_t i = cap; i < 100; ++i) c.insert(digest_n(c, i));
    CHECK(c.size() == cap);
    CHECK(c.stats().evictions == 100 - cap);
    CHECK(c.stats().insertions == 100);
    for (std::uint32_t i = 100 - cap; i < 100; ++i) CHECK(c.lookup(digest_n(c, i)));
  }
}

TEST_CASE("verified identity cache: capacity 0 never caches", "[noise][verify_cache]") {
  VerifiedIdentityCache c(0);
  const auto d = digest_n(c, 1);
  c.insert(d);
  CHECK(c.size() == 0);
  CHECK_FALSE(c.lookup(d));
  CHECK(c.stats().insertions == 0);
  CHECK(c.stats().misses == 1);

  // Through verify_identity_payload: verified every time, nothing stored.
  const auto id = Keypair::generate_ed25519();
  const auto s = X25519Keypair::generate();
  const auto p = make_identity_payload(id, s.public_key);
  for (int i = 0; i < 3; ++i) NOISE_OK(verify_identity_payload(p, s.public_key, &c));
  CHECK(c.stats().hits == 0);
  CHECK(c.size() == 0);
}

TEST_CASE("verified identity cache: concurrent use from 2 threads", "[noise][verify_cache]") {
  constexpr std::uint32_t cap = 64, per_thread = 2000;
  VerifiedIdentityCache c(cap);
  std::vector<Digest> ds;
  for (std::uint32_t i = 0; i < 2 * per_thread; ++i) ds.push_back(digest_n(c, i % 200));  // 200 distinct
  std::atomic<std::uint64_t> hits{0};
  auto work = [&](std::uint32_t t) {
    for (std::uint32_t i = t * per_thread; i < (t + 1) * per_thread; ++i) {
      if (c.lookup(ds[i]))
        ++hits;
      else
        c.insert(ds[i]);
    }
  };
  std::thread a(work, 0), b(work, 1);
  a.join();
  b.join();
  const auto s = c.stats();
  CHECK(s.hits + s.misses == 2 * per_thread);
  CHECK(s.hits == hits.load());
  CHECK(c.size() <= cap);
  CHECK(s.insertions - s.evictions == c.size());
  CHECK(s.insertions <= s.misses);  // a racing duplicate insert is not a second entry
}

TEST_CASE("verify_identity_payload with a cache: only successes are stored, errors are unchanged",
          "[noise][verify_cache][identity]") {
  VerifiedIdentityCache c(16);
  const auto id = Keypair::generate_ed25519();
  const auto s = X25519Keypair::generate(), other = X25519Keypair::generate();
  const auto good = make_identity_payload(id, s.public_key);

  auto k1 = verify_identity_payload(good, s.public_key, &c);
  REQUIRE_OK(k1);
  CHECK(c.stats().misses == 1);
  CHECK(c.size() == 1);
  auto k2 = verify_identity_payload(good, s.public_key, &c);
  REQUIRE_OK(k2);
  CHECK(*k2 == id.public_key());  // a hit still returns the decoded key
  CHECK(c.stats().hits == 1);

  // The same identity and signature with another static key: verified, and rejected, every time.
  for (int i = 0; i < 2; ++i) NOISE_ERR(verify_identity_payload(good, other.public_key, &c), error::bad_identity_signature);
  // The same identity and static key with a tampered signature.
  auto bad = good;
  bad.identity_sig[5] ^= 1;
  for (int i = 0; i < 2; ++i) NOISE_ERR(verify_identity_payload(bad, s.public_key, &c), error::bad_identity_signature);
  CHECK(c.size() == 1);
  CHECK(c.stats().hits == 1);
  CHECK(c.stats().misses == 5);

  // Checks before the signature report as without a cache, and do not touch it.
  auto p = good;
  p.identity_key = {0x08, 0x01, 0x12, 0x03, 1, 2, 3};
  NOISE_ERR(verify_identity_payload(p, s.public_key, &c), error::invalid_identity_key);
  p.identity_key = {0x08, 0x09, 0x12, 0x01, 0x00};
  NOISE_ERR(verify_identity_payload(p, s.public_key, &c), error::unsupported_identity_key);
  p = good;
  p.identity_sig.clear();
  NOISE_ERR(verify_identity_payload(p, s.public_key, &c), error::missing_identity_signature);
  p = good;
  p.identity_key.clear();
  NOISE_ERR(verify_identity_payload(p, s.public_key, &c), error::missing_identity_key);
  CHECK(c.stats().hits + c.stats().misses == 6);
}

TEST_CASE("noise handshake: a second handshake between the same static keys hits the cache",
          "[noise][verify_cache][handshake]") {
  const auto init_id = Keypair::generate_ed25519(), resp_id = Keypair::generate_ed25519();
  const auto init_static = SignedStaticKey::generate(init_id), resp_static = SignedStaticKey::generate(resp_id);
  auto init_cache = std::make_shared<VerifiedIdentityCache>(16);
  auto resp_cache = std::make_shared<VerifiedIdentityCache>(16);
  HandshakeConfig icfg, rcfg;
  icfg.expected_peer = peer_of(resp_id);
  icfg.verified_identities = init_cache;
  rcfg.verified_identities = resp_cache;

  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    Handshake init(Role::initiator, init_static, icfg);
    Handshake resp(Role::responder, resp_static, rcfg);
    auto both = complete(init, resp);
    auto& a = both.initiator;
    auto& b = both.responder;
    CHECK(a.remote_peer == peer_of(resp_id));
    CHECK(a.remote_key == resp_id.public_key());
    CHECK(b.remote_peer == peer_of(init_id));
    // The channel works after a hit as after a verification.
    Bytes wire;
    NOISE_OK(a.encrypter.encrypt(to_bytes("hello"), wire));
    b.decrypter.feed(wire);
    auto f = b.decrypter.next_plaintext();
    REQUIRE_OK(f);
    REQUIRE(f->has_value());
    CHECK(**f == to_bytes("hello"));
    CHECK(init_cache->stats().misses == 1);
    CHECK(init_cache->stats().hits == static_cast<std::uint64_t>(round));
    CHECK(resp_cache->stats().misses == 1);
    CHECK(resp_cache->stats().hits == static_cast<std::uint64_t>(round));
  }

  SECTION("a new static key of the same peer is verified again") {
    Handshake init(Role::initiator, SignedStaticKey::generate(init_id), icfg);
    Handshake resp(Role::responder, resp_static, rcfg);
    NOISE_OK(run(init, resp));
    REQUIRE(resp.finished());
    CHECK(resp_cache->stats().misses == 2);
    CHECK(resp_cache->size() == 2);
  }
}

TEST_CASE("noise handshake: an invalid signature is rejected although the identity has a cached entry",
          "[noise][verify_cache][handshake]") {
  const auto init_id = Keypair::generate_ed25519(), resp_id = Keypair::generate_ed25519();
  const auto s1 = X25519Keypair::generate(), s2 = X25519Keypair::generate();
  const auto good = SignedStaticKey::sign(init_id, s1);
  auto cache = std::make_shared<VerifiedIdentityCache>(16);
  HandshakeConfig rcfg;
  rcfg.verified_identities = cache;
  {
    Handshake init(Role::initiator, good, {});
    Handshake resp(Role::responder, resp_id, rcfg);
    NOISE_OK(run(init, resp));
    REQUIRE(resp.finished());
    REQUIRE(cache->size() == 1);
  }
  // Static key s2 presented with the (valid, cached) identity key and s1's signature: a replayed payload.
  auto forged = std::make_shared<SignedStaticKey>();
  forged->key = s2;
  forged->identity_key = good->identity_key;
  forged->identity_sig = good->identity_sig;
  SECTION("another static key with the cached signature") {}
  SECTION("the cached static key with another signature") {
    forged->key = s1;
    forged->identity_sig = Keypair::generate_ed25519().sign(make_static_key_signature_message(s1.public_key));
  }
  Handshake init(Role::initiator, forged, {});
  Handshake resp(Role::responder, resp_id, rcfg);
  NOISE_ERR(run(init, resp), error::bad_identity_signature);
  CHECK_FALSE(resp.finished());
  CHECK(cache->stats().hits == 0);
  CHECK(cache->size() == 1);
}

TEST_CASE("noise handshake: expected_peer is still checked on a cache hit", "[noise][verify_cache][handshake]") {
  const auto init_id = Keypair::generate_ed25519(), resp_id = Keypair::generate_ed25519();
  const auto init_static = SignedStaticKey::generate(init_id), resp_static = SignedStaticKey::generate(resp_id);
  auto cache = std::make_shared<VerifiedIdentityCache>(16);
  HandshakeConfig icfg;
  icfg.verified_identities = cache;
  icfg.expected_peer = peer_of(resp_id);
  {
    Handshake init(Role::initiator, init_static, icfg);
    Handshake resp(Role::responder, resp_static, {});
    NOISE_OK(run(init, resp));
    REQUIRE(init.finished());
  }
  icfg.expected_peer = peer_of(Keypair::generate_ed25519());
  Handshake init(Role::initiator, init_static, icfg);
  Handshake resp(Role::responder, resp_static, {});
  NOISE_ERR(run(init, resp), error::peer_id_mismatch);
  CHECK(cache->stats().hits == 1);  // the signature check was skipped, the identity check was not
  REQUIRE(init.remote_peer());
  CHECK(*init.remote_peer() == peer_of(resp_id));
  CHECK(resp.take_output().empty());  // message 3 was never sent
  NOISE_ERR(init.finish(), error::handshake_failed);
}
