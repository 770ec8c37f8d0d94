#include "lp2p/core/multiaddr.hpp"

#include "lp2p/core/base58.hpp"
#include "lp2p/core/multibase.hpp"
#include "lp2p/core/uvarint.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace lp2p {
namespace {

// How a protocol's value is written in binary and text.
enum class Kind {
  none,      // no value
  ip4,       // 4 bytes, dotted quad
  ip6,       // 16 bytes, RFC 5952 text
  port,      // 2 bytes big-endian, decimal
  cidr,      // 1 byte, decimal
  memory,    // 8 bytes big-endian, decimal
  name,      // length-prefixed UTF-8 without '/' (dns*, sni, ip6zone)
  path,      // length-prefixed, the rest of the text (unix); must be the last component
  peer_id,   // length-prefixed multihash, base58btc text
  certhash,  // length-prefixed multihash, multibase text
};

struct Info {
  Protocol code;
  std::string_view name;
  Kind kind;
  int size;  // > 0: fixed bytes, 0: no value, -1: uvarint length prefix
};

constexpr int var = -1;
// Codes and sizes from multiformats/multiaddr protocols.csv.
constexpr Info table[] = {
    {Protocol::ip4, "ip4", Kind::ip4, 4},
    {Protocol::tcp, "tcp", Kind::port, 2},
    {Protocol::dccp, "dccp", Kind::port, 2},
    {Protocol::ip6, "ip6", Kind::ip6, 16},
    {Protocol::ip6zone, "ip6zone", Kind::name, var},
    {Protocol::ipcidr, "ipcidr", Kind::cidr, 1},
    {Protocol::dns, "dns", Kind::name, var},
    {Protocol::dns4, "dns4", Kind::name, var},
    {Protocol::dns6, "dns6", Kind::name, var},
    {Protocol::dnsaddr, "dnsaddr", Kind::name, var},
    {Protocol::sctp, "sctp", Kind::port, 2},
    {Protocol::udp, "udp", Kind::port, 2},
    {Protocol::p2p_webrtc_star, "p2p-webrtc-star", Kind::none, 0},
    {Protocol::p2p_webrtc_direct, "p2p-webrtc-direct", Kind::none, 0},
    {Protocol::p2p_stardust, "p2p-stardust", Kind::none, 0},
    {Protocol::webrtc_direct, "webrtc-direct", Kind::none, 0},
    {Protocol::webrtc, "webrtc", Kind::none, 0},
    {Protocol::p2p_circuit, "p2p-circuit", Kind::none, 0},
    {Protocol::udt, "udt", Kind::none, 0},
    {Protocol::utp, "utp", Kind::none, 0},
    {Protocol::unix, "unix", Kind::path, var},
    {Protocol::p2p, "p2p", Kind::peer_id, var},
    {Protocol::https, "https", Kind::none, 0},
    {Protocol::tls, "tls", Kind::none, 0},
    {Protocol::sni, "sni", Kind::name, var},
    {Protocol::noise, "noise", Kind::none, 0},
    {Protocol::quic, "quic", Kind::none, 0},
    {Protocol::quic_v1, "quic-v1", Kind::none, 0},
    {Protocol::webtransport, "webtransport", Kind::none, 0},
    {Protocol::certhash, "certhash", Kind::certhash, var},
    {Protocol::ws, "ws", Kind::none, 0},
    {Protocol::wss, "wss", Kind::none, 0},
    {Protocol::p2p_websocket_star, "p2p-websocket-star", Kind::none, 0},
    {Protocol::http, "http", Kind::none, 0},
    {Protocol::memory, "memory", Kind::memory, 8},
};

const Info* by_code(std::uint64_t code) noexcept {
  for (const auto& i : table)
    if (static_cast<std::uint64_t>(i.code) == code) return &i;
  return nullptr;
}

const Info* by_name(std::string_view name) noexcept {
  if (name == "ipfs") name = "p2p";  // legacy alias, printed as p2p
  for (const auto& i : table)
    if (i.name == name) return &i;
  return nullptr;
}

error_code fail(error_code e, std::string* detail, std::string message) {
  if (detail) *detail = std::move(message);
  return e;
}

std::string quoted(std::string_view s) {
  // Keep details readable and bounded even for hostile input.
  constexpr std::size_t max = 80;
  std::string out = "'";
  out.append(s.substr(0, max));
  if (s.size() > max) out.append("...");
  out.push_back('\'');
  return out;
}

std::uint64_t read_be(BytesView b) noexcept {
  std::uint64_t v = 0;
  for (auto c : b) v = v << 8 | c;
  return v;
}

void write_be(std::uint64_t v, std::size_t n, Bytes& out) {
  for (std::size_t i = n; i-- > 0;) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::optional<std::uint64_t> parse_decimal(std::string_view s, std::uint64_t max) noexcept {
  // Digits only: no sign, no whitespace (std::from_chars rejects both for unsigned types).
  std::uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
  if (ec != std::errc{} || end != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

std::string format_ip4(BytesView b) {
  std::string s;
  for (std::size_t i = 0; i < 4; ++i) {
    if (i) s.push_back('.');
    s += std::to_string(b[i]);
  }
  return s;
}

// RFC 5952 text, as go and rust print it (glibc's inet_ntop differs for ::a.b.c.d).
std::string format_ip6(BytesView b) {
  std::array<unsigned, 8> w{};
  for (std::size_t i = 0; i < 8; ++i) w[i] = static_cast<unsigned>(b[2 * i]) << 8 | b[2 * i + 1];
  if (w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0xffff)
    return "::ffff:" + format_ip4(b.subspan(12));
  // The longest run of two or more zero groups (the first one on a tie) becomes "::".
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (w[static_cast<std::size_t>(i)] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && w[static_cast<std::size_t>(j)] == 0) ++j;
    if (j - i > best_len && j - i >= 2) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      s += "::";
      i += best_len - 1;
      continue;
    }
    if (!s.empty() && s.back() != ':') s.push_back(':');
    const unsigned v = w[static_cast<std::size_t>(i)];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned d = (v >> shift) & 0xf;
      if (d || started || shift == 0) {
        s.push_back(digits[d]);
        started = true;
      }
    }
  }
  return s;
}

// A well-formed multihash of any function (certhashes are usually sha2-256, but go accepts any).
bool is_multihash(BytesView b) noexcept {
  error_code ec;
  auto code = uvarint::decode_prefix(b, ec);
  if (!code) return false;
  auto len = uvarint::decode_prefix(b.subspan(code->size), ec);
  if (!len) return false;
  return b.size() - code->size - len->size == len->value;
}

// Checks a binary value for protocol `info` (its size already matches a fixed-size protocol).
bool valid_value(const Info& info, BytesView v) {
  if (info.size == var && v.empty()) return false;
  switch (info.kind) {
    case Kind::name:
      return std::find(v.begin(), v.end(), '/') == v.end();
    case Kind::path:
      return v.size() >= 2 && v.front() == '/' && v.back() != '/';
    case Kind::peer_id:
      return PeerId::from_bytes(v).has_value();
    case Kind::certhash:
      return is_multihash(v);
    default:
      return true;
  }
}

std::string value_to_text(const Info& info, BytesView v) {
  switch (info.kind) {
    case Kind::none: return {};
    case Kind::ip4: return format_ip4(v);
    case Kind::ip6: return format_ip6(v);
    case Kind::port:
    case Kind::cidr:
    case Kind::memory: return std::to_string(read_be(v));
    case Kind::name:
    case Kind::path: return std::string(as_string_view(v));
    case Kind::peer_id: return base58::encode(v);
    case Kind::certhash: return multibase::encode(multibase::Base::base64url, v);
  }
  return {};
}

// Text value → binary value; nullopt when the text is not a valid value.
std::optional<Bytes> value_from_text(const Info& info, std::string_view s) {
  switch (info.kind) {
    case Kind::none: return Bytes{};
    case Kind::ip4:
    case Kind::ip6: {
      const std::string z(s);  // inet_pton wants a NUL-terminated string
      if (z.size() != std::strlen(z.c_str())) return std::nullopt;
      Bytes out(static_cast<std::size_t>(info.size));
      if (inet_pton(info.kind == Kind::ip4 ? AF_INET : AF_INET6, z.c_str(), out.data()) != 1)
        return std::nullopt;
      return out;
    }
    case Kind::port:
    case Kind::cidr:
    case Kind::memory: {
      const std::uint64_t max = info.kind == Kind::port ? 0xffff : info.kind == Kind::cidr ? 0xff : UINT64_MAX;
      auto v = parse_decimal(s, max);
      if (!v) return std::nullopt;
      Bytes out;
      write_be(*v, static_cast<std::size_t>(info.size), out);
      return out;
    }
    case Kind::name:
    case Kind::path: {
      Bytes out = to_bytes(s);
      if (!valid_value(info, out)) return std::nullopt;
      return out;
    }
    case Kind::peer_id: {
      auto id = PeerId::parse(s);
      if (!id) return std::nullopt;
      return id->bytes();
    }
    case Kind::certhash: {
      auto data = multibase::decode(s);
      if (!data || !valid_value(info, *data)) return std::nullopt;
      return std::move(*data);
    }
  }
  return std::nullopt;
}

void append_component(const Info& info, BytesView value, Bytes& out) {
  uvarint::encode(static_cast<std::uint64_t>(info.code), out);
  if (info.size == var) uvarint::encode(value.size(), out);
  out.insert(out.end(), value.begin(), value.end());
}

// One component of an already validated binary multiaddr.
struct Span {
  const Info* info;
  std::size_t start;        // offset of the protocol code
  std::size_t value_start;  // offset of the value (after any length prefix)
  std::size_t end;          // one past the value
};

// Calls f(Span) for each component of bytes that came from from_bytes/parse/from_components (so cannot
// fail; the checks only stop the walk on bytes that somehow are not).
template <class F>
void for_each_span(BytesView bytes, F&& f) {
  std::size_t pos = 0;
  error_code ec;
  while (pos < bytes.size()) {
    const auto code = uvarint::decode_prefix(bytes.subspan(pos), ec);
    if (!code) return;
    const Info* info = by_code(code->value);
    if (!info) return;
    std::size_t value_start = pos + code->size;
    std::size_t len = static_cast<std::size_t>(info->size);
    if (info->size == var) {
      const auto l = uvarint::decode_prefix(bytes.subspan(value_start), ec);
      if (!l) return;
      value_start += l->size;
      len = static_cast<std::size_t>(l->value);
    }
    if (value_start + len > bytes.size()) return;
    f(Span{info, pos, value_start, value_start + len});
    pos = value_start + len;
  }
}

std::vector<Span> split(const Bytes& bytes) {
  std::vector<Span> out;
  out.reserve(4);  // ip/tcp/p2p (+ p2p-circuit/p2p) in one allocation instead of growing 1, 2, 4
  for_each_span(bytes, [&](const Span& s) { out.push_back(s); });
  return out;
}

}  // namespace

