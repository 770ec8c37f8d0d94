#include "lp2p/codec/identify/message.hpp"

#include "lp2p/codec/frame.hpp"
#include "lp2p/core/uvarint.hpp"

namespace lp2p::identify {
namespace {

// The protobuf wire format of identify.proto, written and read by hand: every field is length-delimited
// (wire type 2) with a field number below 16, so each tag is one byte. Going through the generated
// Identify class cost two copies of every field (into the protobuf object, then into the plain struct)
// and an allocation per field for the protobuf string objects, on every connection.
constexpr std::uint8_t tag(unsigned field) { return static_cast<std::uint8_t>(field << 3 | 2); }
constexpr unsigned f_public_key = 1, f_listen_addrs = 2, f_protocols = 3, f_observed_addr = 4,
                   f_protocol_version = 5, f_agent_version = 6, f_signed_peer_record = 8;

std::size_t field_size(std::size_t len) { return 1 + uvarint::encoded_size(len) + len; }

void put_field(unsigned field, BytesView value, Bytes& out) {
  out.push_back(tag(field));
  uvarint::encode(value.size(), out);
  out.insert(out.end(), value.begin(), value.end());
}
void put_field(unsigned field, std::string_view value, Bytes& out) { put_field(field, as_bytes(value), out); }

// Fields 1-3: what protobuf's tag order puts before observedAddr.
std::size_t head_size(const IdentifyMessage& m) {
  std::size_t n = m.public_key ? field_size(m.public_key->size()) : 0;
  for (const auto& a : m.listen_addrs) n += field_size(a.size());
  for (const auto& p : m.protocols) n += field_size(p.size());
  return n;
}
void put_head(const IdentifyMessage& m, Bytes& out) {
  if (m.public_key) put_field(f_public_key, *m.public_key, out);
  for (const auto& a : m.listen_addrs) put_field(f_listen_addrs, a, out);
  for (const auto& p : m.protocols) put_field(f_protocols, p, out);
}
// Fields 5, 6 and 8: what follows observedAddr.
std::size_t tail_size(const IdentifyMessage& m, bool with_record = true) {
  std::size_t n = 0;
  if (m.protocol_version) n += field_size(m.protocol_version->size());
  if (m.agent_version) n += field_size(m.agent_version->size());
  if (with_record && m.signed_peer_record) n += field_size(m.signed_peer_record->size());
  return n;
}
void put_tail(const IdentifyMessage& m, Bytes& out, bool with_record = true) {
  if (m.protocol_version) put_field(f_protocol_version, *m.protocol_version, out);
  if (m.agent_version) put_field(f_agent_version, *m.agent_version, out);
  if (with_record && m.signed_peer_record) put_field(f_signed_peer_record, *m.signed_peer_record, out);
}

std::size_t body_size(const IdentifyMessage& m, bool with_record = true) {
  return head_size(m) + (m.observed_addr ? field_size(m.observed_addr->size()) : 0) + tail_size(m, with_record);
}
void put_body(const IdentifyMessage& m, Bytes& out, bool with_record = true) {
  put_head(m, out);
  if (m.observed_addr) put_field(f_observed_addr, *m.observed_addr, out);
  put_tail(m, out, with_record);
}

// ---- decoding -----------------------------------------------------------------------------------------
// Accepts exactly what protobuf 3.21's generated parser (ParseFromArray) accepts for this proto2 message,
// so that the switch changed no peer's outcome: unknown fields of every wire type are skipped (groups
// nested at most 100 deep, closed by the matching end tag), a known field number with another wire type
// is an unknown field, tags are 32-bit varints of at most 5 bytes (non-minimal forms allowed, bits past
// 32 dropped), lengths at most 5 bytes below 2^31 - 16, varints at most 10 bytes, and tag 0, a stray end
// tag, field number 0, wire types 6 and 7 or any truncation fail. tests/unit/messages compares the two
// parsers on random and mutated inputs.
class Parser {
 public:
  explicit Parser(BytesView in) : p_(in.data()), end_(in.data() + in.size()) {}

  bool done() const { return p_ == end_; }

