// Helpers shared by lp2p-soak (tests/soak/soak.cpp) and lp2p-faults (tests/faults/faults.cpp), issue #6
// parts 5 and 6: a seekable pseudo-random byte pattern that the receiving end can verify at any offset,
// the resident set size of a process, child processes (this same binary in another role) that can be
// killed with SIGKILL, and the relay those children run.
#pragma once

#include <lp2p/host/host.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <vector>

extern char** environ;

namespace lp2p::soak {

/// Byte `offset` of the pattern of `seed`: counter-based (splitmix64 of the 8-byte block index), so a
/// reader can check any chunk without replaying a generator, whatever sizes the writer's chunks had.
inline std::uint64_t pattern_block(std::uint64_t seed, std::uint64_t block) noexcept {
  std::uint64_t z = seed + (block + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// Fills `out` with the pattern of `seed` starting at byte `offset`.
inline void pattern_fill(std::uint64_t seed, std::uint64_t offset, std::span<std::uint8_t> out) noexcept {
  std::size_t i = 0;
  while (i < out.size()) {
    const std::uint64_t pos = offset + i;
    const std::uint64_t v = pattern_block(seed, pos / 8);
    for (unsigned b = static_cast<unsigned>(pos % 8); b < 8 && i < out.size(); ++b, ++i)
      out[i] = static_cast<std::uint8_t>(v >> (8 * b));
  }
}

/// The index of the first byte of `got` that differs from the pattern at `offset`, or -1.
inline long pattern_mismatch(std::uint64_t seed, std::uint64_t offset, std::span<const std::uint8_t> got) {
  std::uint8_t want[4096];
  for (std::size_t done = 0; done < got.size();) {
    const std::size_t n = std::min(sizeof want, got.size() - done);
    pattern_fill(seed, offset + done, std::span<std::uint8_t>(want, n));
    if (std::memcmp(want, got.data() + done, n) != 0) {
      for (std::size_t k = 0; k < n; ++k)
        if (want[k] != got[done + k]) return static_cast<long>(done + k);
    }
    done += n;
  }
  return -1;
}

/// VmRSS of a process in KiB (0 if it cannot be read, e.g. the process is gone).
inline std::uint64_t rss_kib(pid_t pid = 0) {
  std::ifstream f(pid == 0 ? std::string("/proc/self/status") : "/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  return 0;
}

/// This binary started again with other arguments; its stdout is a pipe we read lines from.
class Child {
 public:
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    kill(SIGKILL);
    wait();
    if (out_ >= 0) ::close(out_);
  }

  /// Starts /proc/self/exe with `args` (argv[1..]); false if that fails.
  bool start(const std::vector<std::string>& args) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    std::vector<std::string> storage{"/proc/self/exe"};
    storage.insert(storage.end(), args.begin(), args.end());
    storage.push_back("--parent-pid");
    storage.push_back(std::to_string(::getpid()));
    std::vector<char*> argv;
    for (auto& s : storage) argv.push_back(s.data());
    argv.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, "/proc/self/exe", &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    out_ = fds[0];
    if (rc != 0) {
      pid_ = -1;
      return false;
    }
    return true;
  }

  /// The next line of the child's stdout (without the newline), waiting at most `timeout` (this blocks the
  /// calling thread: from an io_context thread, poll with a zero timeout).
  std::optional<std::string> read_line(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 0))) <= 0) {
        if (left.count() <= 0) return std::nullopt;  // a zero timeout polls once
        continue;
      }
      char tmp[512];
      const auto n = ::read(out_, tmp, sizeof tmp);
      if (n <= 0) return std::nullopt;
      buf_.append(tmp, static_cast<std::size_t>(n));
    }
  }

  pid_t pid() const noexcept { return pid_; }
  bool running() const noexcept { return pid_ > 0 && !status_; }
  void kill(int sig) {
    if (running()) ::kill(pid_, sig);
  }
  /// True once the child has exited (does not block).
  bool exited() {
    if (pid_ <= 0 || status_) return true;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) != pid_) return false;
    status_ = st;
    return true;
  }
  /// Waits for the child (at most `timeout`; then SIGKILL) and returns its wait status.
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    if (pid_ <= 0) return -1;
    if (status_) return *status_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int st = 0;
    for (;;) {
      const pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) break;
      if (r < 0) {
        st = -1;
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) ::kill(pid_, SIGKILL);
      ::usleep(10'000);
    }
    status_ = st;
    return st;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buf_;
  std::optional<int> status_;
};

