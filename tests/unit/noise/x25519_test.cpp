// X25519 key generation: RFC 7748 section 6.1 vectors, and the Edwards fixed-base path
// (RFC 7748 section 4.1 birational map) against libsodium's crypto_scalarmult_base byte for byte.
#include "lp2p/codec/noise/x25519.hpp"

#include "codec/noise/x25519_base.hpp"
#include "test_util.hpp"

#include <sodium.h>

#include <random>
#include <vector>

using namespace lp2p;
using namespace lp2p::noise;

namespace {

DhKey key32(std::string_view h) {
  const auto b = noise_test::hex(h);
  REQUIRE(b.size() == 32);
  DhKey k;
  std::copy(b.begin(), b.end(), k.begin());
  return k;
}

DhKey sodium_base(const DhKey& secret) {
  REQUIRE(sodium_init() >= 0);
  DhKey pk;
  REQUIRE(crypto_scalarmult_base(pk.data(), secret.data()) == 0);
  return pk;
}

}  // namespace

TEST_CASE("x25519 key pairs match RFC 7748 section 6.1", "[noise][x25519]") {
  const auto alice_sk = key32("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const auto alice_pk = key32("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  const auto bob_sk = key32("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  const auto bob_pk = key32("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  const auto shared = key32("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

  const auto alice = X25519Keypair::from_secret(alice_sk);
  const auto bob = X25519Keypair::from_secret(bob_sk);
  CHECK(alice.secret == alice_sk);  // kept unclamped
  CHECK(alice.public_key == alice_pk);
  CHECK(bob.public_key == bob_pk);
  // The fast path itself, not only its fallback.
  DhKey pk;
  REQUIRE(noise::detail::x25519_base_via_edwards(pk, alice_sk));
  CHECK(pk == alice_pk);
  REQUIRE(noise::detail::x25519_base_via_edwards(pk, bob_sk));
  CHECK(pk == bob_pk);

  auto ab = dh(alice, bob.public_key);
  auto ba = dh(bob, alice.public_key);
  REQUIRE_OK(ab);
  REQUIRE_OK(ba);
  CHECK(*ab == shared);
  CHECK(*ba == shared);
}

TEST_CASE("x25519 Edwards key generation equals crypto_scalarmult_base for random secrets", "[noise][x25519]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 2500; ++i) {
    DhKey sk;
    for (auto& b : sk) b = static_cast<std::uint8_t>(byte(rng));
    INFO("secret " << to_hex(sk));
    DhKey pk;
    REQUIRE(noise::detail::x25519_base_via_edwards(pk, sk));
    REQUIRE(pk == sodium_base(sk));
    REQUIRE(X25519Keypair::from_secret(sk).public_key == pk);
  }
}

TEST_CASE("x25519 Edwards key generation with extreme secrets", "[noise][x25519]") {
  std::vector<DhKey> secrets;
  DhKey k{};
  secrets.push_back(k);  // all zero: libsodium's Edwards function refuses it, the fallback answers
  k.fill(0xff);
  secrets.push_back(k);
  k = {};
  k[31] = 0x80;  // only the high bit: clamped to 2^254 like all zero, but libsodium accepts it
  secrets.push_back(k);
  k = {};
  k[31] = 0x40;  // only bit 254, the smallest clamped scalar
  secrets.push_back(k);
  k = {};
  k[0] = 0x07;  // only the bits clamping clears
  k[31] = 0x80;
  secrets.push_back(k);
  k.fill(0xff);
  k[0] = 0xf8;
  k[31] = 0x7f;  // the largest clamped scalar
  secrets.push_back(k);
  k = {};
  k[0] = 0x08;  // the smallest nonzero multiple of the cofactor
  secrets.push_back(k);
  k.fill(0x55);
  secrets.push_back(k);
  k.fill(0xaa);
  secrets.push_back(k);
  for (int bit = 0; bit < 256; ++bit) {  // every single bit
    k = {};
    k[bit / 8] = static_cast<std::uint8_t>(1u << (bit % 8));
    secrets.push_back(k);
  }
  // The group order L as a secret (clamping turns it into another scalar).
  const auto l = key32("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  secrets.push_back(l);
  for (const auto& sk : secrets) {
    INFO("secret " << to_hex(sk));
    CHECK(X25519Keypair::from_secret(sk).public_key == sodium_base(sk));
  }
  // Only the all-zero secret goes to the fallback; every other (clamped) scalar takes the Edwards path.
  DhKey pk;
  CHECK_FALSE(noise::detail::x25519_base_via_edwards(pk, DhKey{}));
  for (std::size_t i = 1; i < secrets.size(); ++i) {
    INFO("secret " << to_hex(secrets[i]));
    CHECK(noise::detail::x25519_base_via_edwards(pk, secrets[i]));
  }
}

TEST_CASE("x25519 generate gives a secret whose public key is crypto_scalarmult_base's", "[noise][x25519]") {
  for (int i = 0; i < 50; ++i) {
    const auto kp = X25519Keypair::generate();
    CHECK(kp.public_key == sodium_base(kp.secret));
  }
}

TEST_CASE("x25519 Edwards y to Montgomery u at special values", "[noise][x25519]") {
  // Expected values: u = (1 + y) / (1 - y) mod 2^255 - 19, computed independently (Python pow(x, p - 2, p)).
  struct Case {
    const char* y;
    const char* u;
  };
  const Case cases[] = {
      {"0000000000000000000000000000000000000000000000000000000000000000",  // y = 0: u = 1
       "0100000000000000000000000000000000000000000000000000000000000000"},
      {"0000000000000000000000000000000000000000000000000000000000000080",  // y = 0, sign bit set
       "0100000000000000000000000000000000000000000000000000000000000000"},
      {"0200000000000000000000000000000000000000000000000000000000000000",  // y = 2: u = -3
       "eaffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
      {"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p - 1: u = 0
       "0000000000000000000000000000000000000000000000000000000000000000"},
      {"ebffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p - 2
       "a4aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2a"},
      {"d9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p - 20
       "5d18866118866118866118866118866118866118866118866118866118866118"},
      {"0000000000000000000000000000000000000000000000000000000000000040",  // y = 2^254
       "9296969696969696969696969696969696969696969696969696969696969616"},
      {"ffffffffffff0700000000000000000000000000000000000000000000000000",  // y = 2^51 - 1 (limb edge)
       "237662277662a7d8899dd8899d6227766227768a9dd8899dd829766227766227"},
      {"0000000000000800000000000000000000000000000000000000000000000000",  // y = 2^51
       "da388ee3388e1bc7711cc771dc388ee3388ee3c6711cc7711c378ee3388ee338"},
      {"ffffffffffff0f00000000000000000000000000000000000000000000000000",  // y = 2^52 - 1
       "631cc7711cc78de3388ee3386e1cc7711cc771e3388ee3388e1bc7711cc7715c"},
  };
  for (const auto& c : cases) {
    INFO("y " << c.y);
    DhKey u;
    REQUIRE(noise::detail::montgomery_u_from_edwards_y(u, key32(c.y)));
    CHECK(to_hex(u) == c.u);
  }
  // No u: y = 1 (the neutral point, with either sign bit) and the non-canonical encodings y >= p.
  for (const char* y : {"0100000000000000000000000000000000000000000000000000000000000000",
                        "0100000000000000000000000000000000000000000000000000000000000080",
                        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",    // p
                        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",    // p + 1
                        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",    // 2^255 - 1
                        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"}) {  // same, sign set
    INFO("y " << y);
    DhKey u;
    CHECK_FALSE(noise::detail::montgomery_u_from_edwards_y(u, key32(y)));
  }
}

TEST_CASE("x25519 map: variable-time inversion equals Fermat's z^(p-2)", "[noise][x25519]") {
  const auto check_one = [](const DhKey& z) {
    INFO("z " << to_hex(z));
    DhKey fast, slow;
    REQUIRE(noise::detail::invert_mod_p_vartime(fast, z));
    noise::detail::invert_mod_p_fermat(slow, z);
    CHECK(to_hex(fast) == to_hex(slow));
  };
  // Edge values: 0 and p (no inverse: both give 0), 1, 2, p - 1, p + 1, 2^255 - 1 and 2^256 - 1 (reduced
  // first), single bits at the 51/62/64-bit limb boundaries, all ones below them.
  std::vector<DhKey> edges;
  for (const char* h : {"0000000000000000000000000000000000000000000000000000000000000000",
                        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p
                        "0100000000000000000000000000000000000000000000000000000000000000",
                        "0200000000000000000000000000000000000000000000000000000000000000",
                        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p - 1
                        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p + 1
                        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"})
    edges.push_back(key32(h));
  for (int bit : {0, 1, 50, 51, 52, 61, 62, 63, 64, 102, 124, 127, 128, 186, 191, 192, 248, 254, 255}) {
    DhKey single{}, below{};
    single[bit / 8] = static_cast<std::uint8_t>(1u << (bit % 8));
    for (int b = 0; b < bit; ++b) below[b / 8] |= static_cast<std::uint8_t>(1u << (b % 8));
    edges.push_back(single);
    edges.push_back(below);
  }
  for (const auto& z : edges) check_one(z);
  DhKey zero_inverse;
  REQUIRE(noise::detail::invert_mod_p_vartime(zero_inverse, edges[0]));
  CHECK(zero_inverse == DhKey{});

  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int i = 0; i < 3000; ++i) {
    DhKey z;
    for (auto& b : z) b = static_cast<std::uint8_t>(rng());
    if (i % 3 == 1) z[31] &= 0x7f;  // below 2^255, as the map's inputs
    if (i % 3 == 2) z[rng() % 32] = 0;
    check_one(z);
    // z * (1/z) = 1 is checked through the map's libsodium comparisons; here also small z with a short gcd.
    if (i < 200) {
      DhKey small{};
      small[0] = static_cast<std::uint8_t>(i + 1);
      check_one(small);
    }
  }
}
