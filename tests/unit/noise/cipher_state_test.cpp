#include "lp2p/codec/noise/cipher_state.hpp"
#include "lp2p/codec/noise/symmetric_state.hpp"

#include "test_util.hpp"

#include <random>

using namespace lp2p;
using namespace lp2p::noise;
using noise_test::hex;

namespace {
Key test_key(std::uint8_t seed) {
  Key k;
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(seed + i);
  return k;
}
}  // namespace

TEST_CASE("noise CipherState without a key passes data through", "[noise][cipher]") {
  CipherState cs;
  CHECK_FALSE(cs.has_key());
  Bytes out;
  NOISE_OK(cs.encrypt_with_ad(as_bytes("ad"), as_bytes("plain"), out));
  CHECK(as_string_view(out) == "plain");
  CHECK(cs.nonce() == 0);
  Bytes back;
  NOISE_OK(cs.decrypt_with_ad(as_bytes("ad"), out, back));
  CHECK(as_string_view(back) == "plain");
}

TEST_CASE("noise CipherState round-trips and counts nonces", "[noise][cipher]") {
  CipherState a(test_key(1)), b(test_key(1));
  for (std::uint64_t i = 0; i < 5; ++i) {
    Bytes ct, pt;
    NOISE_OK(a.encrypt_with_ad(as_bytes("ad"), as_bytes("hello"), ct));
    CHECK(ct.size() == 5 + tag_size);
    NOISE_OK(b.decrypt_with_ad(as_bytes("ad"), ct, pt));
    CHECK(as_string_view(pt) == "hello");
    CHECK(a.nonce() == i + 1);
    CHECK(b.nonce() == i + 1);
  }
}

TEST_CASE("noise CipherState nonce is 4 zero bytes then the little-endian counter", "[noise][cipher]") {
  // Two ciphers with the same key: one at nonce 0x0102 must match the other stepped 0x0102 times,
  // and differ from a big-endian interpretation (nonce 0x0201).
  CipherState jumped(test_key(7)), stepped(test_key(7)), other(test_key(7));
  jumped.set_nonce(0x0102);
  other.set_nonce(0x0201);
  Bytes scratch;
  for (int i = 0; i < 0x0102; ++i) {
    scratch.clear();
    NOISE_OK(stepped.encrypt_with_ad({}, {}, scratch));
  }
  Bytes x, y, z;
  NOISE_OK(jumped.encrypt_with_ad({}, as_bytes("abc"), x));
  NOISE_OK(stepped.encrypt_with_ad({}, as_bytes("abc"), y));
  NOISE_OK(other.encrypt_with_ad({}, as_bytes("abc"), z));
  CHECK(x == y);
  CHECK(x != z);
}

TEST_CASE("noise CipherState rejects tampering, wrong AD and wrong key", "[noise][cipher]") {
  CipherState a(test_key(1));
  Bytes ct;
  NOISE_OK(a.encrypt_with_ad(as_bytes("ad"), as_bytes("secret message"), ct));
  for (std::size_t pos = 0; pos < ct.size(); ++pos) {
    INFO("byte " << pos);
    CipherState b(test_key(1));
    Bytes bad = ct, pt;
    bad[pos] ^= 0x10;
    NOISE_ERR(b.decrypt_with_ad(as_bytes("ad"), bad, pt), error::decrypt_failed);
    CHECK(pt.empty());
    CHECK(b.nonce() == 0);  // a failed decryption does not consume the nonce
    NOISE_OK(b.decrypt_with_ad(as_bytes("ad"), ct, pt));
  }
  CipherState wrong_ad(test_key(1)), wrong_key(test_key(2));
  Bytes pt;
  NOISE_ERR(wrong_ad.decrypt_with_ad(as_bytes("AD"), ct, pt), error::decrypt_failed);
  NOISE_ERR(wrong_key.decrypt_with_ad(as_bytes("ad"), ct, pt), error::decrypt_failed);
  CHECK(error_code(error::decrypt_failed) == condition::protocol_violation);
}

TEST_CASE("noise CipherState size limits", "[noise][cipher][limit]") {
  CipherState a(test_key(3)), b(test_key(3));
  Bytes ct, pt;
  NOISE_ERR(a.encrypt_with_ad({}, Bytes(max_plaintext_size + 1, 0), ct), error::frame_too_large);
  NOISE_OK(a.encrypt_with_ad({}, Bytes(max_plaintext_size, 0xab), ct));
  CHECK(ct.size() == max_message_size);
  NOISE_OK(b.decrypt_with_ad({}, ct, pt));
  CHECK(pt == Bytes(max_plaintext_size, 0xab));
  ct.push_back(0);
  NOISE_ERR(b.decrypt_with_ad({}, ct, pt), error::frame_too_large);
  NOISE_ERR(b.decrypt_with_ad({}, Bytes(tag_size - 1, 0), pt), error::frame_too_short);
}

