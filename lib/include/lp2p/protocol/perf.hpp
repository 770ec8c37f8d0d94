// perf (/perf/1.0.0): https://github.com/libp2p/specs/blob/master/perf/perf.md
// The client opens a stream, sends the number of bytes it wants back (u64 big-endian), uploads its bytes
// and half-closes; the server reads until EOF, then sends the requested bytes and closes.
#pragma once

#include "lp2p/host/host.hpp"

#include <chrono>
#include <cstdint>
#include <functional>

namespace lp2p::perf {

constexpr std::string_view protocol_id = "/perf/1.0.0";

struct Progress {
  std::chrono::duration<double> elapsed;  ///< since the previous report (or the start)
  std::uint64_t upload_bytes = 0;         ///< in that interval
  std::uint64_t download_bytes = 0;
};

struct Result {
  std::chrono::duration<double> elapsed;
  std::uint64_t upload_bytes = 0;
  std::uint64_t download_bytes = 0;
};

/// Registers the server side on `host`.
void serve(Host& host);

/// Runs one perf exchange on a new stream to `peer`. `on_progress` (optional) is called about once a
/// second.
/// @errors stream errors; io::error::eof_before_frame_end if the server sends fewer bytes than asked
boost::asio::awaitable<result<Result>> run(Host& host, const PeerId& peer, std::uint64_t upload_bytes,
                                           std::uint64_t download_bytes,
                                           std::function<void(const Progress&)> on_progress = {});

}  // namespace lp2p::perf
