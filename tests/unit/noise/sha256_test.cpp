// SHA-256 against FIPS 180-2 (appendix B) vectors, HMAC-SHA256 against RFC 4231, and the Noise HKDF
// (Noise rev 34 section 4.3) against a straightforward reference built on OpenSSL's one-shot HMAC().
#include "codec/noise/sha256.hpp"
#include "lp2p/codec/noise/cipher_state.hpp"
#include "lp2p/codec/noise/symmetric_state.hpp"

#include "test_util.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <random>
#include <string>

using namespace lp2p;
using namespace lp2p::noise;
using noise_test::hex;

namespace {

Bytes digest_of(BytesView d) {
  noise::detail::Sha256 h;
  h.update(d);
  Bytes out(32);
  h.final(out.data());
  return out;
}

Bytes hmac_of(BytesView key, BytesView a, BytesView b = {}) {
  Bytes out(32);
  noise::detail::HmacSha256(key).mac(a, b, out.data());
  return out;
}

Bytes reference_hmac(BytesView key, BytesView data) {
  Bytes out(32);
  unsigned int n = 0;
  REQUIRE(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &n));
  REQUIRE(n == 32);
  return out;
}

Bytes random_bytes(std::mt19937& rng, std::size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

}  // namespace

TEST_CASE("SHA-256 matches the FIPS 180-2 vectors", "[noise][sha256]") {
  CHECK(digest_of({}) == hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  CHECK(digest_of(as_bytes(std::string_view("abc"))) ==
        hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  CHECK(digest_of(as_bytes(std::string_view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))) ==
        hex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
  const Bytes million(1000000, 'a');
  CHECK(digest_of(million) == hex("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
  // Through Noise's HASH as well.
  const Hash abc = sha256(as_bytes(std::string_view("abc")));
  CHECK(Bytes(abc.begin(), abc.end()) == hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

TEST_CASE("SHA-256 fed in pieces equals SHA-256 of the whole", "[noise][sha256]") {
  const std::uint32_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (std::size_t n : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 119u, 128u, 200u}) {
    const Bytes data = random_bytes(rng, n);
    const Bytes whole = digest_of(data);
    for (std::size_t cut = 0; cut <= n; ++cut) {
      noise::detail::Sha256 h;
      h.update(BytesView(data).first(cut));
      noise::detail::Sha256 copy = h;  // a copied state continues independently
      h.update(BytesView(data).subspan(cut));
      copy.update(BytesView(data).subspan(cut));
      Bytes a(32), b(32);
      h.final(a.data());
      copy.final(b.data());
      INFO("n " << n << " cut " << cut);
      REQUIRE(a == whole);
      REQUIRE(b == whole);
    }
    noise::detail::Sha256 h;
    for (std::uint8_t x : data) h.update(BytesView(&x, 1));
    Bytes a(32);
    h.final(a.data());
    CHECK(a == whole);
  }
}

TEST_CASE("HMAC-SHA256 matches RFC 4231 test cases 1-4, 6 and 7", "[noise][sha256][hmac]") {
  auto text = [](std::string_view s) { return Bytes(s.begin(), s.end()); };
  // Case 1: 20-byte key.
  CHECK(hmac_of(Bytes(20, 0x0b), text("Hi There")) ==
        hex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
  // Case 2: a key shorter than the output.
  CHECK(hmac_of(text("Jefe"), text("what do ya want for nothing?")) ==
        hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
  // Case 3: 50 bytes of data.
  CHECK(hmac_of(Bytes(20, 0xaa), Bytes(50, 0xdd)) ==
        hex("773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"));
  // Case 4: 25-byte key.
  CHECK(hmac_of(hex("0102030405060708090a0b0c0d0e0f10111213141516171819"), Bytes(50, 0xcd)) ==
        hex("82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"));
  // Case 6: a key longer than the block is hashed first.
  CHECK(hmac_of(Bytes(131, 0xaa), text("Test Using Larger Than Block-Size Key - Hash Key First")) ==
        hex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"));
  // Case 7: long key and data longer than a block.
  const Bytes data7 = text(
      "This is a test using a larger than block-size key and a larger than block-size data. The key needs "
      "to be hashed before being used by the HMAC algorithm.");
  CHECK(hmac_of(Bytes(131, 0xaa), data7) == hex("9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"));
  // The two-part message is a plain concatenation, at every split point.
  for (std::size_t cut = 0; cut <= data7.size(); ++cut) {
    INFO("cut " << cut);
    REQUIRE(hmac_of(Bytes(131, 0xaa), BytesView(data7).first(cut), BytesView(data7).subspan(cut)) ==
            hex("9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"));
  }
}

TEST_CASE("HMAC-SHA256 with a precomputed key: repeated MACs and key lengths agree with HMAC()", "[noise][hmac]") {
  const std::uint32_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (std::size_t key_len : {0u, 1u, 32u, 63u, 64u, 65u, 100u}) {
    const Bytes key = random_bytes(rng, key_len);
    const noise::detail::HmacSha256 k(key);
    for (int i = 0; i < 5; ++i) {  // the precomputed states are not consumed by a MAC
      const Bytes msg = random_bytes(rng, rng() % 150);
      Bytes out(32);
      k.mac(msg, {}, out.data());
      INFO("key " << key_len << " msg " << msg.size());
      REQUIRE(out == reference_hmac(key, msg));
    }
  }
}

TEST_CASE("Noise HKDF equals a reference built on OpenSSL's HMAC()", "[noise][hkdf]") {
  const std::uint32_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int iter = 0; iter < 200; ++iter) {
    Hash ck;
    for (auto& x : ck) x = static_cast<std::uint8_t>(rng());
    // Noise's inputs: empty (Split), 32 bytes (DH outputs); plus arbitrary lengths.
    const std::size_t len = iter % 3 == 0 ? 0 : iter % 3 == 1 ? 32 : rng() % 200;
    const Bytes ikm = random_bytes(rng, len);
    // Noise 4.3: temp_key = HMAC(ck, ikm); output1 = HMAC(temp_key, 0x01);
    // output_i = HMAC(temp_key, output_{i-1} || byte(i)).
    const Bytes temp = reference_hmac(ck, ikm);
    const Bytes o1 = reference_hmac(temp, Bytes{1});
    Bytes m2 = o1;
    m2.push_back(2);
    const Bytes o2 = reference_hmac(temp, m2);
    Bytes m3 = o2;
    m3.push_back(3);
    const Bytes o3 = reference_hmac(temp, m3);

    INFO("iteration " << iter << " ikm length " << len);
    const auto two = hkdf2(ck, ikm);
    REQUIRE(Bytes(two.first.begin(), two.first.end()) == o1);
    REQUIRE(Bytes(two.second.begin(), two.second.end()) == o2);
    const auto three = hkdf3(ck, ikm);
    REQUIRE(Bytes(three[0].begin(), three[0].end()) == o1);
    REQUIRE(Bytes(three[1].begin(), three[1].end()) == o2);
    REQUIRE(Bytes(three[2].begin(), three[2].end()) == o3);
  }
}

TEST_CASE("SymmetricState::split keys c1 and c2 from HKDF(ck, empty) and reuses the handshake context",
          "[noise][split]") {
  SymmetricState ss;
  const Bytes dh(32, 0x42);
  ss.mix_key(dh);
  ss.mix_hash(as_bytes(std::string_view("payload")));
  REQUIRE(ss.has_key());
  const auto keys = hkdf2(ss.chaining_key(), {});
  CipherState want1(keys.first), want2(keys.second);

  auto [c1, c2] = ss.split();
  CHECK_FALSE(ss.has_key());  // its cipher context now belongs to c1
  REQUIRE(c1.has_key());
  REQUIRE(c2.has_key());
  CHECK(c1.nonce() == 0);
  CHECK(c2.nonce() == 0);
  const Bytes msg = hex("000102030405060708090a0b0c0d0e0f");
  for (int i = 0; i < 3; ++i) {
    Bytes a, b, c, d;
    REQUIRE_OK(c1.encrypt_with_ad({}, msg, a));
    REQUIRE_OK(want1.encrypt_with_ad({}, msg, b));
    REQUIRE_OK(c2.encrypt_with_ad({}, msg, c));
    REQUIRE_OK(want2.encrypt_with_ad({}, msg, d));
    CHECK(a == b);
    CHECK(c == d);
    CHECK(a != c);
  }
}
