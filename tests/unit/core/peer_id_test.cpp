#include "lp2p/core/peer_id.hpp"

#include "lp2p/core/base58.hpp"
#include "lp2p/core/multibase.hpp"
#include "support/check.hpp"

#include <map>
#include <random>
#include <unordered_set>

using namespace lp2p;

namespace {
Bytes hex(std::string_view h) {
  Bytes out;
  REQUIRE(from_hex(h, out));
  return out;
}

// WIRE.md 1.6: secret key seed 1 (rust hole-punching tutorial).
constexpr std::string_view seed1_b58 = "12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYbU1Nft9HyQ6X";
constexpr std::string_view seed1_cid = "bafzaajaiaejcbtwmcud5yho5okkzkhbjbcepbfnnxece2g3t22lonxyglvudxvh4";
constexpr std::string_view seed1_pubkey = "cecc1507dc1ddd7295951c290888f095adb9044d1b73d696e6df065d683bd4fc";
}  // namespace

TEST_CASE("PeerId WIRE.md seed-1 vector", "[core][peer_id]") {
  const Bytes key = hex(std::string("08011220") + std::string(seed1_pubkey));
  const auto id = PeerId::from_encoded_public_key(key);
  CHECK(id.to_base58() == seed1_b58);
  CHECK(id.to_string() == seed1_b58);
  CHECK(id.to_cid() == seed1_cid);
  CHECK(to_hex(id.bytes()) == "0024" + to_hex(key));
  REQUIRE(id.inline_public_key());
  CHECK(Bytes(id.inline_public_key()->begin(), id.inline_public_key()->end()) == key);
  CHECK(id.multihash().code() == Multihash::Code::identity);

  auto a = PeerId::parse(seed1_b58);
  REQUIRE_OK(a);
  CHECK(*a == id);
  auto b = PeerId::parse(seed1_cid);
  REQUIRE_OK(b);
  CHECK(*b == id);
  auto c = PeerId::from_bytes(id.bytes());
  REQUIRE_OK(c);
  CHECK(*c == id);
}

TEST_CASE("PeerId from the libp2p/specs peer-ids key vectors", "[core][peer_id]") {
  // Encoded public keys from specs peer-ids/peer-ids.md "Test vectors"; expected ids computed
  // independently (sha256 / identity + base58btc, CIDv1 base32).
  struct V { std::string_view key_hex; std::string_view b58; std::string_view cid; bool inline_key; };
  const V vectors[] = {
      {"080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e",
       "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq",
       "bafzaajaiaejcahwr5d5ofrfbis4l5d6uwr57hu5tjodrypfm6yaq6dsc2r2pzyt6", true},
      {"08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99",
       "16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY",
       "bafzaajiiaijcca3xo7uzjzcsyilaj6i54cj44qk7kqzpoao5rti2pjx6udtdbp6kte", true},
      {"0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0e8f5d530899d83abab44ab"
       "f3161f162a4bc901d8e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62",
       "QmVMT29id3TUASyfZZ6k9hmNyc2nYabCo4uMSpDw4zrgDk",
       "bafzbeidigywdclqvl5hxfefwp5onbffcfife7pza57mmfb4tiqmtkdjw64", false},
  };
  for (const auto& v : vectors) {
    INFO(v.b58);
    const Bytes key = hex(v.key_hex);
    const auto id = PeerId::from_encoded_public_key(key);
    CHECK(id.to_base58() == v.b58);
    CHECK(id.to_cid() == v.cid);
    CHECK(id.inline_public_key().has_value() == v.inline_key);
    auto p1 = PeerId::parse(v.b58);
    REQUIRE_OK(p1);
    CHECK(*p1 == id);
    auto p2 = PeerId::parse(v.cid);
    REQUIRE_OK(p2);
    CHECK(*p2 == id);
  }
}

