// The process's file-descriptor budget. Whatever holds many sockets at once raises the RLIMIT_NOFILE soft
// limit first, because the usual soft limit (1024) is far below the usual hard limit: a DCUtR spray round
// (up to K or M sockets, 1024 by default; transport/tcp_spray.hpp) and the relay benchmark (thousands of
// connections per process; bench/relay_bench.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace lp2p::transport {

/// Raises the RLIMIT_NOFILE soft limit to the hard limit (once per process; later calls just report).
/// @return the soft limit now in force; `log_line` (if given) receives one sentence about what was done,
/// for the caller to log with its own reason.
std::uint64_t raise_fd_limit(std::string* log_line = nullptr);

/// File descriptors this process has open now (entries of /proc/self/fd), or 0 if unknown.
std::size_t open_fd_count();

}  // namespace lp2p::transport
