// The hand-written identify encoder/decoder against the generated protobuf code it replaced (kept here
// as the reference): byte-identical encodings, the same accept/reject decisions and values, and
// PreparedMessage (our reply encoded once, observedAddr added per connection) equal to a full encode.
#include "lp2p/codec/identify/message.hpp"

#include "identify.pb.h"
#include "lp2p/codec/frame.hpp"
#include "lp2p/core/uvarint.hpp"
#include "support/check.hpp"
#include "unit/messages/test_util.hpp"

#include <random>

using namespace lp2p;
using lp2p::identify::IdentifyMessage;
using lp2p::test::hex;
using lp2p::test::random_bytes;

namespace {

Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
Bytes& operator+=(Bytes& a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// ---- the previous implementation (generated protobuf code) -------------------------------------------
std::string pb_bytes(const Bytes& b) { return std::string(b.begin(), b.end()); }
Bytes from_pb(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes reference_encode(const IdentifyMessage& msg) {
  ::identify::pb::Identify p;
  if (msg.public_key) p.set_publickey(pb_bytes(*msg.public_key));
  for (const auto& a : msg.listen_addrs) p.add_listenaddrs(pb_bytes(a));
  for (const auto& s : msg.protocols) p.add_protocols(s);
  if (msg.observed_addr) p.set_observedaddr(pb_bytes(*msg.observed_addr));
  if (msg.protocol_version) p.set_protocolversion(*msg.protocol_version);
  if (msg.agent_version) p.set_agentversion(*msg.agent_version);
  if (msg.signed_peer_record) p.set_signedpeerrecord(pb_bytes(*msg.signed_peer_record));
  Bytes out(p.ByteSizeLong());
  p.SerializeWithCachedSizesToArray(out.data());
  return out;
}

std::optional<IdentifyMessage> reference_decode(BytesView body) {
  ::identify::pb::Identify p;
  if (!p.ParseFromArray(body.data(), static_cast<int>(body.size()))) return std::nullopt;
  IdentifyMessage msg;
  if (p.has_publickey()) msg.public_key = from_pb(p.publickey());
  for (const auto& a : p.listenaddrs()) msg.listen_addrs.push_back(from_pb(a));
  msg.protocols.assign(p.protocols().begin(), p.protocols().end());
  if (p.has_observedaddr()) msg.observed_addr = from_pb(p.observedaddr());
  if (p.has_protocolversion()) msg.protocol_version = p.protocolversion();
  if (p.has_agentversion()) msg.agent_version = p.agentversion();
  if (p.has_signedpeerrecord()) msg.signed_peer_record = from_pb(p.signedpeerrecord());
  return msg;
}

// Both decoders on `body` (at most max_message_size): same decision, same value.
void check_same_decode(BytesView body) {
  INFO("body " << to_hex(body));
  const auto ours = lp2p::identify::decode(body);
  const auto ref = reference_decode(body);
  REQUIRE(ours.has_value() == ref.has_value());
  if (ours) {
    CHECK(*ours == *ref);
  } else {
    CHECK(ours.error() == codec::error::malformed_protobuf);
  }
}

IdentifyMessage random_message(std::mt19937& rng, std::size_t scale = 1) {
  auto maybe = [&](std::size_t n) -> std::optional<Bytes> {
    if (rng() % 3 == 0) return std::nullopt;
    return random_bytes(rng, n);
  };
  auto maybe_str = [&](std::size_t n) -> std::optional<std::string> {
    auto b = maybe(n);
    if (!b) return std::nullopt;
    return std::string(b->begin(), b->end());
  };
  IdentifyMessage m;
  m.public_key = maybe(60);
  for (int k = rng() % 6; k > 0; --k) m.listen_addrs.push_back(random_bytes(rng, 40 * scale));
  for (int k = rng() % 8; k > 0; --k) {
    auto b = random_bytes(rng, 30 * scale);
    m.protocols.emplace_back(b.begin(), b.end());
  }
  m.observed_addr = maybe(40);
  m.protocol_version = maybe_str(20);
  m.agent_version = maybe_str(140 * scale);  // lengths past 127: two-byte length prefixes
  if (rng() % 4 == 0) m.signed_peer_record = maybe(300 * scale);
  return m;
}

// A tag written as protobuf's ReadTag accepts it: `extra` redundant continuation bytes (non-minimal).
Bytes tag_bytes(std::uint32_t tag, int extra = 0) {
  Bytes out;
  do {
    std::uint8_t b = tag & 0x7f;
    tag >>= 7;
    if (tag || extra > 0) b |= 0x80;
    out.push_back(b);
  } while (tag);
  for (int i = 0; i < extra; ++i) out.push_back(i + 1 == extra ? 0x00 : 0x80);
  return out;
}

}  // namespace

TEST_CASE("identify fast path: encode is byte-identical to protobuf", "[codec][identify][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int i = 0; i < 500; ++i) {
    const auto m = random_message(rng, 1 + i % 3);
    const auto ref = reference_encode(m);
    auto enc = lp2p::identify::encode(m);
    if (ref.size() > lp2p::identify::max_message_size) {
      REQUIRE_ERR(enc, codec::error::message_too_large);
      continue;
    }
    REQUIRE_OK(enc);
    REQUIRE(to_hex(*enc) == to_hex(ref));
    auto frames = lp2p::identify::encode_frames(m);
    REQUIRE_OK(frames);
    REQUIRE(*frames == codec::encode_frame(ref));
  }
}

TEST_CASE("identify fast path: encode_frames split matches protobuf", "[codec][identify][limits]") {
  IdentifyMessage m;
  m.public_key = Bytes(36, 0x01);
  m.listen_addrs.assign(250, hex("047f000001060fa1"));
  m.protocols = {"/ipfs/id/1.0.0"};
  m.observed_addr = hex("0401020304061f90");
  m.agent_version = "lp2p";
  m.signed_peer_record = Bytes(2000, 0x42);
  IdentifyMessage rest = m;
  rest.signed_peer_record.reset();
  const IdentifyMessage record_only{.signed_peer_record = m.signed_peer_record};
  auto two = lp2p::identify::encode_frames(m);
  REQUIRE_OK(two);
  Bytes expected = codec::encode_frame(reference_encode(rest));
  codec::append_frame(expected, reference_encode(record_only));
  CHECK(*two == expected);
}

TEST_CASE("identify fast path: PreparedMessage equals a full encode", "[codec][identify]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  // Fixed configurations: nothing, only the per-connection field, a typical host reply, and fields after
  // observedAddr only.
  std::vector<IdentifyMessage> configs(4);
  configs[2].public_key = hex("08011220") + Bytes(32, 0x07);
  configs[2].listen_addrs = {hex("047f000001060fa1"), hex("29") + Bytes(16, 0) + hex("060fa1")};
  configs[2].protocols = {"/ipfs/id/1.0.0", "/ipfs/id/push/1.0.0", "/ipfs/ping/1.0.0", "/perf/1.0.0"};
  configs[2].protocol_version = "ipfs/0.1.0";
  configs[2].agent_version = "lp2p/0.1.0";
  configs[3].agent_version = "";
  configs[3].signed_peer_record = hex("aabbcc");
  for (int i = 0; i < 300; ++i) configs.push_back(random_message(rng));
  const std::vector<std::optional<Bytes>> observed = {std::nullopt, Bytes{}, hex("0401020304061f90"),
                                                      hex("29") + Bytes(16, 0xfe) + hex("06ffff"),
                                                      Bytes(200, 0x33)};
  for (std::size_t i = 0; i < configs.size(); ++i) {
    INFO("config " << i);
    auto base = configs[i];
    base.observed_addr = hex("0499");  // ignored by the constructor
    const lp2p::identify::PreparedMessage prepared(base);
    for (const auto& o : observed) {
      auto full = configs[i];
      full.observed_addr = o;
      const auto ref = reference_encode(full);
      auto fast = prepared.encode_frame(o ? std::optional<BytesView>(*o) : std::nullopt);
      if (ref.size() > lp2p::identify::max_message_size) {
        REQUIRE_ERR(fast, codec::error::message_too_large);
        continue;
      }
      REQUIRE_OK(fast);
      REQUIRE(to_hex(*fast) == to_hex(codec::encode_frame(ref)));
    }
  }
}

TEST_CASE("identify fast path: PreparedMessage at and one past 4096", "[codec][identify][limits]") {
  IdentifyMessage m;
  // observedAddr of 8 bytes = 10 on the wire; agentVersion 1 + 2 + n; 4096 at n = 4083.
  m.agent_version = std::string(4083, 'x');
  const Bytes observed = hex("0401020304061f90");
  auto at = lp2p::identify::PreparedMessage(m).encode_frame(BytesView(observed));
  REQUIRE_OK(at);
  CHECK(at->size() == 2 + lp2p::identify::max_message_size);
  auto body = codec::decode_frame(*at, lp2p::identify::max_message_size);
  REQUIRE_OK(body);
  REQUIRE(*body);
  auto dec = lp2p::identify::decode((*body)->body);
  REQUIRE_OK(dec);
  CHECK(dec->observed_addr == observed);
  CHECK(dec->agent_version == m.agent_version);
  m.agent_version->push_back('x');
  REQUIRE_ERR(lp2p::identify::PreparedMessage(m).encode_frame(BytesView(observed)), codec::error::message_too_large);
  REQUIRE_OK(lp2p::identify::PreparedMessage(m).encode_frame(std::nullopt));  // fits without it
}

TEST_CASE("identify fast path: decode agrees with protobuf on edge cases", "[codec][identify][errors]") {
  const Bytes v = hex("0a02 0102");  // publicKey = 01 02
  const std::vector<Bytes> cases = {
      {},
      v,
      hex("00"),                     // tag 0
      hex("0c"),                     // stray end group
      hex("0a02 01"),                // truncated value
      hex("0a"),                     // truncated length
      hex("02 00"),                  // field 0, length-delimited
      hex("00 0a02 0102"),           // tag 0 first
      hex("0e 00"), hex("0f 00"),    // wire types 6, 7
      hex("08 01"),                  // field 1 as a varint: unknown, skipped
      hex("08 ffffffffffffffffff01"),  // 10-byte varint
      hex("08 ffffffffffffffffff81"),  // 10 bytes, still continued
      hex("08 ffffffffffffffffffff01"),  // 11 bytes
      hex("08 80"),                  // truncated varint
      hex("09 0102030405060708"), hex("09 01020304050607"),  // fixed64 and truncated
      hex("0d 01020304"), hex("0d 010203"),                  // fixed32 and truncated
      hex("0b 0c"), hex("0b 14"), hex("0b"), hex("0b 08 01 0c"),  // groups: closed, wrong end, open
      hex("0b 13 14 0c"), hex("0b 13 0c 14"),                // nested, wrongly nested
      hex("0b 00 0c"),                                       // tag 0 inside a group
      hex("3a 00"), hex("3a 01 ff"),  // field 7, length-delimited: unknown
      hex("4a 00"), hex("52 01 00"),  // fields 9 and 10
      hex("0a 80 80 80 80 00"),       // 5-byte zero length
      hex("0a 80 80 80 80 08"),       // 2 GiB
      hex("0a 80 80 80 80 07"),       // near 2 GiB
      hex("0a ff ff ff ff 07"),       // 2^31 - 1
      hex("0a 82 00 0102"),           // non-minimal length
      hex("0a 80 80 80 80 80"),       // 6-byte length
      hex("8a 80 80 80 00 02 0102"),  // non-minimal 5-byte tag for field 1
      hex("8a 80 80 80 10 02 0102"),  // bits past 32 in a tag
      hex("8a 80 80 80 80 00 02"),    // 6-byte tag
      hex("fa ff ff ff 0f 00"),       // largest field number
      hex("2200 2203 010203"),        // repeated optional: the last wins
      hex("1a00 1a00"),               // empty repeated entries
  };
  for (const auto& c : cases) check_same_decode(c);
  for (int extra = 0; extra < 5; ++extra) check_same_decode(tag_bytes(0x0a, extra) + hex("02 0102"));

  // Groups nested 100 deep are accepted, 101 are not (protobuf's recursion limit).
  for (std::size_t depth : {99u, 100u, 101u, 102u}) {
    Bytes g;
    for (std::size_t i = 0; i < depth; ++i) g.push_back(0x0b);
    for (std::size_t i = 0; i < depth; ++i) g.push_back(0x0c);
    check_same_decode(g);
  }
}

TEST_CASE("identify fast path: decode agrees with protobuf on random and mutated input",
          "[codec][identify][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int i = 0; i < 3000; ++i) {
    Bytes body;
    switch (i % 3) {
      case 0: body = random_bytes(rng, 64); break;
      case 1: {  // a valid message with a few bytes changed, inserted or cut
        body = reference_encode(random_message(rng));
        if (body.size() > lp2p::identify::max_message_size) body.resize(lp2p::identify::max_message_size);
        for (int k = 1 + rng() % 3; k > 0 && !body.empty(); --k) {
          const std::size_t at = rng() % body.size();
          switch (rng() % 3) {
            case 0: body[at] = static_cast<std::uint8_t>(rng()); break;
            case 1: body.insert(body.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::uint8_t>(rng())); break;
            default: body.resize(at); break;
          }
        }
        if (body.size() > lp2p::identify::max_message_size) body.resize(lp2p::identify::max_message_size);
        break;
      }
      default: {  // random well-formed-looking fields of every wire type
        for (int k = rng() % 8; k > 0; --k) {
          const std::uint32_t field = rng() % 12;
          const std::uint32_t wt = rng() % 8;
          body += tag_bytes(field << 3 | wt, rng() % 8 == 0 ? 1 : 0);
          if (wt == 2) {
            const auto value = random_bytes(rng, 12);
            uvarint::encode(value.size() + (rng() % 10 == 0 ? 1 : 0), body);
            body += value;
          } else {
            body += random_bytes(rng, 9);
          }
        }
      }
    }
    check_same_decode(body);
  }
}