TEST_CASE("noise CipherState encrypts and decrypts in place", "[noise][cipher]") {
  CipherState a(test_key(4)), b(test_key(4));
  Bytes buf(100 + tag_size);
  for (std::size_t i = 0; i < 100; ++i) buf[i] = static_cast<std::uint8_t>(i);
  const Bytes original(buf.begin(), buf.begin() + 100);
  auto n = a.encrypt_into({}, BytesView(buf).first(100), buf);
  REQUIRE_OK(n);
  CHECK(*n == buf.size());
  auto m = b.decrypt_into({}, buf, buf);
  REQUIRE_OK(m);
  CHECK(*m == 100);
  CHECK(Bytes(buf.begin(), buf.begin() + 100) == original);
}

TEST_CASE("noise CipherState refuses the reserved nonce 2^64-1", "[noise][cipher][limit]") {
  CipherState a(test_key(5)), b(test_key(5));
  a.set_nonce(CipherState::max_nonce - 1);
  b.set_nonce(CipherState::max_nonce - 1);
  Bytes ct, pt;
  NOISE_OK(a.encrypt_with_ad({}, as_bytes("last"), ct));  // nonce 2^64-2 is the last usable one
  NOISE_OK(b.decrypt_with_ad({}, ct, pt));
  CHECK(as_string_view(pt) == "last");
  CHECK(a.nonce() == CipherState::max_nonce);
  Bytes more;
  NOISE_ERR(a.encrypt_with_ad({}, as_bytes("x"), more), error::nonce_exhausted);
  CHECK(more.empty());
  NOISE_ERR(b.decrypt_with_ad({}, ct, pt), error::nonce_exhausted);
  CHECK(error_code(error::nonce_exhausted) == condition::resource_limit);
}

TEST_CASE("noise CipherState moves keep key and nonce", "[noise][cipher]") {
  CipherState a(test_key(6)), b(test_key(6));
  Bytes ct;
  NOISE_OK(a.encrypt_with_ad({}, as_bytes("one"), ct));
  CipherState moved(std::move(a));
  CHECK(moved.nonce() == 1);
  CipherState assigned;
  assigned = std::move(moved);
  Bytes ct2, pt;
  NOISE_OK(assigned.encrypt_with_ad({}, as_bytes("two"), ct2));
  NOISE_OK(b.decrypt_with_ad({}, ct, pt));
  NOISE_OK(b.decrypt_with_ad({}, ct2, pt));
  CHECK(as_string_view(pt) == "onetwo");
}

TEST_CASE("noise HKDF matches RFC 5869-style HMAC chaining", "[noise][symmetric]") {
  // Noise HKDF(ck, ikm) equals RFC 5869 HKDF-SHA256 with salt=ck, info="" (RFC 5869 test case 3 uses
  // salt="" and info=""; with Noise's ck=zeros(32), HMAC with a zero-padded empty key is identical).
  // RFC 5869 A.3: IKM = 0x0b * 22, salt = "", info = "", OKM (42 bytes) =
  const Bytes okm = hex(
      "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
  Hash zero{};
  auto [o1, o2] = hkdf2(zero, Bytes(22, 0x0b));
  CHECK(to_hex(o1) == to_hex(BytesView(okm).first(32)));
  CHECK(to_hex(BytesView(o2).first(10)) == to_hex(BytesView(okm).subspan(32, 10)));
  auto three = hkdf3(zero, Bytes(22, 0x0b));
  CHECK(three[0] == o1);
  CHECK(three[1] == o2);
}

TEST_CASE("noise SymmetricState initial hash is the padded or hashed protocol name", "[noise][symmetric]") {
  SymmetricState ss(protocol_name);
  Bytes expected(protocol_name.begin(), protocol_name.end());
  expected.resize(hash_size, 0);
  CHECK(to_hex(ss.handshake_hash()) == to_hex(expected));
  CHECK(ss.chaining_key() == ss.handshake_hash());
  const std::string long_name = "Noise_XXfallback+psk0_25519_ChaChaPoly_SHA256";
  SymmetricState ls(long_name);
  CHECK(ls.handshake_hash() == sha256(as_bytes(long_name)));
  CHECK_FALSE(ss.has_key());
}
