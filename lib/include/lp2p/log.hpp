// lp2p's logger: one line per record on stderr, e.g.
//     2026-11-26T18:00:00.123Z INFO  tcp: dial 1.2.3.4:4001 from port 4001
// Design notes (STYLE.md §7.9 habit 6, DESIGN.md §1: hole-punch failures must be explainable from logs):
// - The level test is an inline relaxed atomic load. LP2P_LOG(...) << a << b evaluates and formats nothing
//   when the level is disabled.
// - The threshold comes from the environment variable LP2P_LOG (off|error|warn|info|debug|trace; info
//   when unset or unparsable) the first time it is needed, and set_level() can change it at any time.
// - Each record is formatted privately and handed to the sink as one complete line under a mutex, so
//   lines from different threads never interleave.
// - set_sink() redirects output (tests capture lines with it); an empty sink restores stderr.
// This file has no Asio dependency: the sans-IO codec layer may log too.
#pragma once

#include <atomic>
#include <functional>
#include <iosfwd>
#include <ostream>
#include <string_view>

namespace lp2p::log {

/// Severity of a record; as a threshold, `off` disables everything.
enum class Level : int { off = 0, error, warn, info, debug, trace };

namespace detail {
/// -1 until the environment has been read. Constant-initialised, so logging during static
/// initialisation of another translation unit is safe.
extern std::atomic<int> threshold;
int init_threshold() noexcept;
}  // namespace detail

/// True when records at `level` are written.
/// @par Thread safety Safe from any thread.
inline bool enabled(Level level) noexcept {
  int t = detail::threshold.load(std::memory_order_relaxed);
  if (t < 0) t = detail::init_threshold();
  return level != Level::off && static_cast<int>(level) <= t;
}

/// Current threshold.
Level level() noexcept;
/// Sets the threshold (overrides LP2P_LOG). @par Thread safety Safe from any thread.
void set_level(Level level) noexcept;
/// Parses "off", "error", "warn", "info", "debug", "trace" (case-insensitive). False if unknown.
bool parse_level(std::string_view text, Level& out) noexcept;
/// "ERROR", "WARN", "INFO", "DEBUG", "TRACE" ("OFF" for Level::off).
std::string_view level_name(Level level) noexcept;

/// Receives each complete line (without the trailing newline). Called with a lock held: it must not log.
using Sink = std::function<void(Level level, std::string_view line)>;
/// Replaces the sink and returns the previous one (empty = stderr).
/// @par Thread safety Safe from any thread; records in flight finish on the old sink.
Sink set_sink(Sink sink);

/// One record being built; written to the sink by the destructor. Use through LP2P_LOG.
class Record {
 public:
  Record(Level level, std::string_view module);
  ~Record();
  Record(const Record&) = delete;
  Record& operator=(const Record&) = delete;
  std::ostream& stream() noexcept { return *os_; }

 private:
  Level level_;
  std::ostream* os_;  // owned; an ostringstream allocated in log.cpp to keep <sstream> out of here
};

/// ` key=value` for structured-looking records: LP2P_LOG(debug, "tcp") << "bound" << kv("port", p);
template <class V>
struct KeyValue {
  std::string_view key;
  const V& value;
};
template <class V>
KeyValue<V> kv(std::string_view key, const V& value) {
  return {key, value};
}
template <class V>
std::ostream& operator<<(std::ostream& os, const KeyValue<V>& p) {
  return os << ' ' << p.key << '=' << p.value;
}

}  // namespace lp2p::log

/// LP2P_LOG(info, "tcp") << "dial " << addr;  — `level` is one of error, warn, info, debug, trace.
/// When the level is disabled nothing after the macro is evaluated. A single statement (a one-shot for
/// loop, not an if/else), so it nests in unbraced if/else without dangling-else surprises or warnings.
#define LP2P_LOG(level, module)                                                                    \
  for (bool lp2p_log_once_ = ::lp2p::log::enabled(::lp2p::log::Level::level); lp2p_log_once_;      \
       lp2p_log_once_ = false)                                                                     \
  ::lp2p::log::Record(::lp2p::log::Level::level, (module)).stream()