std::string_view protocol_name(Protocol p) noexcept {
  const Info* i = by_code(static_cast<std::uint64_t>(p));
  return i ? i->name : std::string_view{};
}

std::optional<Protocol> protocol_from_name(std::string_view name) noexcept {
  const Info* i = by_name(name);
  if (!i) return std::nullopt;
  return i->code;
}

std::string Multiaddr::Component::value_text() const {
  const Info* i = by_code(static_cast<std::uint64_t>(protocol));
  if (!i) return to_hex(value);
  return value_to_text(*i, value);
}

result<Multiaddr> Multiaddr::parse(std::string_view text, std::string* detail) {
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  if (text.empty()) return fail(core::error::multiaddr_empty, detail, "empty multiaddr");
  if (text.front() != '/')
    return fail(core::error::multiaddr_invalid_text, detail, "multiaddr text must start with '/'");
  Bytes out;
  text.remove_prefix(1);
  // Takes the next '/'-separated segment off `text`.
  auto next = [&text]() {
    const auto slash = text.find('/');
    const auto seg = text.substr(0, slash);
    text = slash == std::string_view::npos ? std::string_view{} : text.substr(slash + 1);
    return seg;
  };
  // `text` never ends with '/', so once it is empty every segment has been consumed, while an
  // empty segment in the middle ("//") shows up as an empty name or value.
  while (!text.empty()) {
    const auto name = next();
    if (name.empty())
      return fail(core::error::multiaddr_invalid_text, detail, "empty protocol name in multiaddr");
    const Info* info = by_name(name);
    if (!info)
      return fail(core::error::multiaddr_unknown_protocol, detail,
                  "unknown multiaddr protocol " + quoted(name));
    if (info->kind == Kind::none) {
      append_component(*info, {}, out);
      continue;
    }
    if (text.empty())
      return fail(core::error::multiaddr_missing_value, detail,
                  "multiaddr protocol '" + std::string(info->name) + "' needs a value");
    std::string path;
    std::string_view value;
    if (info->kind == Kind::path) {
      path = "/" + std::string(text);  // a path protocol takes the rest of the text
      value = path;
      text = {};
    } else {
      value = next();
    }
    auto bytes = value_from_text(*info, value);
    if (!bytes)
      return fail(core::error::multiaddr_invalid_value, detail,
                  "invalid value " + quoted(value) + " for multiaddr protocol '" + std::string(info->name) + "'");
    append_component(*info, *bytes, out);
  }
  return Multiaddr(std::move(out));
}

