#include "lp2p/codec/multistream/message.hpp"

#include "lp2p/core/uvarint.hpp"
#include "support/check.hpp"

#include <random>

using namespace lp2p;
namespace ms = lp2p::multistream;

namespace {
Bytes hex(std::string_view h) {
  Bytes out;
  REQUIRE(from_hex(h, out));
  return out;
}
Bytes cat(std::initializer_list<BytesView> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
// Reads every complete message; returns them, leaving the rest buffered.
std::vector<std::string> drain(ms::MessageReader& r, error_code& ec) {
  std::vector<std::string> out;
  while (auto m = r.next(ec)) out.push_back(*m);
  return out;
}
}  // namespace

TEST_CASE("multistream messages match the spec bytes", "[multistream][codec]") {
  // https://github.com/multiformats/multistream-select#protocol: uvarint(len incl. '\n') || bytes || '\n'
  CHECK(ms::encode_message(ms::not_available) == hex("036e610a"));
  CHECK(ms::encode_message(ms::list_request) == hex("036c730a"));
  CHECK(ms::encode_message(ms::protocol_id) == cat({hex("13"), as_bytes("/multistream/1.0.0\n")}));
  CHECK(ms::encode_message(ms::protocol_id).size() == 20);
  CHECK(ms::encode_message("/noise") == hex("072f6e6f6973650a"));
  CHECK(ms::encode_message("/yamux/1.0.0") == cat({hex("0d"), as_bytes("/yamux/1.0.0\n")}));
  // A 127-byte message still has a 1-byte prefix; 128 needs two.
  CHECK(ms::encode_message(std::string(126, 'a')).front() == 0x7f);
  const Bytes two = ms::encode_message(std::string(127, 'a'));
  CHECK(two[0] == 0x80);
  CHECK(two[1] == 0x01);
  CHECK(two.size() == 130);
}

TEST_CASE("multistream decode_message round-trips", "[multistream][codec]") {
  const Bytes wire = cat({ms::encode_message("/ipfs/id/1.0.0"), hex("aabb")});
  error_code ec;
  auto m = ms::decode_message(wire, ms::default_max_message_size, ec);
  REQUIRE(m);
  CHECK_FALSE(ec);
  CHECK(m->content == "/ipfs/id/1.0.0");
  CHECK(m->size == wire.size() - 2);
  // Every strict prefix needs more bytes and is not an error.
  for (std::size_t i = 0; i < m->size; ++i) {
    CHECK_FALSE(ms::decode_message(BytesView(wire).first(i), ms::default_max_message_size, ec));
    CHECK_FALSE(ec);
  }
}

TEST_CASE("multistream protocol names must start with '/'", "[multistream][codec]") {
  CHECK(ms::is_valid_protocol_name("/noise"));
  CHECK(ms::is_valid_protocol_name("/"));
  CHECK_FALSE(ms::is_valid_protocol_name(""));
  CHECK_FALSE(ms::is_valid_protocol_name("noise"));
  CHECK_FALSE(ms::is_valid_protocol_name("na"));
  CHECK_FALSE(ms::is_valid_protocol_name("/a\nb"));
}

TEST_CASE("multistream reader handles every split point and byte-at-a-time feeding", "[multistream][codec]") {
  // Starts like a 32-byte message that never completes, so the reader must leave it buffered untouched.
  const Bytes payload = hex("20deadbeef0a0a");
  const Bytes wire = cat({ms::encode_message(ms::protocol_id), ms::encode_message("/noise"),
                          ms::encode_message(ms::not_available), ms::encode_message(std::string(300, 'x')),
                          payload});
  const std::vector<std::string> expected{std::string(ms::protocol_id), "/noise", "na", std::string(300, 'x')};
  const std::size_t messages_end = wire.size() - payload.size();

  SECTION("two chunks at every split") {
    for (std::size_t split = 0; split <= wire.size(); ++split) {
      INFO("split " << split);
      ms::MessageReader r;
      error_code ec;
      r.feed(BytesView(wire).first(split));
      auto got = drain(r, ec);
      REQUIRE_FALSE(ec);
      r.feed(BytesView(wire).subspan(split));
      auto rest = drain(r, ec);
      REQUIRE_FALSE(ec);
      got.insert(got.end(), rest.begin(), rest.end());
      REQUIRE(got == expected);
      REQUIRE(Bytes(r.buffered().begin(), r.buffered().end()) == payload);
    }
  }
  SECTION("one byte at a time") {
    ms::MessageReader r;
    error_code ec;
    std::vector<std::string> got;
    for (std::size_t i = 0; i < wire.size(); ++i) {
      r.feed(BytesView(wire).subspan(i, 1));
      auto part = drain(r, ec);
      REQUIRE_FALSE(ec);
      got.insert(got.end(), part.begin(), part.end());
      if (i + 1 == messages_end) CHECK(got == expected);
    }
    CHECK(got == expected);
    CHECK(r.take_buffered() == payload);
    CHECK(r.buffered().empty());
  }
}

TEST_CASE("multistream take_buffered hands out the rest and leaves the reader usable", "[multistream][codec]") {
  const Bytes first = ms::encode_message("/multistream/1.0.0");
  const Bytes second = ms::encode_message("/noise");
  const Bytes tail{0x00, 0x20, 0xde, 0xad};
  ms::MessageReader r;
  error_code ec;
  SECTION("nothing buffered") {
    r.feed(first);
    REQUIRE(r.next(ec) == std::optional<std::string>("/multistream/1.0.0"));
    CHECK(r.take_buffered().empty());
  }
  SECTION("rest behind a consumed message, then more messages") {
    Bytes wire = first;
    wire.insert(wire.end(), tail.begin(), tail.end());
    r.feed(wire);
    REQUIRE(r.next(ec) == std::optional<std::string>("/multistream/1.0.0"));
    CHECK(r.take_buffered() == tail);
  }
  SECTION("nothing consumed yet") {
    r.feed(tail);
    CHECK(r.take_buffered() == tail);
  }
  // Whatever was handed out, the reader starts over empty and decodes what follows.
  CHECK(r.buffered().empty());
  r.feed(second);
  CHECK(r.next(ec) == std::optional<std::string>("/noise"));
  CHECK_FALSE(ec);
  CHECK(r.take_buffered().empty());
}

TEST_CASE("multistream message size limit: 1024 accepted, 1025 rejected", "[multistream][codec][limits]") {
  // The limit is on the length-prefix value, which counts the '\n' (go's ErrTooLarge check).
  const Bytes at = ms::encode_message(std::string(1023, 'a'));
  const Bytes over = ms::encode_message(std::string(1024, 'a'));
  error_code ec;
  {
    ms::MessageReader r;
    r.feed(at);
    auto m = r.next(ec);
    REQUIRE(m);
    CHECK(m->size() == 1023);
  }
  {
    ms::MessageReader r;
    r.feed(BytesView(over).first(2));  // the prefix alone is enough to reject
    CHECK_FALSE(r.next(ec));
    CHECK(ec == ms::error::message_too_large);
    CHECK(ec == condition::resource_limit);
    // Sticky: feeding the rest does not revive it.
    r.feed(BytesView(over).subspan(2));
    error_code again;
    CHECK_FALSE(r.next(again));
    CHECK(again == ms::error::message_too_large);
  }
  {
    ms::MessageReader r(10);  // configurable
    CHECK(r.max_message_size() == 10);
    r.feed(ms::encode_message("/123456789"));  // 11 bytes with '\n'
    CHECK_FALSE(r.next(ec));
    CHECK(ec == ms::error::message_too_large);
  }
}

TEST_CASE("multistream reader rejects malformed frames", "[multistream][codec]") {
  auto first_error = [](const Bytes& wire) {
    ms::MessageReader r;
    r.feed(wire);
    error_code ec;
    while (r.next(ec)) {
    }
    return ec;
  };
  CHECK(first_error(hex("03616263")) == ms::error::missing_newline);  // "abc" without '\n'
  CHECK(first_error(hex("00")) == ms::error::missing_newline);        // empty message
  CHECK(first_error(hex("8100")) == core::error::varint_not_minimal);
  CHECK(first_error(Bytes(9, 0xff)) == core::error::varint_overlong);
  CHECK(first_error(hex("8100")) == condition::protocol_violation);
  // Incomplete input is not an error.
  CHECK_FALSE(first_error(hex("80")));
  CHECK_FALSE(first_error(hex("056e61")));
}

TEST_CASE("multistream ls response encodes nested frames", "[multistream][codec][ls]") {
  const std::vector<std::string> protocols{"/a", "/bc"};
  Bytes out;
  ms::encode_ls_response(protocols, out);
  // outer len 0x0a | 03 "/a\n" | 04 "/bc\n" | final '\n'
  CHECK(out == hex("0a" "032f610a" "042f62630a" "0a"));

  ms::MessageReader r;
  r.feed(out);
  error_code ec;
  auto content = r.next(ec);
  REQUIRE(content);
  auto parsed = ms::parse_ls_response(*content);
  REQUIRE_OK(parsed);
  CHECK(*parsed == protocols);

  Bytes empty;
  ms::encode_ls_response({}, empty);
  CHECK(empty == hex("010a"));
  auto none = ms::parse_ls_response("");
  REQUIRE_OK(none);
  CHECK(none->empty());

  // Invalid names are skipped when encoding.
  Bytes skipped;
  const std::vector<std::string> mixed{"bad", "/ok"};
  ms::encode_ls_response(mixed, skipped);
  CHECK(skipped == hex("06" "042f6f6b0a" "0a"));
}

TEST_CASE("multistream ls response stays within the message size", "[multistream][codec][ls][limits]") {
  std::vector<std::string> many;
  for (int i = 0; i < 200; ++i) many.push_back("/protocol/number/" + std::to_string(i));
  Bytes out;
  ms::encode_ls_response(many, out);
  ms::MessageReader r;
  r.feed(out);
  error_code ec;
  auto content = r.next(ec);
  REQUIRE(content);  // it fits in the default 1024 bytes
  CHECK_FALSE(ec);
  auto parsed = ms::parse_ls_response(*content);
  REQUIRE_OK(parsed);
  REQUIRE(parsed->size() < many.size());
  CHECK(std::equal(parsed->begin(), parsed->end(), many.begin()));
  CHECK(r.buffered().empty());
}

TEST_CASE("multistream ls response rejections", "[multistream][codec][ls]") {
  auto s = [](const Bytes& b) { return std::string(as_string_view(b)); };
  REQUIRE_ERR(ms::parse_ls_response(s(hex("00"))), ms::error::invalid_ls_response);          // len 0
  REQUIRE_ERR(ms::parse_ls_response(s(hex("052f610a"))), ms::error::invalid_ls_response);    // overruns
  REQUIRE_ERR(ms::parse_ls_response(s(hex("032f6161"))), ms::error::invalid_ls_response);    // no '\n'
  REQUIRE_ERR(ms::parse_ls_response(s(hex("80"))), ms::error::invalid_ls_response);          // cut prefix
  REQUIRE_ERR(ms::parse_ls_response(s(hex("03616a0a"))), ms::error::invalid_protocol_name);  // "aj"
  REQUIRE_ERR(ms::parse_ls_response(s(hex("8100"))), core::error::varint_not_minimal);
  // The final '\n' belongs to the outer message; a second one is an empty entry.
  REQUIRE_ERR(ms::parse_ls_response(s(hex("032f610a0a"))), ms::error::invalid_ls_response);

  Bytes at_limit, over_limit;
  for (std::size_t i = 0; i < ms::max_ls_protocols; ++i) ms::encode_message("/p", at_limit);
  over_limit = at_limit;
  ms::encode_message("/p", over_limit);
  auto ok = ms::parse_ls_response(s(at_limit));
  REQUIRE_OK(ok);
  CHECK(ok->size() == ms::max_ls_protocols);
  REQUIRE_ERR(ms::parse_ls_response(s(over_limit)), ms::error::too_many_protocols);
}

TEST_CASE("multistream error category", "[multistream][error]") {
  for (int e = 1; e <= static_cast<int>(ms::error::invalid_local_protocol); ++e) {
    const error_code ec = static_cast<ms::error>(e);
    CHECK(ec.category().name() == std::string("lp2p.multistream"));
    CHECK_FALSE(ec.message().empty());
    CHECK(ec.message() != "unknown multistream error");
  }
  CHECK(error_code(ms::error::protocol_not_supported) == condition::unsupported_protocol);
  CHECK(error_code(ms::error::too_many_attempts) == condition::resource_limit);
  CHECK(error_code(ms::error::bad_header) == condition::protocol_violation);
  CHECK(error_code(ms::error::no_protocols) == condition::misuse);
}

TEST_CASE("multistream messages round-trip under random chunking", "[multistream][codec][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int iter = 0; iter < 300; ++iter) {
    std::vector<std::string> msgs;
    Bytes wire;
    const int n = static_cast<int>(rng() % 8);
    for (int i = 0; i < n; ++i) {
      std::string m(rng() % 1024, '\0');  // up to 1023 + '\n' = the limit
      for (auto& c : m) c = static_cast<char>(rng());
      ms::encode_message(m, wire);
      msgs.push_back(std::move(m));
    }
    ms::MessageReader r;
    std::vector<std::string> got;
    error_code ec;
    for (std::size_t pos = 0; pos < wire.size();) {
      const std::size_t take = std::min<std::size_t>(wire.size() - pos, 1 + rng() % 200);
      r.feed(BytesView(wire).subspan(pos, take));
      pos += take;
      auto part = drain(r, ec);
      REQUIRE_FALSE(ec);
      got.insert(got.end(), part.begin(), part.end());
    }
    REQUIRE(got == msgs);
    REQUIRE(r.buffered().empty());
  }
}

