#include "lp2p/codec/noise/handshake_xx.hpp"

#include "test_util.hpp"

#include <fstream>
#include <map>
#include <random>
#include <sstream>

using namespace lp2p;
using namespace lp2p::noise;

namespace {

Bytes hex(std::string_view h) {
  Bytes b;
  if (h != "-" && !from_hex(h, b)) FAIL("bad hex in vector: " << h);
  return b;
}

DhKey key32(std::string_view h) {
  auto b = hex(h);
  REQUIRE(b.size() == 32);
  DhKey k;
  std::copy(b.begin(), b.end(), k.begin());
  return k;
}

struct Vector {
  std::map<std::string, std::string> fields;
  std::vector<std::pair<Bytes, Bytes>> messages;  // payload, ciphertext
};

Vector load_vector() {
  std::ifstream in(std::string(LP2P_TEST_VECTORS_DIR) + "/noise_xx.txt");
  REQUIRE(in.good());
  Vector v;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string name, a, b;
    ls >> name >> a;
    if (name == "msg") {
      ls >> b;
      v.messages.emplace_back(hex(a), hex(b));
    } else {
      v.fields[name] = a;
    }
  }
  return v;
}

std::pair<HandshakeXX, HandshakeXX> pair_of(BytesView prologue = {}) {
  return {HandshakeXX(Role::initiator, X25519Keypair::generate(), prologue),
          HandshakeXX(Role::responder, X25519Keypair::generate(), prologue)};
}

}  // namespace

TEST_CASE("noise XX matches the cacophony vector", "[noise][handshake][vector]") {
  const auto v = load_vector();
  REQUIRE(v.fields.at("protocol_name") == protocol_name);
  REQUIRE(v.messages.size() == 6);
  const Bytes prologue = hex(v.fields.at("prologue"));
  HandshakeXX init(Role::initiator, X25519Keypair::from_secret(key32(v.fields.at("init_static"))), prologue,
                   X25519Keypair::from_secret(key32(v.fields.at("init_ephemeral"))));
  HandshakeXX resp(Role::responder, X25519Keypair::from_secret(key32(v.fields.at("resp_static"))), prologue,
                   X25519Keypair::from_secret(key32(v.fields.at("resp_ephemeral"))));

  for (int i = 0; i < 3; ++i) {
    auto& writer = i % 2 == 0 ? init : resp;
    auto& reader = i % 2 == 0 ? resp : init;
    INFO("handshake message " << i);
    REQUIRE(writer.is_my_turn());
    auto msg = writer.write_message(v.messages[i].first);
    NOISE_OK(msg);
    CHECK(to_hex(*msg) == to_hex(v.messages[i].second));
    auto payload = reader.read_message(*msg);
    NOISE_OK(payload);
    CHECK(*payload == v.messages[i].first);
  }
  REQUIRE(init.finished());
  REQUIRE(resp.finished());
  CHECK(to_hex(init.handshake_hash()) == v.fields.at("handshake_hash"));
  CHECK(to_hex(resp.handshake_hash()) == v.fields.at("handshake_hash"));
  CHECK(to_hex(init.remote_static()) == to_hex(resp.local_static()));
  CHECK(to_hex(resp.remote_static()) == to_hex(init.local_static()));

  auto is = init.split();
  auto rs = resp.split();
  NOISE_OK(is);
  NOISE_OK(rs);
  for (std::size_t i = 3; i < v.messages.size(); ++i) {
    INFO("transport message " << i);
    // Responder sends messages 4 and 6, the initiator message 5.
    auto& send = (i % 2 == 1) ? rs->first : is->first;
    auto& recv = (i % 2 == 1) ? is->second : rs->second;
    Bytes ct;
    NOISE_OK(send.encrypt_with_ad({}, v.messages[i].first, ct));
    CHECK(to_hex(ct) == to_hex(v.messages[i].second));
    Bytes pt;
    NOISE_OK(recv.decrypt_with_ad({}, ct, pt));
    CHECK(pt == v.messages[i].first);
  }
}

