// Lives in core/ so that lp2p_codec (the sans-IO layer) can log too; see lp2p/log.hpp.
#include "lp2p/log.hpp"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <sstream>
#include <string>

namespace lp2p::log {
namespace detail {
std::atomic<int> threshold{-1};

int init_threshold() noexcept {
  Level l = Level::info;
  if (const char* env = std::getenv("LP2P_LOG")) {
    Level parsed;
    if (parse_level(env, parsed)) l = parsed;
  }
  int expected = -1;
  // Keep a value set_level() stored concurrently.
  threshold.compare_exchange_strong(expected, static_cast<int>(l), std::memory_order_relaxed);
  return threshold.load(std::memory_order_relaxed);
}
}  // namespace detail

namespace {
std::mutex& sink_mutex() {
  static std::mutex m;
  return m;
}
Sink& sink_slot() {
  static Sink s;
  return s;
}

// 2026-11-26T18:00:00.123Z (UTC, millisecond precision).
void write_timestamp(std::ostream& os) {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  os << buf;
}
}  // namespace

Level level() noexcept {
  int t = detail::threshold.load(std::memory_order_relaxed);
  if (t < 0) t = detail::init_threshold();
  return static_cast<Level>(t);
}

void set_level(Level l) noexcept { detail::threshold.store(static_cast<int>(l), std::memory_order_relaxed); }

bool parse_level(std::string_view text, Level& out) noexcept {
  std::string s;
  for (char c : text) s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (s == "off" || s == "none") out = Level::off;
  else if (s == "error") out = Level::error;
  else if (s == "warn" || s == "warning") out = Level::warn;
  else if (s == "info") out = Level::info;
  else if (s == "debug") out = Level::debug;
  else if (s == "trace") out = Level::trace;
  else return false;
  return true;
}

std::string_view level_name(Level l) noexcept {
  switch (l) {
    case Level::off: return "OFF";
    case Level::error: return "ERROR";
    case Level::warn: return "WARN";
    case Level::info: return "INFO";
    case Level::debug: return "DEBUG";
    case Level::trace: return "TRACE";
  }
  return "?";
}

Sink set_sink(Sink sink) {
  std::lock_guard lock(sink_mutex());
  Sink old = std::move(sink_slot());
  sink_slot() = std::move(sink);
  return old;
}

Record::Record(Level level, std::string_view module) : level_(level), os_(new std::ostringstream) {
  write_timestamp(*os_);
  const auto name = level_name(level);
  *os_ << ' ' << name;
  for (auto i = name.size(); i < 6; ++i) *os_ << ' ';  // "INFO  ", "ERROR "
  *os_ << module << ": ";
}

Record::~Record() {
  auto* oss = static_cast<std::ostringstream*>(os_);
  std::string line = std::move(*oss).str();
  delete oss;
  std::lock_guard lock(sink_mutex());
  if (const auto& s = sink_slot()) {
    try {
      s(level_, line);
    } catch (...) {
      // A throwing sink must not take the logging caller down (this runs in a destructor).
    }
    return;
  }
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace lp2p::log
