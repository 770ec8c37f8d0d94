// Captures lp2p log lines for assertions: while a LogCapture lives, records at or above `level` are
// collected instead of going to stderr; the previous sink and level come back on destruction.
#pragma once

#include "lp2p/log.hpp"

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace lp2p::test {

class LogCapture {
 public:
  explicit LogCapture(log::Level level = log::Level::trace) : old_level_(log::level()) {
    old_sink_ = log::set_sink([this](log::Level, std::string_view line) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
    });
    log::set_level(level);
  }
  ~LogCapture() {
    log::set_sink(std::move(old_sink_));
    log::set_level(old_level_);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  /// True when some captured line contains `needle`.
  bool contains(std::string_view needle) const {
    std::lock_guard lock(mutex_);
    for (const auto& l : lines_)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }
  /// All captured lines joined by '\n' (for INFO on failure).
  std::string text() const {
    std::lock_guard lock(mutex_);
    std::string s;
    for (const auto& l : lines_) s += l + "\n";
    return s;
  }

 private:
  log::Level old_level_;
  log::Sink old_sink_;
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace lp2p::test