TEST_CASE("noise XX in memory: both sides agree", "[noise][handshake]") {
  auto [init, resp] = pair_of();
  CHECK(init.is_my_turn());
  CHECK_FALSE(resp.is_my_turn());
  CHECK(init.remote_static().empty());
  auto m1 = init.write_message({});
  NOISE_OK(m1);
  CHECK(m1->size() == min_message1_size);
  NOISE_OK(resp.read_message(*m1));
  auto m2 = resp.write_message(as_bytes("responder payload"));
  NOISE_OK(m2);
  CHECK(m2->size() == min_message2_size + 17);
  auto p2 = init.read_message(*m2);
  NOISE_OK(p2);
  CHECK(as_string_view(*p2) == "responder payload");
  CHECK(init.remote_static().size() == 32);
  auto m3 = init.write_message(as_bytes("initiator payload"));
  NOISE_OK(m3);
  CHECK(m3->size() == min_message3_size + 17);
  auto p3 = resp.read_message(*m3);
  NOISE_OK(p3);
  CHECK(as_string_view(*p3) == "initiator payload");
  REQUIRE(init.finished());
  REQUIRE(resp.finished());
  CHECK(to_hex(init.handshake_hash()) == to_hex(resp.handshake_hash()));

  auto a = init.split();
  auto b = resp.split();
  NOISE_OK(a);
  NOISE_OK(b);
  Bytes ct, pt;
  NOISE_OK(a->first.encrypt_with_ad({}, as_bytes("ping"), ct));
  NOISE_OK(b->second.decrypt_with_ad({}, ct, pt));
  CHECK(as_string_view(pt) == "ping");
  ct.clear();
  pt.clear();
  NOISE_OK(b->first.encrypt_with_ad({}, as_bytes("pong"), ct));
  NOISE_OK(a->second.decrypt_with_ad({}, ct, pt));
  CHECK(as_string_view(pt) == "pong");

  NOISE_ERR(init.split(), error::already_split);
}

TEST_CASE("noise XX rejects calls out of turn and before finishing", "[noise][handshake]") {
  auto [init, resp] = pair_of();
  NOISE_ERR(resp.write_message({}), error::out_of_turn);
  NOISE_ERR(init.read_message(Bytes(100, 0)), error::out_of_turn);
  NOISE_ERR(init.split(), error::handshake_not_finished);
  NOISE_ERR(resp.split(), error::handshake_not_finished);
  CHECK(error_code(error::out_of_turn) == condition::misuse);
  // out_of_turn does not poison the handshake: the proper call still works.
  NOISE_OK(init.write_message({}));
}

TEST_CASE("noise XX rejects short messages", "[noise][handshake]") {
  SECTION("message 1") {
    auto [init, resp] = pair_of();
    NOISE_ERR(resp.read_message(Bytes(min_message1_size - 1, 9)), error::handshake_message_too_short);
    // failed handshakes stay failed
    NOISE_ERR(resp.read_message(Bytes(min_message1_size, 9)), error::handshake_failed);
    NOISE_ERR(resp.write_message({}), error::handshake_failed);
    NOISE_ERR(resp.split(), error::handshake_failed);
  }
  SECTION("message 2") {
    auto [init, resp] = pair_of();
    NOISE_OK(resp.read_message(init.write_message({}).value()));
    auto m2 = resp.write_message({}).value();
    m2.pop_back();
    NOISE_ERR(init.read_message(m2), error::handshake_message_too_short);
  }
  SECTION("message 3") {
    auto [init, resp] = pair_of();
    NOISE_OK(resp.read_message(init.write_message({}).value()));
    NOISE_OK(init.read_message(resp.write_message({}).value()));
    auto m3 = init.write_message({}).value();
    m3.pop_back();
    NOISE_ERR(resp.read_message(m3), error::handshake_message_too_short);
    CHECK(resp.remote_static().empty());
  }
}

TEST_CASE("noise XX rejects oversized messages", "[noise][handshake][limit]") {
  auto [init, resp] = pair_of();
  // Message 1: 32 bytes of e plus the clear payload, at most 65535 in all.
  NOISE_ERR(init.write_message(Bytes(max_message_size - min_message1_size + 1, 0)), error::frame_too_large);
  auto m1 = init.write_message(Bytes(max_message_size - min_message1_size, 0));
  NOISE_OK(m1);
  CHECK(m1->size() == max_message_size);
  NOISE_OK(resp.read_message(*m1));
  NOISE_ERR(resp.write_message(Bytes(max_message_size - min_message2_size + 1, 0)), error::frame_too_large);
  auto m2 = resp.write_message(Bytes(max_message_size - min_message2_size, 0));
  NOISE_OK(m2);
  CHECK(m2->size() == max_message_size);
  NOISE_OK(init.read_message(*m2));
  auto m3 = init.write_message(Bytes(max_message_size - min_message3_size, 0));
  NOISE_OK(m3);
  m3->push_back(0);
  NOISE_ERR(resp.read_message(*m3), error::frame_too_large);
}

