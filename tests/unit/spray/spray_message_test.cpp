// `/lp2p/dcutr-spray/1.0.0` messages: byte-exact vectors, a seeded round-trip property test fed byte by
// byte through the frame reader, limits at and one past each maximum, one rejection per error.
#include "lp2p/codec/dcutr/spray_message.hpp"
#include "lp2p/codec/frame.hpp"
#include "support/check.hpp"
#include "unit/messages/test_util.hpp"

#include <random>

using namespace lp2p;
using namespace lp2p::spray;
using lp2p::test::hex;

namespace {

SprayMessage random_message(std::mt19937& rng) {
  switch (rng() % 3) {
    case 0: {
      SprayOffer o;
      o.version = 1 + rng() % 3;
      o.mapping = static_cast<MappingKind>(rng() % 6);
      const auto n = rng() % 5;
      for (std::uint32_t i = 0; i < n; ++i) o.obs_addrs.push_back(lp2p::test::random_bytes(rng, 40));
      if (rng() % 2) {
        o.port_min = static_cast<std::uint16_t>(1 + rng() % 65535);
        o.port_max = static_cast<std::uint16_t>(o.port_min + rng() % (65536 - o.port_min));
      }
      o.max_sockets = rng() % (max_sockets_limit + 1);
      o.max_guesses = rng() % (max_sockets_limit + 1);
      o.max_rounds = rng() % (max_rounds_limit + 1);
      o.round_timeout_ms = min_round_timeout_ms + rng() % (max_round_timeout_ms - min_round_timeout_ms + 1);
      return o;
    }
    case 1: {
      SpraySync s;
      s.round = 1 + rng() % max_rounds_limit;
      s.sender_sprays = rng() % 2;
      s.sockets = rng() % (max_sockets_limit + 1);
      s.guesses = rng() % (max_sockets_limit + 1);
      return s;
    }
    default: {
      SprayAbort a;
      a.reason = static_cast<NoPlanReason>(rng() % 11);
      a.detail.assign(rng() % (max_abort_detail + 1), static_cast<char>('a' + rng() % 26));
      return a;
    }
  }
}

Bytes offer_body(std::string_view offer_hex) {
  Bytes inner = hex(offer_hex);
  Bytes out = hex("0801 12");
  out.push_back(static_cast<std::uint8_t>(inner.size()));
  out.insert(out.end(), inner.begin(), inner.end());
  return out;
}

}  // namespace

TEST_CASE("spray: byte-exact vectors", "[spray][codec]") {
  struct Vector {
    const char* name;
    SprayMessage msg;
    Bytes wire;
  };
  SprayOffer offer;  // version 1, unknown mapping, nothing else
  offer.round_timeout_ms = 5000;
  SprayOffer full;
  full.mapping = MappingKind::endpoint_dependent;
  full.obs_addrs = {hex("04 cb007109 06 0fa1")};  // /ip4/203.0.113.9/tcp/4001
  full.port_min = 1024;
  full.port_max = 2047;
  full.max_sockets = 192;
  full.max_guesses = 1024;
  full.max_rounds = 3;
  const std::vector<Vector> vectors = {
      {"SYNC round 1, B guesses", SpraySync{1, false, 192, 1024}, hex("0802 1a0a 0801 1000 18c001 208008")},
      {"ABORT both dependent", SprayAbort{NoPlanReason::both_dependent, ""}, hex("0803 2204 0803 1200")},
      {"minimal OFFER", offer, hex("0801 120d 0801 1000 3000 3800 4000 4888 27")},
      {"full OFFER", full,
       hex("0801 121f 0801 1005 1a08 04cb007109060fa1 2080 08 28ff 0f 30c0 01 3880 08 4003 4888 27")},
  };
  for (const auto& v : vectors) {
    INFO(v.name);
    auto enc = encode(v.msg);
    REQUIRE_OK(enc);
    CHECK(to_hex(*enc) == to_hex(v.wire));
    auto dec = decode(v.wire);
    REQUIRE_OK(dec);
    CHECK(*dec == v.msg);
  }
}