/// In a child started by Child: die with the parent (SIGTERM when it goes away), so that a crashed or
/// killed test never leaves a relay behind.
inline void die_with_parent(pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (parent > 0 && ::getppid() != parent) std::_Exit(1);
}

/// "exit 0", "exit 3", "signal 9".
inline std::string describe_status(int st) {
  if (st < 0) return "unknown";
  if (WIFEXITED(st)) return "exit " + std::to_string(WEXITSTATUS(st));
  if (WIFSIGNALED(st)) return "signal " + std::to_string(WTERMSIG(st));
  return "status " + std::to_string(st);
}

/// --role relay: a relay server with every limit off on 127.0.0.1; prints "RELAY <addr>/p2p/<id>", then
/// on SIGTERM "STATS ..." and exits 0 after a graceful stop.
inline int run_relay(std::size_t max_connections) {
  HostConfig cfg;
  cfg.listen = {Multiaddr::parse("/ip4/127.0.0.1/tcp/0").value()};
  cfg.dcutr.enabled = false;
  cfg.relay_server.enabled = true;
  auto& l = cfg.relay_server.limits;
  l.max_reservations = 0;
  l.max_reservations_per_peer = 0;
  l.max_reservations_per_ip = 0;
  l.reservation_rate_per_peer.burst = 0;
  l.reservation_rate_per_ip.burst = 0;
  l.max_circuits = 0;
  l.max_circuits_per_peer = 0;
  l.max_circuits_per_ip = 0;
  l.max_circuit_duration = {};
  l.max_circuit_bytes = 0;
  l.circuit_rate_per_peer.burst = 0;
  l.circuit_rate_per_ip.burst = 0;
  cfg.limits.max_connections = max_connections;
  cfg.limits.max_pending_handshakes = 256;
  namespace asio = boost::asio;
  asio::io_context ioc(1);
  auto host = Host::create(ioc.get_executor(), std::move(cfg)).value();
  std::uint64_t accepted = 0, refused = 0, ended = 0, reservations = 0;
  int status = 0;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        if (auto r = co_await host->start(); !r) {
          std::fprintf(stderr, "lp2p-soak relay: cannot listen: %s\n", r.error().message().c_str());
          status = 1;
          ioc.stop();
          co_return;
        }
        std::printf("RELAY %s\n", host->listen_addrs().at(0).with_peer_id(host->id()).to_string().c_str());
        std::fflush(stdout);
        for (;;) {
          auto ev = co_await host->next_event();
          if (!ev) break;
          if (auto* r = std::get_if<RelayServerEvent>(&*ev)) {
            using K = RelayServerEvent::Kind;
            if (r->kind == K::circuit_accepted) ++accepted;
            if (r->kind == K::circuit_refused || r->kind == K::reservation_refused) ++refused;
            if (r->kind == K::circuit_ended) ++ended;
            if (r->kind == K::reservation_accepted) ++reservations;
          }
        }
      },
      asio::detached);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) {
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          std::printf("STATS reservations=%llu circuits_accepted=%llu circuits_refused=%llu circuits_ended=%llu\n",
                      static_cast<unsigned long long>(reservations), static_cast<unsigned long long>(accepted),
                      static_cast<unsigned long long>(refused), static_cast<unsigned long long>(ended));
          std::fflush(stdout);
          co_await host->stop();
          ioc.stop();
        },
        asio::detached);
  });
  ioc.run();
  host.reset();
  return status;
}

}  // namespace lp2p::soak