  // A tag as protobuf's ReadTag reads it; false when it is longer than 5 bytes or truncated.
  bool tag(std::uint32_t& out) {
    std::uint32_t v = 0;
    for (int i = 0; i < 5; ++i) {
      if (p_ == end_) return false;
      const std::uint8_t b = *p_++;
      v |= static_cast<std::uint32_t>(b & 0x7f) << (7 * i);
      if (b < 0x80) {
        out = v;
        return true;
      }
    }
    return false;
  }

  // A length-delimited value (protobuf's ReadSize, then a bounds check).
  bool length_delimited(BytesView& out) {
    std::uint32_t len = 0;
    for (int i = 0;; ++i) {
      if (p_ == end_) return false;
      const std::uint8_t b = *p_++;
      if (i == 4) {
        if (b >= 8) return false;  // 2 GiB or more
        len |= static_cast<std::uint32_t>(b) << 28;
        if (len > 0x7fffffffu - 16) return false;
        break;
      }
      len |= static_cast<std::uint32_t>(b & 0x7f) << (7 * i);
      if (b < 0x80) break;
    }
    if (static_cast<std::size_t>(end_ - p_) < len) return false;
    out = BytesView(p_, len);
    p_ += len;
    return true;
  }

  // Skips an unknown field whose tag was just read (`depth` groups already open).
  bool skip(std::uint32_t tag, int depth) {
    if ((tag >> 3) == 0) return false;
    switch (tag & 7) {
      case 0:  // varint
        for (int i = 0; i < 10; ++i) {
          if (p_ == end_) return false;
          if (*p_++ < 0x80) return true;
        }
        return false;
      case 1: return advance(8);
      case 2: {
        BytesView ignored;
        return length_delimited(ignored);
      }
      case 3: {  // a group: fields until the end tag with the same number
        if (depth >= max_group_depth) return false;
        for (;;) {
          std::uint32_t inner = 0;
          if (!this->tag(inner)) return false;
          if (inner == 0) return false;
          if ((inner & 7) == 4) return inner == tag + 1;  // n << 3 | 4 closes n << 3 | 3
          if (!skip(inner, depth + 1)) return false;
        }
      }
      case 5: return advance(4);
      default: return false;  // 4 outside a group, 6, 7
    }
  }

 private:
  static constexpr int max_group_depth = 100;  // protobuf's default recursion limit

  bool advance(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) return false;
    p_ += n;
    return true;
  }

  const std::uint8_t* p_;
  const std::uint8_t* end_;
};

Bytes to_bytes_copy(BytesView v) { return Bytes(v.begin(), v.end()); }
std::string to_string_copy(BytesView v) { return std::string(v.begin(), v.end()); }

template <class T>
void assign(std::optional<T>& into, BytesView v) {
  if (into) into->assign(v.begin(), v.end());  // reuses its buffer (a second message overwriting)
  else into.emplace(v.begin(), v.end());
}

}  // namespace

result<Bytes> encode(const IdentifyMessage& msg) {
  const std::size_t size = body_size(msg);
  if (size > max_message_size) return error_code(codec::error::message_too_large);
  Bytes out;
  out.reserve(size);
  put_body(msg, out);
  return out;
}

result<Bytes> encode_frames(const IdentifyMessage& msg) {
  const std::size_t size = body_size(msg);
  Bytes out;
  if (size <= max_message_size) {
    out.reserve(uvarint::encoded_size(size) + size);
    uvarint::encode(size, out);
    put_body(msg, out);
    return out;
  }
  if (!msg.signed_peer_record) return error_code(codec::error::message_too_large);
  const std::size_t rest = body_size(msg, /*with_record=*/false);
  const std::size_t record = field_size(msg.signed_peer_record->size());
  if (rest > max_message_size || record > max_message_size) return error_code(codec::error::message_too_large);
  out.reserve(uvarint::encoded_size(rest) + rest + uvarint::encoded_size(record) + record);
  uvarint::encode(rest, out);
  put_body(msg, out, /*with_record=*/false);
  uvarint::encode(record, out);
  put_field(f_signed_peer_record, *msg.signed_peer_record, out);
  return out;
}

