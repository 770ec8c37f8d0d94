// Multiaddr per https://github.com/multiformats/multiaddr (README + protocols.csv), with the value
// encodings of go-multiaddr/rust-multiaddr: a sequence of components, each uvarint(protocol code) then
// a value that is fixed-size, uvarint-length-prefixed or absent. The binary form is canonical and is
// what Multiaddr stores; text is parsed into it and printed from it.
//
// Decisions (documented here because implementations differ):
//  - There is no textual or binary form of the empty multiaddr: parse("/"), parse("") and
//    from_bytes({}) fail with multiaddr_empty (as go does). An empty Multiaddr still exists as a value
//    (default-constructed, or what decapsulate() leaves); it prints as "/" and empty() is true.
//  - Trailing slashes in text are ignored ("/ip4/1.2.3.4/tcp/1/" == "/ip4/1.2.3.4/tcp/1"), as in go.
//  - /ipfs/ is accepted as an alias of /p2p/ and printed as /p2p/. PeerIds print as base58btc; PeerIds are
//    identity (<= 42 bytes) or sha2-256 multihashes, as in rust (go accepts any multihash).
//  - ip6 prints in RFC 5952 form (lower-case hex, longest run of two or more zero groups compressed)
//    with IPv4-mapped addresses as ::ffff:a.b.c.d, which is what go and rust print.
//  - /unix/ is a path protocol (go semantics): its value is the rest of the text with a leading '/',
//    so it must be the last component. certhash prints as base64url multibase ('u...').
//  - Length-prefixed values must be non-empty, and dns*/sni/ip6zone values must not contain '/'.
#pragma once

#include "lp2p/core/bytes.hpp"
#include "lp2p/core/error.hpp"
#include "lp2p/core/peer_id.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lp2p {

/// Multiaddr protocol codes (the multicodec table). Only these are understood; others are
/// multiaddr_unknown_protocol.
enum class Protocol : std::uint32_t {
  ip4 = 4,
  tcp = 6,
  dccp = 33,
  ip6 = 41,
  ip6zone = 42,
  ipcidr = 43,
  dns = 53,
  dns4 = 54,
  dns6 = 55,
  dnsaddr = 56,
  sctp = 132,
  udp = 273,
  p2p_webrtc_star = 275,    ///< deprecated
  p2p_webrtc_direct = 276,  ///< deprecated
  p2p_stardust = 277,       ///< deprecated
  webrtc_direct = 280,
  webrtc = 281,
  p2p_circuit = 290,
  udt = 301,
  utp = 302,
  unix = 400,
  p2p = 421,
  https = 443,
  tls = 448,
  sni = 449,
  noise = 454,
  quic = 460,
  quic_v1 = 461,
  webtransport = 465,
  certhash = 466,
  ws = 477,
  wss = 478,
  p2p_websocket_star = 479,  ///< deprecated
  http = 480,
  memory = 777,
};

/// The protocol's text name ("quic-v1", "p2p-circuit"), or "" for a value outside the table.
std::string_view protocol_name(Protocol p) noexcept;
/// Looks a protocol up by text name; "ipfs" yields Protocol::p2p.
std::optional<Protocol> protocol_from_name(std::string_view name) noexcept;

/// An immutable multiaddr held in its binary form.
/// @par Thread safety: immutable value type; distinct objects may be used concurrently.
class Multiaddr {
 public:
  using Protocol = lp2p::Protocol;

  /// One decoded component. `value` is the binary value (empty for protocols without one).
  struct Component {
    Protocol protocol;
    std::string_view name;  ///< static storage
    Bytes value;
    /// The value as it appears in text ("127.0.0.1", "4001", a base58 PeerId, "/tmp/sock" for unix);
    /// empty for protocols without a value.
    std::string value_text() const;
    friend bool operator==(const Component& a, const Component& b) {
      return a.protocol == b.protocol && a.value == b.value;
    }
  };

  /// The empty multiaddr (see the header comment: it has no parseable form).
  Multiaddr() = default;

  /// Parses text such as "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...".
  /// @param detail if non-null, receives on failure a sentence naming the offending protocol or value,
  ///        e.g. "unknown multiaddr protocol 'foo'".
  /// @errors core::error::multiaddr_empty, multiaddr_invalid_text, multiaddr_unknown_protocol,
  ///         multiaddr_missing_value, multiaddr_invalid_value
  static result<Multiaddr> parse(std::string_view text, std::string* detail = nullptr);

  /// Validates and adopts a binary multiaddr (as carried by identify, peer records, relay/DCUtR).
  /// @param detail as for parse(), e.g. "unknown multiaddr protocol code 9999".
  /// @errors core::error::multiaddr_empty, multiaddr_unknown_protocol, multiaddr_truncated,
  ///         multiaddr_invalid_value, multiaddr_component_after_path, varint_overlong,
  ///         varint_not_minimal
  static result<Multiaddr> from_bytes(BytesView bytes, std::string* detail = nullptr);

  /// Builds a multiaddr from components, validating each value as from_bytes() would.
  /// An empty span gives the empty Multiaddr.
  /// @errors as from_bytes() (except multiaddr_empty and the varint errors)
  static result<Multiaddr> from_components(std::span<const Component> components,
                                           std::string* detail = nullptr);

  /// Canonical text; "/" for the empty multiaddr.
  std::string to_string() const;
  /// The canonical binary form.
  const Bytes& bytes() const noexcept { return bytes_; }
  bool empty() const noexcept { return bytes_.empty(); }

  std::vector<Component> components() const;
  /// True when some component has protocol `p`.
  bool has(Protocol p) const;
  /// The value of the last component with protocol `p` (a view into bytes(); empty for protocols
  /// without a value), or nullopt when there is none. Unlike components(), it allocates nothing.
  std::optional<BytesView> last_value(Protocol p) const noexcept;

  /// This address followed by `inner` ("/ip4/1.2.3.4/tcp/1" + "/p2p/Qm..").
  Multiaddr encapsulate(const Multiaddr& inner) const;
  /// Cuts at the last component-aligned occurrence of `outer` and returns what precedes it
  /// (go-multiaddr semantics). Returns *this unchanged if `outer` does not occur or is empty.
  Multiaddr decapsulate(const Multiaddr& outer) const;
  /// Cuts before the last component with protocol `p`; *this unchanged if there is none.
  Multiaddr decapsulate_code(Protocol p) const;

  /// The PeerId of a trailing /p2p component, or nullopt when the last component is not /p2p
  /// (so "/p2p/relay/p2p-circuit" has none, "/p2p/relay/p2p-circuit/p2p/target" is target).
  std::optional<PeerId> peer_id() const;
  /// This address ending in /p2p/`id`: unchanged if it already ends with that id, the trailing /p2p
  /// component replaced if it ends with a different one, otherwise /p2p/`id` appended.
  Multiaddr with_peer_id(const PeerId& id) const;

  friend bool operator==(const Multiaddr& a, const Multiaddr& b) noexcept { return a.bytes_ == b.bytes_; }
  /// Orders by the binary form (deterministic, for sorted containers).
  friend bool operator<(const Multiaddr& a, const Multiaddr& b) noexcept { return a.bytes_ < b.bytes_; }

 private:
  explicit Multiaddr(Bytes bytes) : bytes_(std::move(bytes)) {}
  Bytes bytes_;
};

}  // namespace lp2p

template <>
struct std::hash<lp2p::Multiaddr> {
  std::size_t operator()(const lp2p::Multiaddr& a) const noexcept;
};
