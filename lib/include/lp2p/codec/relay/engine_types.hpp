// Plain types shared by the sans-IO Circuit Relay v2 engines (reservation_table.hpp,
// reservation_client.hpp): https://github.com/libp2p/specs/blob/master/relay/circuit-v2.md
// Engines never read a clock: `Time` values are inputs supplied by the driver (STYLE.md §7.3, §7.9.4).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace lp2p::relay {

/// The monotonic clock whose time points the engines take as input (the same as yamux's).
using Clock = std::chrono::steady_clock;
using Time = Clock::time_point;
using Duration = Clock::duration;

/// Identifies one transport connection to the relay (assigned by the host; never reused).
using ConnectionId = std::uint64_t;
/// Identifies one relayed circuit (assigned by ReservationTable, starting at 1).
using CircuitId = std::uint64_t;
/// The remote IP address of a connection in text form ("203.0.113.7", "2001:db8::1"), used for per-IP
/// limits. An empty key means "no IP known" and exempts the request from per-IP limits, as rust does
/// for addresses without /ip4 or /ip6.
using IpKey = std::string;

}  // namespace lp2p::relay
