// Encrypter::encrypt_gather_into (the zero-copy send path of NoiseStream::stage_write): the same bytes as
// encrypt_into of the concatenated pieces, whatever the pieces' lengths and wherever frames are cut.
#include "lp2p/codec/noise/transport_framing.hpp"

#include "test_util.hpp"

#include <random>
#include <vector>

using namespace lp2p;
using namespace lp2p::noise;

namespace {
Key key() {
  Key k;
  k.fill(0x5a);
  return k;
}
Bytes random_bytes(std::mt19937& rng, std::size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}
/// Splits `all` at `cuts` (sorted, within bounds) into views.
std::vector<BytesView> split(const Bytes& all, const std::vector<std::size_t>& cuts) {
  std::vector<BytesView> v;
  std::size_t pos = 0;
  for (std::size_t c : cuts) {
    v.push_back(BytesView(all).subspan(pos, c - pos));
    pos = c;
  }
  v.push_back(BytesView(all).subspan(pos));
  return v;
}
/// Encrypts `pieces` gathered and their concatenation in one piece with two fresh encrypters, both twice
/// (so the nonce advances identically), and checks the wire bytes match and decrypt to the plaintext.
void check_same(const std::vector<BytesView>& pieces, std::size_t max_chunk) {
  Bytes plain;
  for (auto p : pieces) plain.insert(plain.end(), p.begin(), p.end());
  Encrypter a{CipherState(key()), max_chunk};
  Encrypter b{CipherState(key()), max_chunk};
  Decrypter d{CipherState(key())};
  for (int round = 0; round < 2; ++round) {
    Bytes want(a.encrypted_size(plain.size()));
    Bytes got(b.encrypted_size(plain.size()) + 7);  // room to spare: the return value says what counts
    auto n1 = a.encrypt_into(plain, want);
    REQUIRE_OK(n1);
    auto n2 = b.encrypt_gather_into(pieces, got);
    REQUIRE_OK(n2);
    REQUIRE(*n2 == *n1);
    got.resize(*n2);
    REQUIRE(got == want);
    d.feed(got);
    Bytes back;
    for (;;) {
      auto f = d.next_plaintext();
      REQUIRE_OK(f);
      if (!*f) break;
      back.insert(back.end(), (*f)->begin(), (*f)->end());
    }
    REQUIRE(back == plain);
  }
}
}  // namespace

TEST_CASE("noise gather encrypt equals encrypt_into of the concatenation", "[noise][framing][gather]") {
  std::mt19937 rng(7);
  const Bytes data = random_bytes(rng, 3 * max_plaintext_size + 100);
  SECTION("one piece") { check_same({BytesView(data)}, max_plaintext_size); }
  SECTION("pieces cut exactly at frame boundaries") {
    check_same(split(data, {max_plaintext_size, 2 * max_plaintext_size, 3 * max_plaintext_size}), max_plaintext_size);
  }
  SECTION("pieces cut one byte around frame boundaries") {
    check_same(split(data, {max_plaintext_size - 1, max_plaintext_size + 1, 2 * max_plaintext_size}),
               max_plaintext_size);
  }
  SECTION("a yamux-like pattern: 12-byte headers between 16 KiB payloads") {
    std::vector<std::size_t> cuts;
    for (std::size_t pos = 0; pos + 12 + 16384 < data.size(); pos += 12 + 16384) {
      cuts.push_back(pos + 12);
      cuts.push_back(pos + 12 + 16384);
    }
    check_same(split(data, cuts), max_plaintext_size);
  }
  SECTION("1-byte pieces over small frames") {
    const Bytes small(data.begin(), data.begin() + 300);
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < small.size(); ++i) cuts.push_back(i);
    check_same(split(small, cuts), 64);
    check_same(split(small, cuts), 1);
  }
  SECTION("empty pieces anywhere, including around frame boundaries and at both ends") {
    const Bytes small(data.begin(), data.begin() + 200);
    check_same(split(small, {0, 0, 50, 50, 64, 64, 64, 128, 200, 200}), 64);
  }
  SECTION("nothing at all: no frame") {
    Encrypter e{CipherState(key())};
    const std::vector<BytesView> none{BytesView{}, BytesView{}};
    Bytes out(4);
    auto n = e.encrypt_gather_into(none, out);
    REQUIRE_OK(n);
    CHECK(*n == 0);
    CHECK(e.cipher().nonce() == 0);
    auto n0 = e.encrypt_gather_into({}, out);
    REQUIRE_OK(n0);
    CHECK(*n0 == 0);
  }
}

TEST_CASE("noise gather encrypt over random piece sequences", "[noise][framing][gather][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int iter = 0; iter < 40; ++iter) {
    const Bytes data = random_bytes(rng, rng() % 200000);
    std::vector<std::size_t> cuts;
    const std::size_t ncuts = rng() % 40;
    for (std::size_t i = 0; i < ncuts; ++i) cuts.push_back(data.empty() ? 0 : rng() % (data.size() + 1));
    std::sort(cuts.begin(), cuts.end());
    const std::size_t max_chunk = rng() % 3 == 0 ? 1 + rng() % 5000 : max_plaintext_size;
    INFO("iteration " << iter << ", " << data.size() << " bytes, " << ncuts << " cuts, frames of " << max_chunk);
    check_same(split(data, cuts), max_chunk);
  }
}

TEST_CASE("noise gather encrypt errors", "[noise][framing][gather]") {
  const Bytes msg(100, 1);
  const std::vector<BytesView> pieces{BytesView(msg).first(40), BytesView(msg).subspan(40)};
  SECTION("output too small") {
    Encrypter e{CipherState(key())};
    Bytes out(e.encrypted_size(msg.size()) - 1);
    NOISE_ERR(e.encrypt_gather_into(pieces, out), error::cipher_failure);
  }
  SECTION("no key") {
    Encrypter e{CipherState()};
    Bytes out(200);
    NOISE_ERR(e.encrypt_gather_into(pieces, out), error::no_key);
  }
  SECTION("reserved nonce, sticky") {
    Encrypter e{CipherState(key())};
    e.cipher().set_nonce(CipherState::max_nonce);
    Bytes out(e.encrypted_size(msg.size()));
    NOISE_ERR(e.encrypt_gather_into(pieces, out), error::nonce_exhausted);
    e.cipher().set_nonce(0);
    NOISE_ERR(e.encrypt_gather_into(pieces, out), error::nonce_exhausted);
    NOISE_ERR(e.encrypt_into(msg, out), error::nonce_exhausted);
  }
}