TEST_CASE("PeerId spec text examples", "[core][peer_id]") {
  // peer-ids.md "Decoding" examples: the same sha256 id in both text forms.
  auto a = PeerId::parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
  REQUIRE_OK(a);
  auto b = PeerId::parse("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
  REQUIRE_OK(b);
  CHECK(*a == *b);
  CHECK(b->to_base58() == "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
  CHECK(a->to_cid() == "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
  CHECK_FALSE(a->inline_public_key());
  REQUIRE_ERR(a->require_inline_public_key(), core::error::peer_id_no_inline_key);
  CHECK(a->multihash().code() == Multihash::Code::sha2_256);
  auto c = PeerId::parse("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");
  REQUIRE_OK(c);
  REQUIRE_OK(c->require_inline_public_key());
  CHECK(c->require_inline_public_key()->size() == 36);
}

TEST_CASE("PeerId parses CIDs in every supported multibase", "[core][peer_id]") {
  const auto id = PeerId::parse(seed1_b58).value();
  Bytes cid{0x01, 0x72};
  cid.insert(cid.end(), id.bytes().begin(), id.bytes().end());
  for (auto base : {multibase::Base::base16, multibase::Base::base32upper, multibase::Base::base58btc,
                    multibase::Base::base64, multibase::Base::base64url}) {
    const auto text = multibase::encode(base, cid);
    INFO(text);
    auto p = PeerId::parse(text);
    REQUIRE_OK(p);
    CHECK(*p == id);
  }
}

TEST_CASE("PeerId key size threshold is 42 bytes", "[core][peer_id]") {
  const Bytes k42(42, 0xab), k43(43, 0xab);
  const auto a = PeerId::from_encoded_public_key(k42);
  const auto b = PeerId::from_encoded_public_key(k43);
  CHECK(a.multihash().code() == Multihash::Code::identity);
  CHECK(a.bytes().size() == 44);
  CHECK(b.multihash().code() == Multihash::Code::sha2_256);
  CHECK(b.bytes().size() == 34);
  REQUIRE_OK(PeerId::from_bytes(a.bytes()));
  // An identity multihash one byte over the limit is not a PeerId (rust rejects it too).
  Bytes over{0x00, 43};
  over.insert(over.end(), k43.begin(), k43.end());
  REQUIRE_ERR(PeerId::from_bytes(over), core::error::peer_id_invalid);
}

TEST_CASE("PeerId rejects invalid bytes and text", "[core][peer_id]") {
  const auto id = PeerId::parse(seed1_b58).value();
  // Binary.
  REQUIRE_ERR(PeerId::from_bytes(Bytes{}), core::error::multihash_truncated);
  REQUIRE_ERR(PeerId::from_bytes(hex("1220aa")), core::error::multihash_truncated);
  REQUIRE_ERR(PeerId::from_bytes(hex("1201aa")), core::error::multihash_length_mismatch);
  REQUIRE_ERR(PeerId::from_bytes(hex("130400000000")), core::error::peer_id_invalid);  // sha2-512 code
  Bytes trailing = id.bytes();
  trailing.push_back(0);
  REQUIRE_ERR(PeerId::from_bytes(trailing), core::error::multihash_length_mismatch);
  // Text.
  REQUIRE_ERR(PeerId::parse(""), core::error::peer_id_invalid);
  REQUIRE_ERR(PeerId::parse("12D3KooW0"), core::error::base_invalid_character);
  REQUIRE_ERR(PeerId::parse("Qm"), core::error::multihash_truncated);
  REQUIRE_ERR(PeerId::parse("xyz"), core::error::multibase_unsupported);
  REQUIRE_ERR(PeerId::parse("b"), core::error::varint_truncated);
  REQUIRE_ERR(PeerId::parse("bafzaajaiaejcbtwmcud5yho5okkzkhbjbcepbfnnxece2g3t22lonxyglvudxvh"),
              core::error::base_invalid_padding);  // a truncated CID leaves stray bits
  // CID with the wrong version or codec.
  auto with_header = [&](Bytes header) {
    header.insert(header.end(), id.bytes().begin(), id.bytes().end());
    return multibase::encode(multibase::Base::base32, header);
  };
  REQUIRE_ERR(PeerId::parse(with_header({0x02, 0x72})), core::error::peer_id_invalid);
  REQUIRE_ERR(PeerId::parse(with_header({0x01, 0x70})), core::error::peer_id_invalid);  // dag-pb
  REQUIRE_ERR(PeerId::parse(with_header({0x01, 0xf2, 0x00})), core::error::varint_not_minimal);
  REQUIRE_OK(PeerId::parse(with_header({0x01, 0x72})));
  REQUIRE_ERR(PeerId::parse(with_header({0x01, 0x72}) + "a"), core::error::base_invalid_length);
}

TEST_CASE("PeerId ordering, equality and hashing", "[core][peer_id][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::map<PeerId, int> ordered;
  std::unordered_set<PeerId> hashed;
  for (int i = 0; i < 300; ++i) {
    Bytes key(rng() % 80 + 1);
    for (auto& b : key) b = static_cast<std::uint8_t>(rng());
    const auto id = PeerId::from_encoded_public_key(key);
    auto round = PeerId::parse(id.to_base58());
    REQUIRE_OK(round);
    REQUIRE(*round == id);
    auto round_cid = PeerId::parse(id.to_cid());
    REQUIRE_OK(round_cid);
    REQUIRE(*round_cid == id);
    REQUIRE(std::hash<PeerId>{}(*round) == std::hash<PeerId>{}(id));
    REQUIRE_FALSE(*round < id);
    REQUIRE_FALSE(id < *round);
    ordered.emplace(id, i);
    hashed.insert(id);
  }
  CHECK(ordered.size() == hashed.size());
}
