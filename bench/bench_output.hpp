// Output helpers shared by the benchmark programs (lp2p-bench, lp2p-relay-bench): JSON lines on stdout for
// the scripts that build the tables, progress lines on stderr prefixed with the program's name.
#pragma once

#include <chrono>
#include <cstdio>
#include <errno.h>  // program_invocation_short_name (glibc)
#include <string>

namespace lp2p::bench {

inline double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }
inline double millis(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

/// One JSON line on stdout, flushed at once (the driving script reads it while the run goes on).
inline void emit(const std::string& json) {
  std::printf("%s\n", json.c_str());
  std::fflush(stdout);
}

/// printf into a std::string (JSON lines are short: at most 2 KiB).
template <class... A>
std::string fmt(const char* f, A... a) {
  char buf[2048];
  std::snprintf(buf, sizeof buf, f, a...);
  return buf;
}

/// "<program>: <what>" on stderr.
inline void progress(const std::string& s) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, s.c_str());
}

}  // namespace lp2p::bench