namespace {
// Walks a message body, calling on_field(field number, value) for every known field; false when the
// body is malformed (see Parser).
template <class OnField>
bool walk(BytesView body, OnField&& on_field) {
  Parser in(body);
  while (!in.done()) {
    std::uint32_t t = 0;
    if (!in.tag(t) || t == 0) return false;
    const std::uint32_t field = t >> 3;
    if ((t & 7) == 2 && field >= f_public_key && field <= f_signed_peer_record && field != 7) {
      BytesView v;
      if (!in.length_delimited(v)) return false;
      on_field(field, v);
      continue;
    }
    if ((t & 7) == 4 || !in.skip(t, 0)) return false;
  }
  return true;
}
}  // namespace

result<void> decode_into(BytesView body, IdentifyMessage& into) {
  if (body.size() > max_message_size) return error_code(codec::error::frame_too_large);
  // Validate and count first: `into` stays untouched on error, and the repeated fields grow once.
  std::size_t addrs = 0, protocols = 0;
  if (!walk(body, [&](std::uint32_t field, BytesView) {
        addrs += field == f_listen_addrs;
        protocols += field == f_protocols;
      }))
    return error_code(codec::error::malformed_protobuf);
  into.listen_addrs.reserve(into.listen_addrs.size() + addrs);
  into.protocols.reserve(into.protocols.size() + protocols);
  walk(body, [&](std::uint32_t field, BytesView v) {
    switch (field) {
      case f_public_key: assign(into.public_key, v); break;
      case f_listen_addrs: into.listen_addrs.push_back(to_bytes_copy(v)); break;
      case f_protocols: into.protocols.push_back(to_string_copy(v)); break;
      case f_observed_addr: assign(into.observed_addr, v); break;
      case f_protocol_version: assign(into.protocol_version, v); break;
      case f_agent_version: assign(into.agent_version, v); break;
      case f_signed_peer_record: assign(into.signed_peer_record, v); break;
      default: break;
    }
  });
  return {};
}

result<IdentifyMessage> decode(BytesView body) {
  IdentifyMessage msg;
  if (auto r = decode_into(body, msg); !r) return r.error();
  return msg;
}

PreparedMessage::PreparedMessage(const IdentifyMessage& msg) {
  head_.reserve(head_size(msg));
  put_head(msg, head_);
  tail_.reserve(tail_size(msg));
  put_tail(msg, tail_);
}

result<Bytes> PreparedMessage::encode_frame(std::optional<BytesView> observed_addr) const {
  const std::size_t size =
      head_.size() + (observed_addr ? field_size(observed_addr->size()) : 0) + tail_.size();
  if (size > max_message_size) return error_code(codec::error::message_too_large);
  Bytes out;
  out.reserve(uvarint::encoded_size(size) + size);
  uvarint::encode(size, out);
  out.insert(out.end(), head_.begin(), head_.end());
  if (observed_addr) put_field(f_observed_addr, *observed_addr, out);
  out.insert(out.end(), tail_.begin(), tail_.end());
  return out;
}

namespace {
template <class T>
void overwrite(std::optional<T>& into, const std::optional<T>& next) {
  if (next) into = next;
}
void overwrite_optionals(IdentifyMessage& into, const IdentifyMessage& next) {
  overwrite(into.public_key, next.public_key);
  overwrite(into.observed_addr, next.observed_addr);
  overwrite(into.protocol_version, next.protocol_version);
  overwrite(into.agent_version, next.agent_version);
  overwrite(into.signed_peer_record, next.signed_peer_record);
}
}  // namespace

void merge(IdentifyMessage& into, const IdentifyMessage& next) {
  overwrite_optionals(into, next);
  into.listen_addrs.insert(into.listen_addrs.end(), next.listen_addrs.begin(), next.listen_addrs.end());
  into.protocols.insert(into.protocols.end(), next.protocols.begin(), next.protocols.end());
}

void apply_push(IdentifyMessage& state, const IdentifyMessage& push) {
  overwrite_optionals(state, push);
  if (!push.listen_addrs.empty()) state.listen_addrs = push.listen_addrs;
  if (!push.protocols.empty()) state.protocols = push.protocols;
}

}  // namespace lp2p::identify