TEST_CASE("noise XX detects tampering in every byte of messages 2 and 3", "[noise][handshake]") {
  // With fixed keys the handshake is deterministic, so it can be replayed up to the message under test.
  const auto is = X25519Keypair::generate(), ie = X25519Keypair::generate();
  const auto rs = X25519Keypair::generate(), re = X25519Keypair::generate();
  auto fresh = [&] {
    return std::pair<HandshakeXX, HandshakeXX>{HandshakeXX(Role::initiator, is, {}, ie),
                                               HandshakeXX(Role::responder, rs, {}, re)};
  };
  Bytes m1, m2, m3;
  {
    auto [i, r] = fresh();
    m1 = i.write_message({}).value();
    NOISE_OK(r.read_message(m1));
    m2 = r.write_message(as_bytes("hello")).value();
    NOISE_OK(i.read_message(m2));
    m3 = i.write_message(as_bytes("world")).value();
    NOISE_OK(r.read_message(m3));
  }
  for (std::size_t pos = 0; pos < m2.size(); ++pos) {
    INFO("message 2 byte " << pos);
    auto [i, r] = fresh();
    NOISE_OK(i.write_message({}));
    Bytes bad = m2;
    bad[pos] ^= 0x01;
    auto res = i.read_message(bad);
    REQUIRE_FALSE(res.has_value());
    // A flipped e usually still yields a valid point, so the failure shows up as a bad tag.
    CHECK((res.error() == error::decrypt_failed || res.error() == error::invalid_dh_public_key));
    CHECK(i.remote_static().empty());
  }
  for (std::size_t pos = 0; pos < m3.size(); ++pos) {
    INFO("message 3 byte " << pos);
    auto [i, r] = fresh();
    NOISE_OK(r.read_message(i.write_message({}).value()));
    NOISE_OK(i.read_message(r.write_message(as_bytes("hello")).value()));
    Bytes bad = m3;
    bad[pos] ^= 0x80;
    NOISE_ERR(r.read_message(bad), error::decrypt_failed);
    CHECK(r.remote_static().empty());
  }
}

TEST_CASE("noise XX rejects a mismatched prologue", "[noise][handshake]") {
  HandshakeXX init(Role::initiator, X25519Keypair::generate(), as_bytes("a"));
  HandshakeXX resp(Role::responder, X25519Keypair::generate(), as_bytes("b"));
  NOISE_OK(resp.read_message(init.write_message({}).value()));
  NOISE_ERR(init.read_message(resp.write_message({}).value()), error::decrypt_failed);
}

TEST_CASE("noise XX rejects a low-order ephemeral key", "[noise][handshake]") {
  auto [init, resp] = pair_of();
  // The all-zero point is of low order: X25519 with it is all zeros.
  NOISE_OK(resp.read_message(Bytes(32, 0)));
  NOISE_ERR(resp.write_message({}), error::invalid_dh_public_key);
  NOISE_ERR(resp.write_message({}), error::handshake_failed);
  (void)init;
}

TEST_CASE("noise XX round-trips random payloads", "[noise][handshake][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int iter = 0; iter < 50; ++iter) {
    Bytes prologue(rng() % 8);
    for (auto& b : prologue) b = static_cast<std::uint8_t>(rng());
    auto [init, resp] = pair_of(prologue);
    Bytes p2(rng() % 2000), p3(rng() % 2000);
    for (auto& b : p2) b = static_cast<std::uint8_t>(rng());
    for (auto& b : p3) b = static_cast<std::uint8_t>(rng());
    NOISE_OK(resp.read_message(init.write_message({}).value()));
    auto got2 = init.read_message(resp.write_message(p2).value());
    NOISE_OK(got2);
    CHECK(*got2 == p2);
    auto got3 = resp.read_message(init.write_message(p3).value());
    NOISE_OK(got3);
    CHECK(*got3 == p3);
    CHECK(to_hex(init.handshake_hash()) == to_hex(resp.handshake_hash()));
  }
}
