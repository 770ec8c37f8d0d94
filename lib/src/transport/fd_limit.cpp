#include "transport/fd_limit.hpp"

#include <filesystem>
#include <mutex>
#include <sys/resource.h>
#include <system_error>

namespace lp2p::transport {

std::uint64_t raise_fd_limit(std::string* log_line) {
  static std::once_flag once;
  static std::string line;
  std::call_once(once, [] {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
      line = "cannot read RLIMIT_NOFILE";
      return;
    }
    const auto before = rl.rlim_cur;
    if (rl.rlim_cur < rl.rlim_max) {
      rl.rlim_cur = rl.rlim_max;
      if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        line = "RLIMIT_NOFILE soft limit stays " + std::to_string(before) + " (raising it to the hard limit " +
               std::to_string(rl.rlim_max) + " failed)";
        return;
      }
      line = "raised the RLIMIT_NOFILE soft limit from " + std::to_string(before) + " to the hard limit " +
             std::to_string(rl.rlim_max);
    } else {
      line = "RLIMIT_NOFILE soft limit is already the hard limit " + std::to_string(rl.rlim_max);
    }
  });
  if (log_line) *log_line = line;
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  return rl.rlim_cur == RLIM_INFINITY ? (std::uint64_t(1) << 20) : static_cast<std::uint64_t>(rl.rlim_cur);
}

std::size_t open_fd_count() {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec))
    ++n;
  return ec ? 0 : n;
}

}  // namespace lp2p::transport
