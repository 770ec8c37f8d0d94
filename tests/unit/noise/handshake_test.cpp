#include "lp2p/codec/noise/handshake.hpp"

#include "test_util.hpp"

#include <random>

using namespace lp2p;
using namespace lp2p::noise;
using noise_test::complete;
using noise_test::pump;
using noise_test::run;

namespace {

PeerId peer_of(const Keypair& k) { return PeerId::from_encoded_public_key(k.public_key().encode_protobuf()); }

}  // namespace

TEST_CASE("noise identity payload signs and verifies the static key", "[noise][identity]") {
  const auto id = Keypair::generate_ed25519();
  const auto s = X25519Keypair::generate();
  auto p = make_identity_payload(id, s.public_key, {"/yamux/1.0.0"});
  CHECK(p.identity_key == id.public_key().encode_protobuf());
  CHECK(p.stream_muxers == std::vector<std::string>{"/yamux/1.0.0"});
  auto key = verify_identity_payload(p, s.public_key);
  REQUIRE_OK(key);
  CHECK(*key == id.public_key());
  // The signature covers exactly "noise-libp2p-static-key:" || static key.
  CHECK(id.public_key().verify(make_static_key_signature_message(s.public_key), p.identity_sig));
}

TEST_CASE("noise identity payload rejections", "[noise][identity]") {
  const auto id = Keypair::generate_ed25519();
  const auto s = X25519Keypair::generate(), other = X25519Keypair::generate();
  const auto good = make_identity_payload(id, s.public_key);

  SECTION("signature over another static key") {
    NOISE_ERR(verify_identity_payload(good, other.public_key), error::bad_identity_signature);
  }
  SECTION("signature by another identity") {
    auto p = good;
    p.identity_sig = Keypair::generate_ed25519().sign(make_static_key_signature_message(s.public_key));
    NOISE_ERR(verify_identity_payload(p, s.public_key), error::bad_identity_signature);
  }
  SECTION("signature without the prefix") {
    auto p = good;
    p.identity_sig = id.sign(s.public_key);
    NOISE_ERR(verify_identity_payload(p, s.public_key), error::bad_identity_signature);
  }
  SECTION("garbage signature") {
    auto p = good;
    p.identity_sig = {1, 2, 3};
    NOISE_ERR(verify_identity_payload(p, s.public_key), error::bad_identity_signature);
  }
  SECTION("missing key") {
    auto p = good;
    p.identity_key.clear();
    NOISE_ERR(verify_identity_payload(p, s.public_key), error::missing_identity_key);
  }
  SECTION("missing signature") {
    auto p = good;
    p.identity_sig.clear();
    NOISE_ERR(verify_identity_payload(p, s.public_key), error::missing_identity_signature);
  }
  SECTION("undecodable key") {
    auto p = good;
    p.identity_key = {0x08, 0x01, 0x12, 0x03, 1, 2, 3};  // Ed25519 with a 3-byte key
    NOISE_ERR(verify_identity_payload(p, s.public_key), error::invalid_identity_key);
    p.identity_key = {0xff};
    NOISE_ERR(verify_identity_payload(p, s.public_key), error::invalid_identity_key);
  }
  SECTION("unknown key type") {
    auto p = good;
    p.identity_key = {0x08, 0x09, 0x12, 0x01, 0x00};
    NOISE_ERR(verify_identity_payload(p, s.public_key), error::unsupported_identity_key);
    CHECK(error_code(error::unsupported_identity_key) == condition::unsupported_protocol);
  }
}

