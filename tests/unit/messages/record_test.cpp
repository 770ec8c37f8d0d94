#include "lp2p/codec/record/envelope.hpp"
#include "lp2p/codec/record/peer_record.hpp"
#include "lp2p/codec/record/voucher.hpp"

#include "support/check.hpp"
#include "unit/messages/test_util.hpp"

#include <random>

using namespace lp2p;
using record::Envelope;
using record::PeerRecord;
using record::Voucher;
using lp2p::Keypair;
using lp2p::test::cat;
using lp2p::test::hex;

namespace {
const Bytes relay_id = lp2p::test::ed25519_peer_id(0x11);  // 38 bytes = 0x26
const Bytes peer_id = lp2p::test::ed25519_peer_id(0x22);
const Bytes ed_key = cat({hex("08011220"), Bytes(32, 0x11)});  // PublicKey protobuf, 36 bytes = 0x24
}  // namespace

TEST_CASE("record: constants match go and js", "[codec][record]") {
  CHECK(record::peer_record_domain == "libp2p-peer-record");
  CHECK(Bytes(record::peer_record_payload_type.begin(), record::peer_record_payload_type.end()) == hex("0301"));
  CHECK(record::voucher_domain == "libp2p-relay-rsvp");
  CHECK(Bytes(record::voucher_payload_type.begin(), record::voucher_payload_type.end()) == hex("0302"));
}

TEST_CASE("record: envelope signing buffer (RFC 0002)", "[codec][record]") {
  // uvarint(18) "libp2p-peer-record" uvarint(2) 03 01 uvarint(3) "abc"
  const Bytes buf = record::envelope_signing_buffer(record::peer_record_domain,
                                                    record::peer_record_payload_type, to_bytes("abc"));
  CHECK(to_hex(buf) == to_hex(cat({hex("12"), to_bytes("libp2p-peer-record"), hex("02 0301 03"), to_bytes("abc")})));
  // Empty fields still carry their zero length; a long payload gets a multi-byte length.
  CHECK(record::envelope_signing_buffer("", {}, {}) == hex("00 00 00"));
  const Bytes big(200, 0x55);
  const Bytes b2 = record::envelope_signing_buffer("d", hex("0302"), big);
  CHECK(to_hex(BytesView(b2).first(7)) == "0164020302c801");
  CHECK(b2.size() == 7 + 200);
}

TEST_CASE("record: envelope byte-exact vector", "[codec][record]") {
  // 0a 24 <key> | 12 02 03 01 | 1a 03 "abc" | 2a 40 <64-byte signature>  (signature is field 5)
  const Envelope env{ed_key, hex("0301"), to_bytes("abc"), Bytes(64, 0x5e)};
  const Bytes wire = cat({hex("0a24"), ed_key, hex("1202 0301 1a03"), to_bytes("abc"), hex("2a40"), Bytes(64, 0x5e)});
  CHECK(to_hex(record::encode(env)) == to_hex(wire));
  auto dec = record::decode_envelope(wire);
  REQUIRE_OK(dec);
  CHECK(*dec == env);
  // proto3: empty fields are omitted; the RFC's field 4 is not the signature (unknown, skipped).
  CHECK(record::encode(Envelope{ed_key, {}, {}, {}}) == cat({hex("0a24"), ed_key}));
  auto with4 = record::decode_envelope(cat({hex("0a24"), ed_key, hex("2201 00")}));
  REQUIRE_OK(with4);
  CHECK(with4->signature.empty());
}

TEST_CASE("record: peer record byte-exact vector", "[codec][record]") {
  // 0a 26 <peer id> | 10 <seq> | 1a 0a (0a 08 <addr>) per address
  const Bytes addr = hex("047f000001060fa1");
  const PeerRecord rec{peer_id, 1700000000, {addr, addr}};
  const Bytes wire = cat({hex("0a26"), peer_id, hex("10 80e2cfaa06"), hex("1a0a 0a08"), addr, hex("1a0a 0a08"), addr});
  CHECK(to_hex(record::encode(rec)) == to_hex(wire));
  auto dec = record::decode_peer_record(wire);
  REQUIRE_OK(dec);
  CHECK(*dec == rec);
  // seq 0 and no addresses: only the peer id (proto3 implicit presence, as go writes it).
  CHECK(record::encode(PeerRecord{peer_id, 0, {}}) == cat({hex("0a26"), peer_id}));
}

TEST_CASE("record: voucher byte-exact vector, canonical even when zero", "[codec][record]") {
  const Voucher v{relay_id, peer_id, 1700000000};
  const Bytes wire = cat({hex("0a26"), relay_id, hex("1226"), peer_id, hex("18 80e2cfaa06")});
  CHECK(to_hex(record::encode(v)) == to_hex(wire));
  auto dec = record::decode_voucher(wire);
  REQUIRE_OK(dec);
  CHECK(*dec == v);
  CHECK(record::encode(Voucher{relay_id, peer_id, 0}) == cat({hex("0a26"), relay_id, hex("1226"), peer_id, hex("1800")}));
}