TEST_CASE("spray: round trip through the frame reader, byte by byte", "[spray][codec][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int i = 0; i < 300; ++i) {
    const SprayMessage msg = random_message(rng);
    auto framed = encode_framed(msg);
    REQUIRE_OK(framed);
    codec::FrameReader reader(max_message_size);
    std::optional<Bytes> body;
    for (std::size_t k = 0; k < framed->size(); ++k) {
      REQUIRE_FALSE(body.has_value());  // nothing complete before the last byte
      reader.feed(BytesView(framed->data() + k, 1));
      auto next = reader.next();
      REQUIRE_OK(next);
      body = *next;
    }
    REQUIRE(body.has_value());
    auto dec = decode(*body);
    REQUIRE_OK(dec);
    CHECK(*dec == msg);
  }
}

TEST_CASE("spray: unknown enum values decode as unknown/other", "[spray][codec]") {
  auto m = decode(offer_body("0801 1063"));  // mapping 99
  REQUIRE_OK(m);
  CHECK(std::get<SprayOffer>(*m).mapping == MappingKind::unknown);
  auto a = decode(hex("0803 2202 0863"));  // reason 99
  REQUIRE_OK(a);
  CHECK(std::get<SprayAbort>(*a).reason == NoPlanReason::other);
  auto absent = decode(offer_body("0801"));  // round timeout absent: 5000 ms
  REQUIRE_OK(absent);
  CHECK(std::get<SprayOffer>(*absent).round_timeout_ms == 5000);
}

TEST_CASE("spray: limits at and one past each maximum", "[spray][codec][limits]") {
  auto with_offer = [](auto edit) {
    SprayOffer o;
    edit(o);
    return decode(encode(SprayMessage{o}).value());
  };
  CHECK_OK(with_offer([](SprayOffer& o) { o.max_sockets = max_sockets_limit; }));
  REQUIRE_ERR(with_offer([](SprayOffer& o) { o.max_sockets = max_sockets_limit + 1; }), error::caps_out_of_range);
  CHECK_OK(with_offer([](SprayOffer& o) { o.max_guesses = max_sockets_limit; }));
  REQUIRE_ERR(with_offer([](SprayOffer& o) { o.max_guesses = max_sockets_limit + 1; }), error::caps_out_of_range);
  CHECK_OK(with_offer([](SprayOffer& o) { o.max_rounds = max_rounds_limit; }));
  REQUIRE_ERR(with_offer([](SprayOffer& o) { o.max_rounds = max_rounds_limit + 1; }), error::caps_out_of_range);
  CHECK_OK(with_offer([](SprayOffer& o) { o.round_timeout_ms = min_round_timeout_ms; }));
  REQUIRE_ERR(with_offer([](SprayOffer& o) { o.round_timeout_ms = min_round_timeout_ms - 1; }),
              error::caps_out_of_range);
  CHECK_OK(with_offer([](SprayOffer& o) { o.round_timeout_ms = max_round_timeout_ms; }));
  REQUIRE_ERR(with_offer([](SprayOffer& o) { o.round_timeout_ms = max_round_timeout_ms + 1; }),
              error::caps_out_of_range);
  CHECK_OK(with_offer([](SprayOffer& o) { o.port_min = 1, o.port_max = 65535; }));

  CHECK_OK(decode(encode(SprayMessage{SpraySync{max_rounds_limit, true, 1, 1}}).value()));
  REQUIRE_ERR(decode(encode(SprayMessage{SpraySync{max_rounds_limit + 1, true, 1, 1}}).value()),
              error::invalid_round);
  REQUIRE_ERR(decode(encode(SprayMessage{SpraySync{1, true, max_sockets_limit + 1, 1}}).value()),
              error::caps_out_of_range);

  // An ABORT detail: 512 bytes pass, a longer one is cut on encode and refused on decode.
  CHECK_OK(decode(encode(SprayMessage{SprayAbort{NoPlanReason::other, std::string(max_abort_detail, 'x')}}).value()));
  auto cut = encode(SprayMessage{SprayAbort{NoPlanReason::other, std::string(max_abort_detail + 10, 'x')}});
  REQUIRE_OK(cut);
  CHECK(std::get<SprayAbort>(decode(*cut).value()).detail.size() == max_abort_detail);
  Bytes long_detail = hex("0803 2286 04 0800 1281 04");  // detail of 513 bytes
  long_detail.insert(long_detail.end(), max_abort_detail + 1, 'x');
  REQUIRE_ERR(decode(long_detail), error::caps_out_of_range);

  // Message size: exactly 4096 bytes encode and decode, one more does not.
  SprayOffer big;
  big.obs_addrs.push_back(Bytes(4000, 0x01));
  const std::size_t base = encode(SprayMessage{big}).value().size();
  big.obs_addrs.back().resize(4000 + (max_message_size - base));
  auto at = encode(SprayMessage{big});
  REQUIRE_OK(at);
  REQUIRE(at->size() == max_message_size);
  CHECK_OK(decode(*at));
  big.obs_addrs.back().push_back(0x01);
  REQUIRE_ERR(encode(SprayMessage{big}), codec::error::message_too_large);
  Bytes over = *at;
  over.push_back(0x00);
  REQUIRE_ERR(decode(over), codec::error::frame_too_large);
}