TEST_CASE("noise libp2p handshake in memory (Ed25519 and Secp256k1 identities)", "[noise][handshake]") {
  const bool secp = GENERATE(false, true);
  const auto init_id = secp ? Keypair::generate_secp256k1() : Keypair::generate_ed25519();
  const auto resp_id = Keypair::generate_ed25519();
  HandshakeConfig icfg;
  icfg.expected_peer = peer_of(resp_id);
  icfg.stream_muxers = {"/yamux/1.0.0"};
  HandshakeConfig rcfg;
  rcfg.stream_muxers = {"/mplex/6.7.0", "/yamux/1.0.0"};
  Handshake init(Role::initiator, init_id, icfg);
  Handshake resp(Role::responder, resp_id, rcfg);
  CHECK(resp.take_output().empty());  // the responder waits for message 1
  CHECK(resp.bytes_needed() == 2);
  // message 1 on the wire: 00 20 || e
  auto m1 = init.take_output();
  REQUIRE(m1.size() == 2 + 32);
  CHECK(m1[0] == 0x00);
  CHECK(m1[1] == 0x20);
  NOISE_OK(resp.on_bytes(m1));
  NOISE_OK(pump(resp, init));
  REQUIRE(init.remote_peer());
  CHECK(*init.remote_peer() == peer_of(resp_id));
  CHECK(init.finished());
  NOISE_OK(pump(init, resp));
  REQUIRE(resp.finished());

  auto a = init.finish();
  auto b = resp.finish();
  REQUIRE_OK(a);
  REQUIRE_OK(b);
  CHECK(a->remote_peer == peer_of(resp_id));
  CHECK(b->remote_peer == peer_of(init_id));
  CHECK(b->remote_key == init_id.public_key());
  CHECK(a->muxer == std::optional<std::string>("/yamux/1.0.0"));
  CHECK(b->muxer == a->muxer);
  CHECK(a->remote_stream_muxers == rcfg.stream_muxers);
  CHECK(a->handshake_hash == b->handshake_hash);

  auto wire = a->encrypter.encrypt(as_bytes("hello responder"));
  REQUIRE_OK(wire);
  b->decrypter.feed(*wire);
  auto got = b->decrypter.next_plaintext();
  REQUIRE_OK(got);
  REQUIRE(*got);
  CHECK(as_string_view(**got) == "hello responder");
  wire = b->encrypter.encrypt(as_bytes("hello initiator"));
  REQUIRE_OK(wire);
  a->decrypter.feed(*wire);
  got = a->decrypter.next_plaintext();
  REQUIRE_OK(got);
  REQUIRE(*got);
  CHECK(as_string_view(**got) == "hello initiator");

  NOISE_ERR(init.finish(), error::already_split);
}

TEST_CASE("noise libp2p handshake byte at a time, with transport data behind message 3", "[noise][handshake]") {
  const auto chunk = GENERATE(std::size_t{1}, std::size_t{7}, std::size_t{33}, std::size_t{100000});
  Handshake init(Role::initiator, Keypair::generate_ed25519());
  Handshake resp(Role::responder, Keypair::generate_ed25519());
  NOISE_OK(pump(init, resp, chunk));
  NOISE_OK(pump(resp, init, chunk));
  REQUIRE(init.finished());
  // The initiator may send application data in the same write as message 3.
  auto a = init.finish();
  REQUIRE_OK(a);
  Bytes burst = init.take_output();
  NOISE_OK(a->encrypter.encrypt(as_bytes("early data"), burst));
  for (std::size_t pos = 0; pos < burst.size(); pos += chunk)
    NOISE_OK(resp.on_bytes(BytesView(burst).subspan(pos, std::min(chunk, burst.size() - pos))));
  REQUIRE(resp.finished());
  CHECK(resp.bytes_needed() == 0);
  auto b = resp.finish();
  REQUIRE_OK(b);
  auto got = b->decrypter.next_plaintext();
  REQUIRE_OK(got);
  REQUIRE(*got);
  CHECK(as_string_view(**got) == "early data");
  CHECK_FALSE(a->muxer);  // nobody advertised muxers
}

namespace {
/// Feeds `bytes` to `to` through prepare()/commit() in chunks of `chunk`, each read offered a larger
/// area than it fills (as a socket read does), like the connection upgrade reads.
result<void> feed_in_place(Handshake& to, BytesView bytes, std::size_t chunk) {
  for (std::size_t pos = 0; pos < bytes.size(); pos += chunk) {
    const std::size_t n = std::min(chunk, bytes.size() - pos);
    auto area = to.prepare(n + 17);
    REQUIRE(area.size() == n + 17);
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(pos), n, area.begin());
    if (auto r = to.commit(n); !r) return r;
  }
  return {};
}
}  // namespace