result<Multiaddr> Multiaddr::from_bytes(BytesView bytes, std::string* detail) {
  if (bytes.empty()) return fail(core::error::multiaddr_empty, detail, "empty multiaddr");
  std::size_t pos = 0;
  const Info* previous = nullptr;
  while (pos < bytes.size()) {
    const BytesView rest = bytes.subspan(pos);
    error_code ec;
    const auto code = uvarint::decode_prefix(rest, ec);
    if (ec) return fail(ec, detail, "invalid varint for a multiaddr protocol code");
    if (!code) return fail(core::error::multiaddr_truncated, detail, "binary multiaddr ends inside a protocol code");
    const Info* info = by_code(code->value);
    if (!info)
      return fail(core::error::multiaddr_unknown_protocol, detail,
                  "unknown multiaddr protocol code " + std::to_string(code->value));
    if (previous && previous->kind == Kind::path)
      return fail(core::error::multiaddr_component_after_path, detail,
                  "multiaddr component '" + std::string(info->name) + "' follows path protocol '" +
                      std::string(previous->name) + "'");
    std::size_t header = code->size;
    std::uint64_t len = static_cast<std::uint64_t>(info->size);
    if (info->size == var) {
      const auto l = uvarint::decode_prefix(rest.subspan(header), ec);
      if (ec)
        return fail(ec, detail,
                    "invalid varint for the value length of multiaddr protocol '" + std::string(info->name) + "'");
      if (!l)
        return fail(core::error::multiaddr_truncated, detail,
                    "binary multiaddr ends inside the value length of '" + std::string(info->name) + "'");
      header += l->size;
      len = l->value;
    }
    if (rest.size() - header < len)
      return fail(core::error::multiaddr_truncated, detail,
                  "binary multiaddr ends inside the value of '" + std::string(info->name) + "' (needs " +
                      std::to_string(len) + " bytes, has " + std::to_string(rest.size() - header) + ")");
    const auto value = rest.subspan(header, static_cast<std::size_t>(len));
    if (!valid_value(*info, value))
      return fail(core::error::multiaddr_invalid_value, detail,
                  "invalid value for multiaddr protocol '" + std::string(info->name) + "'");
    pos += header + static_cast<std::size_t>(len);
    previous = info;
  }
  return Multiaddr(Bytes(bytes.begin(), bytes.end()));
}