TEST_CASE("identify fast path: decode_into equals decode + merge", "[codec][identify][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int i = 0; i < 200; ++i) {
    IdentifyMessage via_merge, direct;
    for (int k = 1 + rng() % 3; k > 0; --k) {
      const auto body = reference_encode(random_message(rng));
      if (body.size() > lp2p::identify::max_message_size) continue;
      auto part = lp2p::identify::decode(body);
      REQUIRE_OK(part);
      lp2p::identify::merge(via_merge, *part);
      REQUIRE_OK(lp2p::identify::decode_into(body, direct));
    }
    REQUIRE(direct == via_merge);
  }
  // A failed decode leaves the target as it was, even when valid fields precede the fault.
  IdentifyMessage m;
  m.protocols = {"/a"};
  m.agent_version = "x";
  const IdentifyMessage before = m;
  REQUIRE_ERR(lp2p::identify::decode_into(Bytes(lp2p::identify::max_message_size + 1, 0), m), codec::error::frame_too_large);
  REQUIRE_ERR(lp2p::identify::decode_into(hex("0a05 01"), m), codec::error::malformed_protobuf);
  REQUIRE_ERR(lp2p::identify::decode_into(hex("1a02 2f62 3201 79 0f"), m), codec::error::malformed_protobuf);
  CHECK(m == before);
}