TEST_CASE("noise libp2p handshake read in place (prepare/commit), transport data behind message 3", "[noise][handshake]") {
  const auto chunk = GENERATE(std::size_t{1}, std::size_t{7}, std::size_t{33}, std::size_t{100000});
  INFO("chunk " << chunk);
  Handshake init(Role::initiator, Keypair::generate_ed25519());
  Handshake resp(Role::responder, Keypair::generate_ed25519());
  NOISE_OK(feed_in_place(resp, init.take_output(), chunk));
  NOISE_OK(feed_in_place(init, resp.take_output(), chunk));
  REQUIRE(init.finished());
  auto a = init.finish();
  REQUIRE_OK(a);
  Bytes burst = init.take_output();
  NOISE_OK(a->encrypter.encrypt(as_bytes("early data"), burst));
  NOISE_OK(a->encrypter.encrypt(as_bytes("and more"), burst));
  NOISE_OK(feed_in_place(resp, burst, chunk));
  REQUIRE(resp.finished());
  CHECK(resp.bytes_needed() == 0);
  CHECK(resp.buffered() > 0);  // the transport frames wait for the Decrypter
  auto b = resp.finish();
  REQUIRE_OK(b);
  CHECK(b->handshake_hash == a->handshake_hash);
  // The handshake's buffer, with both frames in it, became the Decrypter's.
  auto got = b->decrypter.next_plaintext();
  REQUIRE_OK(got);
  REQUIRE(*got);
  CHECK(as_string_view(**got) == "early data");
  got = b->decrypter.next_plaintext();
  REQUIRE_OK(got);
  REQUIRE(*got);
  CHECK(as_string_view(**got) == "and more");
  got = b->decrypter.next_plaintext();
  REQUIRE_OK(got);
  CHECK_FALSE(*got);
  CHECK(b->decrypter.buffered() == 0);
  // And it keeps working for frames that arrive later.
  Bytes later;
  NOISE_OK(a->encrypter.encrypt(as_bytes("later"), later));
  b->decrypter.feed(later);
  got = b->decrypter.next_plaintext();
  REQUIRE_OK(got);
  REQUIRE(*got);
  CHECK(as_string_view(**got) == "later");
}

TEST_CASE("noise libp2p handshake read in place rejects a tampered message 3, and stays failed", "[noise][handshake]") {
  Handshake init(Role::initiator, Keypair::generate_ed25519());
  Handshake resp(Role::responder, Keypair::generate_ed25519());
  NOISE_OK(feed_in_place(resp, init.take_output(), 1000));
  NOISE_OK(feed_in_place(init, resp.take_output(), 1000));
  Bytes m3 = init.take_output();
  m3[m3.size() / 2] ^= 0x20;
  NOISE_ERR(feed_in_place(resp, m3, 1000), error::decrypt_failed);
  CHECK_FALSE(resp.finished());
  // Sticky: a later commit reports the same error.
  (void)resp.prepare(4);
  NOISE_ERR(resp.commit(0), error::decrypt_failed);
  CHECK(resp.finish().error() == error::handshake_failed);
}

TEST_CASE("noise libp2p handshake rejects a peer id mismatch before message 3", "[noise][handshake]") {
  const auto resp_id = Keypair::generate_ed25519();
  const auto wrong = peer_of(Keypair::generate_ed25519());
  HandshakeConfig cfg;
  cfg.expected_peer = wrong;
  Handshake init(Role::initiator, Keypair::generate_ed25519(), cfg);
  Handshake resp(Role::responder, resp_id);
  NOISE_OK(pump(init, resp));
  NOISE_ERR(pump(resp, init), error::peer_id_mismatch);
  CHECK(init.take_output().empty());  // message 3 was not sent
  REQUIRE(init.remote_peer());
  CHECK(*init.remote_peer() == peer_of(resp_id));  // what we got, for the caller's report
  NOISE_ERR(init.on_bytes(Bytes{0}), error::peer_id_mismatch);  // sticky
  NOISE_ERR(init.finish(), error::handshake_failed);
}