TEST_CASE("record: one rejection per structural record::error enumerator", "[codec][record][errors]") {
  SECTION("missing_public_key") {
    REQUIRE_ERR(record::decode_envelope(hex("1202 0301")), record::error::missing_public_key);
    REQUIRE_ERR(record::decode_envelope({}), record::error::missing_public_key);
  }
  SECTION("invalid_peer_id") {
    REQUIRE_ERR(record::decode_peer_record(hex("1001")), record::error::invalid_peer_id);  // no peer id
    REQUIRE_ERR(record::decode_peer_record(hex("0a02 0000")), record::error::invalid_peer_id);  // empty identity
    REQUIRE_ERR(record::decode_voucher(cat({hex("0a26"), relay_id, hex("1202 ffff 1801")})),
                record::error::invalid_peer_id);
    REQUIRE_ERR(record::decode_voucher(cat({hex("1226"), peer_id, hex("1801")})), record::error::invalid_peer_id);
  }
  SECTION("voucher_without_expiration") {
    REQUIRE_ERR(record::decode_voucher(cat({hex("0a26"), relay_id, hex("1226"), peer_id})),
                record::error::voucher_without_expiration);
  }
  SECTION("malformed protobuf") {
    REQUIRE_ERR(record::decode_envelope(hex("0a05 00")), codec::error::malformed_protobuf);
    REQUIRE_ERR(record::decode_peer_record(hex("1a02 0a05")), codec::error::malformed_protobuf);
    REQUIRE_ERR(record::decode_voucher(hex("18")), codec::error::malformed_protobuf);
  }
}

TEST_CASE("record: random envelopes, records and vouchers round-trip", "[codec][record][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int i = 0; i < 300; ++i) {
    Envelope env{ed_key, lp2p::test::random_bytes(rng, 8), lp2p::test::random_bytes(rng, 300),
                 lp2p::test::random_bytes(rng, 80)};
    auto e = record::decode_envelope(record::encode(env));
    REQUIRE_OK(e);
    REQUIRE(*e == env);

    PeerRecord rec{lp2p::test::ed25519_peer_id(static_cast<std::uint8_t>(rng())),
                   (std::uint64_t{rng()} << 32) | rng(), {}};
    for (int k = rng() % 4; k > 0; --k) rec.addrs.push_back(lp2p::test::random_bytes(rng, 30));
    auto r = record::decode_peer_record(record::encode(rec));
    REQUIRE_OK(r);
    REQUIRE(*r == rec);

    Voucher v{relay_id, lp2p::test::ed25519_peer_id(static_cast<std::uint8_t>(rng())),
              (std::uint64_t{rng()} << 32) | rng()};
    auto d = record::decode_voucher(record::encode(v));
    REQUIRE_OK(d);
    REQUIRE(*d == v);
  }
}

// ---- signing: seal / open (needs lp2p::crypto) ---------------------------------------------------------
namespace {
// Computed independently of lp2p (Python `cryptography` Ed25519 + a hand-written protobuf encoder) for the
// key of rust's `--secret-key-seed 0` (12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN):
// a peer record {peer_id = seed-0 id, seq = 1700000000, addrs = [/ip4/127.0.0.1/tcp/4001]} sealed with
// domain "libp2p-peer-record" and type 03 01. Ed25519 is deterministic, so the bytes must match exactly.
const char* const seed0_peer_record_envelope =
    "0a24080112203b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29120203011a3a0a2600240801"
    "12203b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da291080e2cfaa061a0a0a08047f00000106"
    "0fa12a4051e1f28f1c75ad09aacb809bac5c75dfbdf9bc93fc3bb2b0ffc500a88775ddc63523c6f26835bcb4f0ba1a4b35c6"
    "1fd31b7d4ffcd609e86a8144dd3ba1006806";
// The voucher {relay = seed-0 id, peer = seed-1 id, expiration = 1700003600} signed by seed 0 with domain
// "libp2p-relay-rsvp" and type 03 02, computed the same way.
const char* const seed0_voucher_envelope =
    "0a24080112203b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29120203021a560a2600240801"
    "12203b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da291226002408011220cecc1507dc1ddd72"
    "95951c290888f095adb9044d1b73d696e6df065d683bd4fc1890fecfaa062a408ebc35916eb914fb317a8d62abf1cb5360fe"
    "8893e55dc6e0dcbfb39159f6fcedad20aa70b20cd3406d43297e543992c23e8d393937ae73ef28c5bc9eed70410b";
}  // namespace

TEST_CASE("record: seal matches an independently computed peer record envelope", "[codec][record][crypto]") {
  const Keypair key = Keypair::from_secret_key_seed(0);
  const PeerRecord rec{key.public_key().peer_id().bytes(), 1700000000, {hex("047f000001060fa1")}};
  const Envelope env = record::seal_peer_record(key, rec);
  CHECK(to_hex(record::encode(env)) == seed0_peer_record_envelope);
  auto opened = record::open_peer_record(hex(seed0_peer_record_envelope));
  REQUIRE_OK(opened);
  CHECK(*opened == rec);
  auto signer = record::open(env, record::peer_record_domain, record::peer_record_payload_type);
  REQUIRE_OK(signer);
  CHECK(signer->peer_id().to_base58() == "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN");
}