result<Multiaddr> Multiaddr::from_components(std::span<const Component> components, std::string* detail) {
  Bytes out;
  const Info* previous = nullptr;
  for (const auto& c : components) {
    const Info* info = by_code(static_cast<std::uint64_t>(c.protocol));
    if (!info)
      return fail(core::error::multiaddr_unknown_protocol, detail,
                  "unknown multiaddr protocol code " + std::to_string(static_cast<std::uint64_t>(c.protocol)));
    if (previous && previous->kind == Kind::path)
      return fail(core::error::multiaddr_component_after_path, detail,
                  "multiaddr component '" + std::string(info->name) + "' follows path protocol '" +
                      std::string(previous->name) + "'");
    if ((info->size >= 0 && c.value.size() != static_cast<std::size_t>(info->size)) || !valid_value(*info, c.value))
      return fail(core::error::multiaddr_invalid_value, detail,
                  "invalid value for multiaddr protocol '" + std::string(info->name) + "'");
    append_component(*info, c.value, out);
    previous = info;
  }
  return Multiaddr(std::move(out));
}

std::string Multiaddr::to_string() const {
  if (bytes_.empty()) return "/";
  std::string s;
  const BytesView all(bytes_);
  for (const auto& sp : split(bytes_)) {
    s.push_back('/');
    s.append(sp.info->name);
    if (sp.info->kind == Kind::none) continue;
    const auto text = value_to_text(*sp.info, all.subspan(sp.value_start, sp.end - sp.value_start));
    if (sp.info->kind != Kind::path) s.push_back('/');  // a path value already starts with '/'
    s.append(text);
  }
  return s;
}

