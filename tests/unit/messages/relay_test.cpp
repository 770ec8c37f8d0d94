#include "lp2p/codec/relay/hop_message.hpp"
#include "lp2p/codec/relay/stop_message.hpp"

#include "support/check.hpp"
#include "unit/messages/test_util.hpp"

#include <random>

using namespace lp2p;
using relay::HopMessage;
using relay::Limit;
using relay::Peer;
using relay::Reservation;
using relay::Status;
using relay::StopMessage;
using lp2p::test::cat;
using lp2p::test::hex;

namespace {
const Bytes peer_a = lp2p::test::ed25519_peer_id(0xa1);  // 38 bytes: 00 24 08 01 12 20 <32>
const Bytes peer_b = lp2p::test::ed25519_peer_id(0xb2);
const Bytes relay_addr = hex("047f000001060fa1");          // /ip4/127.0.0.1/tcp/4001 (raw)

void check_hop_vector(const HopMessage& m, const Bytes& wire) {
  auto enc = relay::encode(m);
  REQUIRE_OK(enc);
  CHECK(to_hex(*enc) == to_hex(wire));
  auto dec = relay::decode_hop(wire);
  REQUIRE_OK(dec);
  CHECK(*dec == m);
}
void check_stop_vector(const StopMessage& m, const Bytes& wire) {
  auto enc = relay::encode(m);
  REQUIRE_OK(enc);
  CHECK(to_hex(*enc) == to_hex(wire));
  auto dec = relay::decode_stop(wire);
  REQUIRE_OK(dec);
  CHECK(*dec == m);
}
}  // namespace

TEST_CASE("relay: hop byte-exact vectors", "[codec][relay]") {
  // type is written even when it is 0 (RESERVE): js answers MALFORMED_MESSAGE without it.
  check_hop_vector(HopMessage{.type = HopMessage::Type::reserve}, hex("0800"));

  // CONNECT to A: 08 01 | 12 28 (Peer: 0a 26 <id>)
  check_hop_vector(HopMessage{.type = HopMessage::Type::connect, .peer = Peer{peer_a, {}}},
                   cat({hex("0801 1228 0a26"), peer_a}));

  // What a rust relay answers to RESERVE: STATUS, reservation{expire, addrs}, limit{120 s, 128 KiB}, OK.
  //   08 02 | 1a 10 (08 <expire> | 12 08 <addr>) | 22 06 (08 78 | 10 808008) | 28 64
  // expire 1700000000 = 0x6553f100 -> varint 80 e2 cf aa 06
  HopMessage ok{.type = HopMessage::Type::status,
                .reservation = Reservation{1700000000, {relay_addr}, std::nullopt},
                .limit = Limit{120, 131072},
                .status = Status::ok};
  check_hop_vector(ok, cat({hex("0802 1a10 0880e2cfaa06 1208"), relay_addr, hex("2206 0878 10808008 2864")}));

  // A voucher is field 3 of the reservation.
  ok.reservation->voucher = hex("c0ffee");
  check_hop_vector(ok, cat({hex("0802 1a15 0880e2cfaa06 1208"), relay_addr,
                            hex("1a03 c0ffee 2206 0878 10808008 2864")}));

  // Refusals: NO_RESERVATION = 204 -> cc 01; RESOURCE_LIMIT_EXCEEDED = 201 -> c9 01.
  check_hop_vector(HopMessage{.type = HopMessage::Type::status, .status = Status::no_reservation},
                   hex("0802 28cc01"));
  check_hop_vector(HopMessage{.type = HopMessage::Type::status, .status = Status::resource_limit_exceeded},
                   hex("0802 28c901"));
  // Limit present but empty: written as an empty submessage (no limits).
  check_hop_vector(HopMessage{.type = HopMessage::Type::status, .limit = Limit{}, .status = Status::ok},
                   hex("0802 2200 2864"));
}

TEST_CASE("relay: stop byte-exact vectors", "[codec][relay]") {
  check_stop_vector(StopMessage{.type = StopMessage::Type::connect}, hex("0800"));
  // CONNECT from B with limits: 08 00 | 12 28 (0a 26 <id>) | 1a 06 (08 78 10 808008)
  check_stop_vector(StopMessage{.type = StopMessage::Type::connect, .peer = Peer{peer_b, {}},
                                .limit = Limit{120, 131072}},
                    cat({hex("0800 1228 0a26"), peer_b, hex("1a06 0878 10808008")}));
  // STATUS OK: status is field 4 here (tag 0x20).
  check_stop_vector(StopMessage{.type = StopMessage::Type::status, .status = Status::ok}, hex("0801 2064"));
  // Peer addrs (active relay) are field 2 of Peer.
  check_stop_vector(StopMessage{.type = StopMessage::Type::connect, .peer = Peer{peer_b, {relay_addr}}},
                    cat({hex("0800 1232 0a26"), peer_b, hex("1208"), relay_addr}));
}