TEST_CASE("record: seal matches an independently computed voucher envelope", "[codec][record][crypto]") {
  const Keypair relay = Keypair::from_secret_key_seed(0);
  const Keypair peer = Keypair::from_secret_key_seed(1);
  const Voucher v{relay.public_key().peer_id().bytes(), peer.public_key().peer_id().bytes(), 1700003600};
  CHECK(to_hex(record::encode(record::seal_voucher(relay, v))) == seed0_voucher_envelope);
  auto opened = record::open_voucher(hex(seed0_voucher_envelope));
  REQUIRE_OK(opened);
  CHECK(*opened == v);
}

TEST_CASE("record: seal/open round trip with every key type", "[codec][record][crypto]") {
  const Keypair keys[] = {Keypair::generate_ed25519(), Keypair::generate_secp256k1(), Keypair::generate_ecdsa_p256()};
  for (const auto& key : keys) {
    INFO("key type " << to_string(key.type()));
    auto env = record::seal(key, "lp2p-test", hex("0399"), to_bytes("payload"));
    REQUIRE_OK(env);
    auto decoded = record::decode_envelope(record::encode(*env));
    REQUIRE_OK(decoded);
    auto signer = record::open(*decoded, "lp2p-test", hex("0399"));
    REQUIRE_OK(signer);
    CHECK(*signer == key.public_key());
    const PeerRecord rec{key.public_key().peer_id().bytes(), 7, {}};
    auto r = record::open_peer_record(record::seal_peer_record(key, rec));
    REQUIRE_OK(r);
    CHECK(*r == rec);
  }
}

TEST_CASE("record: one rejection per signing record::error enumerator", "[codec][record][crypto][errors]") {
  const Keypair key = Keypair::from_secret_key_seed(0);
  const Keypair other = Keypair::from_secret_key_seed(1);
  auto env = record::seal(key, record::peer_record_domain, record::peer_record_payload_type, to_bytes("x"));
  REQUIRE_OK(env);

  SECTION("empty_domain") {
    REQUIRE_ERR(record::seal(key, "", hex("0301"), {}), record::error::empty_domain);
    REQUIRE_ERR(record::seal(key, "", hex("0301"), {}), condition::misuse);
    REQUIRE_ERR(record::open(*env, "", record::peer_record_payload_type), record::error::empty_domain);
  }
  SECTION("payload_type_mismatch") {
    REQUIRE_ERR(record::open(*env, record::peer_record_domain, record::voucher_payload_type),
                record::error::payload_type_mismatch);
    REQUIRE_ERR(record::open_voucher(record::encode(*env)), record::error::payload_type_mismatch);
  }
  SECTION("invalid_signature") {
    // Another domain, a changed payload, a changed type, another key, a flipped signature bit.
    REQUIRE_ERR(record::open(*env, record::voucher_domain, record::peer_record_payload_type),
                record::error::invalid_signature);
    Envelope e = *env;
    e.payload.push_back(0);
    REQUIRE_ERR(record::open(e, record::peer_record_domain, record::peer_record_payload_type),
                record::error::invalid_signature);
    e = *env;
    e.public_key = other.public_key().encode_protobuf();
    REQUIRE_ERR(record::open(e, record::peer_record_domain, record::peer_record_payload_type),
                record::error::invalid_signature);
    e = *env;
    e.signature[10] ^= 1;
    REQUIRE_ERR(record::open(e, record::peer_record_domain, record::peer_record_payload_type),
                record::error::invalid_signature);
    e.signature.clear();
    REQUIRE_ERR(record::open(e, record::peer_record_domain, record::peer_record_payload_type),
                record::error::invalid_signature);
  }
  SECTION("peer_id_mismatch") {
    // A validly signed record that claims to be another peer's.
    const PeerRecord rec{other.public_key().peer_id().bytes(), 1, {}};
    REQUIRE_ERR(record::open_peer_record(record::seal_peer_record(key, rec)), record::error::peer_id_mismatch);
    // A voucher signed by someone other than the relay it names.
    const Voucher v{other.public_key().peer_id().bytes(), key.public_key().peer_id().bytes(), 1};
    REQUIRE_ERR(record::open_voucher(record::encode(record::seal_voucher(key, v))), record::error::peer_id_mismatch);
  }
  SECTION("public key errors come from lp2p::crypto") {
    Envelope e = *env;
    e.public_key = hex("0809 1200");  // key type 9
    auto r = record::open(e, record::peer_record_domain, record::peer_record_payload_type);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().category() == crypto::error_category());
  }
  SECTION("payload errors surface from open_peer_record / open_voucher") {
    auto bad = record::seal(key, record::peer_record_domain, record::peer_record_payload_type, hex("0a05"));
    REQUIRE_OK(bad);
    REQUIRE_ERR(record::open_peer_record(*bad), codec::error::malformed_protobuf);
    REQUIRE_ERR(record::open_peer_record(hex("1202 0301")), record::error::missing_public_key);
  }
}