TEST_CASE("noise libp2p handshake rejects a payload in message 1", "[noise][handshake]") {
  HandshakeXX raw(Role::initiator, X25519Keypair::generate());
  Bytes wire;
  NOISE_OK(append_frame(raw.write_message(as_bytes("x")).value(), wire));
  Handshake resp(Role::responder, Keypair::generate_ed25519());
  NOISE_ERR(resp.on_bytes(wire), error::unexpected_payload_in_message1);
  CHECK(resp.take_output().empty());
}

TEST_CASE("noise libp2p handshake rejects a bad static-key signature", "[noise][handshake]") {
  // A responder whose payload signs a different static key than the one it uses in the handshake.
  const auto resp_id = Keypair::generate_ed25519();
  const auto resp_static = X25519Keypair::generate();
  HandshakeXX raw(Role::responder, resp_static);
  Handshake init(Role::initiator, Keypair::generate_ed25519());
  auto m1 = init.take_output();
  NOISE_OK(raw.read_message(BytesView(m1).subspan(2)));
  auto payload = encode_payload(make_identity_payload(resp_id, X25519Keypair::generate().public_key));
  Bytes wire;
  NOISE_OK(append_frame(raw.write_message(payload).value(), wire));
  NOISE_ERR(init.on_bytes(wire), error::bad_identity_signature);
  CHECK(init.take_output().empty());
}

TEST_CASE("noise libp2p handshake rejects malformed and key-less payloads", "[noise][handshake]") {
  const auto check = [](const Bytes& payload, error expected) {
    HandshakeXX raw(Role::responder, X25519Keypair::generate());
    Handshake init(Role::initiator, Keypair::generate_ed25519());
    auto m1 = init.take_output();
    NOISE_OK(raw.read_message(BytesView(m1).subspan(2)));
    Bytes wire;
    NOISE_OK(append_frame(raw.write_message(payload).value(), wire));
    NOISE_ERR(init.on_bytes(wire), expected);
  };
  check(Bytes{0x0a, 0x09}, error::malformed_payload);
  check(Bytes{}, error::missing_identity_key);
}

TEST_CASE("noise libp2p handshake rejects a tampered message 3", "[noise][handshake]") {
  Handshake init(Role::initiator, Keypair::generate_ed25519());
  Handshake resp(Role::responder, Keypair::generate_ed25519());
  NOISE_OK(pump(init, resp));
  NOISE_OK(pump(resp, init));
  Bytes m3 = init.take_output();
  m3[m3.size() / 2] ^= 0x20;
  NOISE_ERR(resp.on_bytes(m3), error::decrypt_failed);
  CHECK_FALSE(resp.finished());
  CHECK_FALSE(resp.remote_peer());
}

TEST_CASE("noise libp2p handshakes succeed for random chunkings", "[noise][handshake][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int iter = 0; iter < 20; ++iter) {
    Handshake init(Role::initiator, Keypair::generate_ed25519());
    Handshake resp(Role::responder, Keypair::generate_ed25519());
    auto both = complete(init, resp, 1 + rng() % 200);
    CHECK(both.initiator.handshake_hash == both.responder.handshake_hash);
  }
}