std::vector<Multiaddr::Component> Multiaddr::components() const {
  std::vector<Component> out;
  const auto spans = split(bytes_);
  out.reserve(spans.size());
  for (const auto& sp : spans)
    out.push_back({sp.info->code, sp.info->name,
                   Bytes(bytes_.begin() + static_cast<std::ptrdiff_t>(sp.value_start),
                         bytes_.begin() + static_cast<std::ptrdiff_t>(sp.end))});
  return out;
}

bool Multiaddr::has(Protocol p) const {
  const auto spans = split(bytes_);
  return std::any_of(spans.begin(), spans.end(), [p](const Span& s) { return s.info->code == p; });
}

std::optional<BytesView> Multiaddr::last_value(Protocol p) const noexcept {
  // split() without its vector.
  std::optional<BytesView> found;
  const BytesView all(bytes_);
  for_each_span(all, [&](const Span& s) {
    if (s.info->code == p) found = all.subspan(s.value_start, s.end - s.value_start);
  });
  return found;
}

Multiaddr Multiaddr::encapsulate(const Multiaddr& inner) const {
  if (inner.empty()) return *this;
  if (!empty() && split(bytes_).back().info->kind == Kind::path) return *this;  // see the header
  Bytes out = bytes_;
  out.insert(out.end(), inner.bytes_.begin(), inner.bytes_.end());
  return Multiaddr(std::move(out));
}

Multiaddr Multiaddr::decapsulate(const Multiaddr& outer) const {
  if (outer.empty()) return *this;
  // Component encodings are self-delimiting, so a byte match that starts on a component boundary
  // also ends on one.
  const auto spans = split(bytes_);
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
    const std::size_t at = it->start;
    if (bytes_.size() - at >= outer.bytes_.size() &&
        std::equal(outer.bytes_.begin(), outer.bytes_.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(at)))
      return Multiaddr(Bytes(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(at)));
  }
  return *this;
}

Multiaddr Multiaddr::decapsulate_code(Protocol p) const {
  const auto spans = split(bytes_);
  for (auto it = spans.rbegin(); it != spans.rend(); ++it)
    if (it->info->code == p)
      return Multiaddr(Bytes(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(it->start)));
  return *this;
}

std::optional<PeerId> Multiaddr::peer_id() const {
  if (bytes_.empty()) return std::nullopt;
  const auto last = split(bytes_).back();
  if (last.info->code != Protocol::p2p) return std::nullopt;
  auto id = PeerId::from_bytes(BytesView(bytes_).subspan(last.value_start, last.end - last.value_start));
  if (!id) return std::nullopt;  // unreachable: validated on construction
  return std::move(*id);
}

Multiaddr Multiaddr::with_peer_id(const PeerId& id) const {
  Bytes p2p;
  append_component(*by_code(static_cast<std::uint64_t>(Protocol::p2p)), id.bytes(), p2p);
  if (auto current = peer_id()) {
    if (*current == id) return *this;
    return decapsulate_code(Protocol::p2p).encapsulate(Multiaddr(std::move(p2p)));
  }
  return encapsulate(Multiaddr(std::move(p2p)));
}

}  // namespace lp2p

std::size_t std::hash<lp2p::Multiaddr>::operator()(const lp2p::Multiaddr& a) const noexcept {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (auto b : a.bytes()) {
    h ^= b;
    h *= 1099511628211ull;
  }
  return static_cast<std::size_t>(h);
}