TEST_CASE("multistream encode_message appends exactly prefix, content and newline",
          "[multistream][codec][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int iter = 0; iter < 500; ++iter) {
    Bytes out(rng() % 40, 0xab);  // appends after existing bytes
    if (rng() % 2) out.reserve(out.size() + rng() % 100);
    Bytes expected = out;
    for (int k = 1 + rng() % 4; k > 0; --k) {
      // Lengths around the one- and two-byte prefix boundary (127 content bytes + '\n' = 128).
      std::string content(rng() % 3 == 0 ? 120 + rng() % 16 : rng() % 300, '\0');
      for (auto& c : content) c = static_cast<char>(rng());
      ms::encode_message(content, out);
      // The byte-at-a-time reference.
      uvarint::encode(content.size() + 1, expected);
      for (char c : content) expected.push_back(static_cast<std::uint8_t>(c));
      expected.push_back('\n');
      REQUIRE(out == expected);
      REQUIRE(ms::encode_message(content) == Bytes(expected.end() - static_cast<std::ptrdiff_t>(
                                                        uvarint::encoded_size(content.size() + 1) + content.size() + 1),
                                                    expected.end()));
    }
  }
}

TEST_CASE("multistream next_view yields what next copies", "[multistream][codec][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int iter = 0; iter < 200; ++iter) {
    Bytes wire;
    for (int i = static_cast<int>(rng() % 6); i > 0; --i) {
      std::string m(rng() % 40, '\0');
      for (auto& c : m) c = static_cast<char>(rng());
      ms::encode_message(m, wire);
    }
    if (rng() % 4 == 0) wire.push_back(0xff);  // an unfinished prefix at the end
    if (rng() % 8 == 0) wire.insert(wire.end(), {0x03, 'a', 'b', 'c'});  // missing '\n': sticky error
    ms::MessageReader copying, viewing;
    for (std::size_t pos = 0; pos < wire.size();) {
      const std::size_t take = std::min<std::size_t>(wire.size() - pos, 1 + rng() % 20);
      copying.feed(BytesView(wire).subspan(pos, take));
      viewing.feed(BytesView(wire).subspan(pos, take));
      pos += take;
      for (;;) {
        error_code ec1, ec2;
        auto a = copying.next(ec1);
        auto b = viewing.next_view(ec2);
        REQUIRE(a.has_value() == b.has_value());
        REQUIRE(ec1 == ec2);
        if (!a) break;
        REQUIRE(*a == *b);
      }
      REQUIRE(to_hex(copying.buffered()) == to_hex(viewing.buffered()));
    }
  }
}
