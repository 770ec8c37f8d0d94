// Types shared by the Circuit Relay v2 hop and stop messages:
// https://github.com/libp2p/specs/blob/master/relay/circuit-v2.md#protobuf
#pragma once

#include "lp2p/core/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace lp2p::relay {

constexpr std::string_view hop_protocol_id = "/libp2p/circuit/relay/0.2.0/hop";
constexpr std::string_view stop_protocol_id = "/libp2p/circuit/relay/0.2.0/stop";
/// Largest hop/stop message body, in rust and go alike.
constexpr std::size_t max_message_size = 4096;

/// Relay status codes. Values the spec does not define are kept as they are (go's proto3 enum is open),
/// so a decoded Status may hold any int32; anything other than `ok` is a refusal or failure.
enum class Status : std::int32_t {
  unused = 0,  ///< proto3 default in go's .proto; never sent on purpose
  ok = 100,
  reservation_refused = 200,
  resource_limit_exceeded = 201,
  permission_denied = 202,
  connection_failed = 203,
  no_reservation = 204,
  malformed_message = 400,
  unexpected_message = 401,
};

/// True for the values listed in the spec (including `unused`).
bool is_known(Status s) noexcept;
/// The spec's name ("OK", "NO_RESERVATION", ...), or "UNKNOWN".
std::string_view to_string(Status s) noexcept;

/// A peer: `id` is a binary PeerId (multihash), `addrs` binary multiaddrs (active relay only; rust sends
/// none). An absent id on the wire decodes as empty and fails check_* with invalid_peer_id.
struct Peer {
  Bytes id;
  std::vector<Bytes> addrs;
  friend bool operator==(const Peer&, const Peer&) = default;
};

/// A granted reservation.
struct Reservation {
  std::uint64_t expire = 0;          ///< Unix seconds (UTC); required
  std::vector<Bytes> addrs;          ///< the relay's public addrs, each with /p2p/<relay>
  std::optional<Bytes> voucher;      ///< a signed Envelope (codec/record), advisory
  friend bool operator==(const Reservation&, const Reservation&) = default;
};

/// Limits of a relayed connection. A missing Limit, or a missing/zero field, means "no limit".
/// Presence is kept so that a decoded message re-encodes byte for byte.
struct Limit {
  std::optional<std::uint32_t> duration;  ///< seconds
  std::optional<std::uint64_t> data;      ///< bytes (per direction per spec; rust counts both)
  friend bool operator==(const Limit&, const Limit&) = default;
};

}  // namespace lp2p::relay