TEST_CASE("noise signed static key caches the encoded payload of muxer-less handshakes", "[noise][handshake][static]") {
  const auto id = Keypair::generate_ed25519();
  const auto fixed = X25519Keypair::generate();
  const auto local = SignedStaticKey::sign(id, fixed);
  // The cached bytes are exactly what a fresh encode of the same fields gives.
  HandshakePayload p;
  p.identity_key = local->identity_key;
  p.identity_sig = local->identity_sig;
  CHECK(local->encoded_payload == encode_payload(p));
  CHECK(local->encoded_payload == encode_payload(make_identity_payload(id, fixed.public_key)));
  auto back = decode_payload(local->encoded_payload);
  REQUIRE_OK(back);
  CHECK(back->identity_key == local->identity_key);
  CHECK(back->identity_sig == local->identity_sig);
  CHECK(back->stream_muxers.empty());

  // Same keys on both sides give the same wire bytes with the cached payload (no muxers) as with a key
  // built field by field, which has no cache and encodes per handshake.
  const auto resp_id = Keypair::generate_ed25519();
  const auto resp_fixed = X25519Keypair::generate();
  const auto e_init = X25519Keypair::generate(), e_resp = X25519Keypair::generate();
  auto uncached = std::make_shared<SignedStaticKey>();
  uncached->key = fixed;
  uncached->identity_key = local->identity_key;
  uncached->identity_sig = local->identity_sig;
  REQUIRE(uncached->encoded_payload.empty());
  std::vector<Bytes> wires;
  for (const auto& mine : {local, std::shared_ptr<const SignedStaticKey>(uncached)}) {
    Handshake init(Role::initiator, mine, {}, e_init);
    Handshake resp(Role::responder, SignedStaticKey::sign(resp_id, resp_fixed), {}, e_resp);
    Bytes wire = init.take_output();
    NOISE_OK(resp.on_bytes(wire));
    const auto m2 = resp.take_output();
    NOISE_OK(init.on_bytes(m2));
    const auto m3 = init.take_output();
    wire.insert(wire.end(), m3.begin(), m3.end());
    NOISE_OK(resp.on_bytes(m3));
    CHECK(init.finished());
    CHECK(resp.finished());
    wires.push_back(std::move(wire));
  }
  CHECK(wires[0] == wires[1]);

  // With muxers advertised the payload is encoded per handshake and carries them.
  HandshakeConfig cfg;
  cfg.stream_muxers = {"/yamux/1.0.0"};
  Handshake init(Role::initiator, local, cfg);
  Handshake resp(Role::responder, resp_id, cfg);
  const auto both = complete(init, resp);
  CHECK(both.responder.remote_stream_muxers == std::vector<std::string>{"/yamux/1.0.0"});
  CHECK(both.responder.muxer == std::optional<std::string>("/yamux/1.0.0"));
}

TEST_CASE("noise signed static key is made once and shared by many handshakes", "[noise][handshake][static]") {
  const auto init_id = Keypair::generate_ed25519();
  const auto resp_id = Keypair::generate_ed25519();
  const auto local = SignedStaticKey::generate(init_id);
  REQUIRE(local);
  CHECK(local->identity_key == init_id.public_key().encode_protobuf());
  // The stored signature authenticates exactly this static key, as a per-handshake payload would.
  HandshakePayload p;
  p.identity_key = local->identity_key;
  p.identity_sig = local->identity_sig;
  auto key = verify_identity_payload(p, local->key.public_key);
  REQUIRE_OK(key);
  CHECK(*key == init_id.public_key());
  NOISE_ERR(verify_identity_payload(p, X25519Keypair::generate().public_key), error::bad_identity_signature);

  // Ed25519 signatures are deterministic: sign() gives the same bytes as make_identity_payload.
  const auto fixed = X25519Keypair::generate();
  CHECK(SignedStaticKey::sign(init_id, fixed)->identity_sig ==
        make_identity_payload(init_id, fixed.public_key).identity_sig);

  // Three handshakes with the same static key (as initiator and as responder) all authenticate it, and
  // fresh ephemeral keys still make every session different.
  std::vector<Bytes> hashes;
  for (int i = 0; i < 3; ++i) {
    const bool we_initiate = i != 1;
    HandshakeConfig cfg;
    if (we_initiate) cfg.expected_peer = peer_of(resp_id);
    Handshake ours(we_initiate ? Role::initiator : Role::responder, local, cfg);
    Handshake theirs(we_initiate ? Role::responder : Role::initiator, resp_id);
    const auto both = we_initiate ? complete(ours, theirs) : complete(theirs, ours);
    const auto& a = we_initiate ? both.initiator : both.responder;  // ours
    const auto& b = we_initiate ? both.responder : both.initiator;  // theirs
    CHECK(a.remote_peer == peer_of(resp_id));
    CHECK(b.remote_peer == peer_of(init_id));
    CHECK(b.remote_key == init_id.public_key());
    CHECK(a.handshake_hash == b.handshake_hash);
    hashes.push_back(a.handshake_hash);
  }
  CHECK(hashes[0] != hashes[1]);
  CHECK(hashes[1] != hashes[2]);
  CHECK(hashes[0] != hashes[2]);
}