TEST_CASE("relay: status names and unknown status values", "[codec][relay]") {
  CHECK(relay::to_string(Status::no_reservation) == "NO_RESERVATION");
  CHECK(relay::to_string(Status::unused) == "UNUSED");
  CHECK(relay::is_known(Status::unexpected_message));
  // An unknown status (999 = e7 07) is kept, not dropped: it is simply "not OK".
  auto dec = relay::decode_hop(hex("0802 28e707"));
  REQUIRE_OK(dec);
  REQUIRE(dec->status);
  CHECK(static_cast<int>(*dec->status) == 999);
  CHECK_FALSE(relay::is_known(*dec->status));
  CHECK(relay::to_string(*dec->status) == "UNKNOWN");
  REQUIRE_OK(relay::check_connect_response(*dec));
  auto again = relay::encode(*dec);
  REQUIRE_OK(again);
  CHECK(*again == hex("0802 28e707"));
}

TEST_CASE("relay: one rejection per relay::error enumerator", "[codec][relay][errors]") {
  SECTION("missing_type") {
    REQUIRE_ERR(relay::decode_hop({}), relay::error::missing_type);
    REQUIRE_ERR(relay::decode_hop(hex("2864")), relay::error::missing_type);
    REQUIRE_ERR(relay::decode_stop(hex("2064")), relay::error::missing_type);
  }
  SECTION("unknown_type") {
    REQUIRE_ERR(relay::decode_hop(hex("0803")), relay::error::unknown_type);
    REQUIRE_ERR(relay::decode_hop(hex("08ffffffffffffffffff01")), relay::error::unknown_type);  // -1
    REQUIRE_ERR(relay::decode_stop(hex("0802")), relay::error::unknown_type);
  }
  SECTION("unexpected_type") {
    REQUIRE_ERR(relay::check_hop_request(HopMessage{.type = HopMessage::Type::status}),
                relay::error::unexpected_type);
    REQUIRE_ERR(relay::check_connect_response(HopMessage{.type = HopMessage::Type::connect}),
                relay::error::unexpected_type);
    REQUIRE_ERR(relay::check_reserve_response(HopMessage{.type = HopMessage::Type::reserve}, 0),
                relay::error::unexpected_type);
    REQUIRE_ERR(relay::check_stop_request(StopMessage{.type = StopMessage::Type::status}),
                relay::error::unexpected_type);
    REQUIRE_ERR(relay::check_stop_response(StopMessage{.type = StopMessage::Type::connect}),
                relay::error::unexpected_type);
  }
  SECTION("missing_peer") {
    auto m = relay::decode_hop(hex("0801"));
    REQUIRE_OK(m);
    REQUIRE_ERR(relay::check_hop_request(*m), relay::error::missing_peer);
    auto s = relay::decode_stop(hex("0800"));
    REQUIRE_OK(s);
    REQUIRE_ERR(relay::check_stop_request(*s), relay::error::missing_peer);
  }
  SECTION("invalid_peer_id") {
    // Peer without id (rust: required field), with garbage, with a truncated multihash.
    for (const Bytes& wire : {hex("0801 1200"), hex("0801 1203 0a01ff"), hex("0801 1205 0a03002401")}) {
      auto m = relay::decode_hop(wire);
      REQUIRE_OK(m);
      REQUIRE_ERR(relay::check_hop_request(*m), relay::error::invalid_peer_id);
    }
    auto s = relay::decode_stop(hex("0800 1200"));
    REQUIRE_OK(s);
    REQUIRE_ERR(relay::check_stop_request(*s), relay::error::invalid_peer_id);
  }
  SECTION("missing_status") {
    auto m = relay::decode_hop(hex("0802"));
    REQUIRE_OK(m);
    REQUIRE_ERR(relay::check_connect_response(*m), relay::error::missing_status);
    REQUIRE_ERR(relay::check_reserve_response(*m, 0), relay::error::missing_status);
    auto s = relay::decode_stop(hex("0801"));
    REQUIRE_OK(s);
    REQUIRE_ERR(relay::check_stop_response(*s), relay::error::missing_status);
  }
  SECTION("missing_reservation") {
    auto m = relay::decode_hop(hex("0802 2864"));
    REQUIRE_OK(m);
    REQUIRE_ERR(relay::check_reserve_response(*m, 0), relay::error::missing_reservation);
    REQUIRE_OK(relay::check_connect_response(*m));  // fine for CONNECT
  }
  SECTION("reservation_without_expire") {
    REQUIRE_ERR(relay::decode_hop(hex("0802 1a00 2864")), relay::error::reservation_without_expire);
    REQUIRE_ERR(relay::decode_hop(hex("0802 1a00 2864")), condition::protocol_violation);
  }
  SECTION("reservation_expired") {
    auto m = relay::decode_hop(hex("0802 1a02 0864 2864"));  // expire = 100
    REQUIRE_OK(m);
    REQUIRE_OK(relay::check_reserve_response(*m, 99));
    REQUIRE_OK(relay::check_reserve_response(*m, 100));  // equal to now: accepted (rust renews at once)
    REQUIRE_ERR(relay::check_reserve_response(*m, 101), relay::error::reservation_expired);
  }
  SECTION("codec errors") {
    REQUIRE_ERR(relay::decode_hop(hex("0a05 01")), codec::error::malformed_protobuf);
    REQUIRE_ERR(relay::decode_stop(hex("12")), codec::error::malformed_protobuf);
  }
}