TEST_CASE("spray: one rejection per error", "[spray][codec][errors]") {
  REQUIRE_ERR(decode({}), error::missing_type);
  REQUIRE_ERR(decode(hex("0804")), error::unknown_type);
  REQUIRE_ERR(decode(hex("0800")), error::unknown_type);
  REQUIRE_ERR(decode(hex("0801")), error::missing_body);
  REQUIRE_ERR(decode(hex("0802")), error::missing_body);
  REQUIRE_ERR(decode(hex("0803")), error::missing_body);
  REQUIRE_ERR(decode(hex("0801 1a00")), error::missing_body);  // OFFER carrying a SYNC body
  REQUIRE_ERR(decode(offer_body("")), error::unsupported_version);
  REQUIRE_ERR(decode(offer_body("0800")), error::unsupported_version);
  REQUIRE_ERR(decode(offer_body("0801 2064")), error::invalid_port_range);            // min only
  REQUIRE_ERR(decode(offer_body("0801 2800")), error::invalid_port_range);            // max only
  REQUIRE_ERR(decode(offer_body("0801 2000 2864")), error::invalid_port_range);       // min 0
  REQUIRE_ERR(decode(offer_body("0801 2065 2864")), error::invalid_port_range);       // min > max
  REQUIRE_ERR(decode(offer_body("0801 2001 2880 8004")), error::invalid_port_range);  // max 65536
  REQUIRE_ERR(decode(offer_body("0801 3081 80 01")), error::caps_out_of_range);       // K 16385
  REQUIRE_ERR(decode(hex("0802 1a00")), error::invalid_round);                         // round absent
  REQUIRE_ERR(decode(hex("0802 1a02 0800")), error::invalid_round);                    // round 0
  REQUIRE_ERR(decode(hex("0801 1205 01")), codec::error::malformed_protobuf);
  REQUIRE_ERR(decode(hex("0802 1a03 0801 10")), codec::error::malformed_protobuf);

  const SprayMessage offer = SprayOffer{};
  const SprayMessage sync = SpraySync{1, false, 1, 1};
  const SprayMessage abort = SprayAbort{NoPlanReason::no_budget, "no descriptors"};
  REQUIRE_ERR(expect_offer(sync), error::unexpected_type);
  REQUIRE_ERR(expect_offer(abort), error::aborted_by_peer);
  REQUIRE_ERR(expect_sync(offer, 1), error::unexpected_type);
  REQUIRE_ERR(expect_sync(abort, 1), error::aborted_by_peer);
  REQUIRE_ERR(expect_sync(sync, 2), error::invalid_round);
  CHECK_OK(expect_offer(offer));
  CHECK_OK(expect_sync(sync, 1));
  // plan_mismatch and no_plan: verify_sync (spray_plan_test.cpp).

  // The local decisions have messages and the right coarse class.
  for (auto e : {error::missing_type, error::unknown_type, error::missing_body, error::unsupported_version,
                 error::invalid_port_range, error::caps_out_of_range, error::invalid_round, error::unexpected_type,
                 error::plan_mismatch}) {
    CHECK(error_code(e) == condition::protocol_violation);
    CHECK_FALSE(error_code(e).message().empty());
  }
  CHECK(error_code(error::no_plan) == condition::refused);
  CHECK(error_code(error::aborted_by_peer) == condition::refused);
  CHECK(error_code(error::rounds_exhausted) == condition::resource_limit);
  CHECK(error_code(error::budget_denied) == condition::resource_limit);
  CHECK(std::string(error_code(error::budget_denied).category().name()) == "lp2p.spray");
}