TEST_CASE("relay: well-formed requests and answers pass the checks", "[codec][relay]") {
  REQUIRE_OK(relay::check_hop_request(HopMessage{.type = HopMessage::Type::reserve}));
  REQUIRE_OK(relay::check_hop_request(HopMessage{.type = HopMessage::Type::connect, .peer = Peer{peer_a, {}}}));
  // A refusal is a well-formed answer: the caller reads the status.
  REQUIRE_OK(relay::check_reserve_response(
      HopMessage{.type = HopMessage::Type::status, .status = Status::reservation_refused}, 0));
  REQUIRE_OK(relay::check_stop_request(StopMessage{.type = StopMessage::Type::connect, .peer = Peer{peer_b, {}}}));
  REQUIRE_OK(relay::check_stop_response(StopMessage{.type = StopMessage::Type::status, .status = Status::ok}));
  // sha2-256 PeerIds (RSA keys) are PeerIds too.
  Bytes sha_id = cat({hex("1220"), Bytes(32, 7)});
  REQUIRE_OK(relay::check_hop_request(HopMessage{.type = HopMessage::Type::connect, .peer = Peer{sha_id, {}}}));
}

TEST_CASE("relay: limits at and one past 4096", "[codec][relay][limits]") {
  bool hit_exact = false;
  for (std::size_t v = 4050; v < 4100; ++v) {
    HopMessage m{.type = HopMessage::Type::status, .reservation = Reservation{1, {}, Bytes(v, 0x33)},
                 .status = Status::ok};
    const auto enc = relay::encode(m);
    if (enc) {
      REQUIRE(enc->size() <= relay::max_message_size);
      hit_exact = hit_exact || enc->size() == relay::max_message_size;
      auto dec = relay::decode_hop(*enc);
      REQUIRE_OK(dec);
      CHECK(*dec == m);
    } else {
      REQUIRE_ERR(enc, codec::error::message_too_large);
    }
  }
  CHECK(hit_exact);
  StopMessage big{.type = StopMessage::Type::connect, .peer = Peer{Bytes(4096, 1), {}}};
  REQUIRE_ERR(relay::encode(big), codec::error::message_too_large);

  Bytes body = cat({hex("0802"), Bytes(4094, 0)});  // 4096 bytes: type then 4094 zero bytes (bad tags)
  REQUIRE_ERR(relay::decode_hop(body), codec::error::malformed_protobuf);  // size ok, content not
  body.push_back(0);
  REQUIRE_ERR(relay::decode_hop(body), codec::error::frame_too_large);
  REQUIRE_ERR(relay::decode_stop(body), codec::error::frame_too_large);
}

TEST_CASE("relay: random hop and stop messages round-trip", "[codec][relay][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  auto rnd_peer = [&]() -> std::optional<Peer> {
    if (rng() % 2) return std::nullopt;
    Peer p{lp2p::test::random_bytes(rng, 40), {}};
    for (int k = rng() % 3; k > 0; --k) p.addrs.push_back(lp2p::test::random_bytes(rng, 30));
    return p;
  };
  auto rnd_limit = [&]() -> std::optional<Limit> {
    if (rng() % 2) return std::nullopt;
    Limit l;
    if (rng() % 2) l.duration = static_cast<std::uint32_t>(rng());
    if (rng() % 2) l.data = (std::uint64_t{rng()} << 32) | rng();
    return l;
  };
  auto rnd_status = [&]() -> std::optional<Status> {
    if (rng() % 2) return std::nullopt;
    return static_cast<Status>(static_cast<std::int32_t>(rng()));  // any value, known or not
  };
  for (int i = 0; i < 300; ++i) {
    HopMessage h{.type = static_cast<HopMessage::Type>(rng() % 3), .peer = rnd_peer(), .limit = rnd_limit(),
                 .status = rnd_status()};
    if (rng() % 2) {
      Reservation r{(std::uint64_t{rng()} << 32) | rng(), {}, std::nullopt};
      for (int k = rng() % 3; k > 0; --k) r.addrs.push_back(lp2p::test::random_bytes(rng, 30));
      if (rng() % 2) r.voucher = lp2p::test::random_bytes(rng, 200);
      h.reservation = r;
    }
    auto enc = relay::encode(h);
    REQUIRE_OK(enc);
    auto dec = relay::decode_hop(*enc);
    REQUIRE_OK(dec);
    REQUIRE(*dec == h);

    StopMessage s{.type = static_cast<StopMessage::Type>(rng() % 2), .peer = rnd_peer(), .limit = rnd_limit(),
                  .status = rnd_status()};
    auto senc = relay::encode(s);
    REQUIRE_OK(senc);
    auto sdec = relay::decode_stop(*senc);
    REQUIRE_OK(sdec);
    REQUIRE(*sdec == s);
  }
}
