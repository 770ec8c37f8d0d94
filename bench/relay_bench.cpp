// lp2p-relay-bench: the Circuit Relay v2 benchmark of issue #4 (a benchmark, not a test).
// scripts/bench_relay.sh builds and runs it and turns its output into markdown tables;
// docs/benchmarks.md explains every number. One JSON object per line on stdout; progress on stderr.
//
//   lp2p-relay-bench [--only reservations,circuits,throughput] [--reservations N] [--concurrency K]
//                    [--circuit-seconds S] [--circuit-concurrency 1,8] [--bytes B] [--repeat R]
//                    [--relay-ping] [--rounds N]
//   lp2p-relay-bench relay [--ping]   (internal: the relay process, driven over stdin/stdout)
//
// The relay is an lp2p::Host with relay_server enabled and every relay limit off (no reservation, circuit,
// rate, time or data caps; connection limits raised; ping off unless --relay-ping, see below). It runs in its own process, a child of this one,
// so its memory can be read from /proc/<pid>/status (VmRSS) without the clients' memory mixed in.
// Control protocol on the child's stdin/stdout, one line each: it prints "addr <multiaddr>" once it
// listens; "stats" is answered with "stats <reservations> <circuits> <connections>" after malloc_trim(0)
// (so that freed heap is not counted); EOF on stdin ends it.
//
// Sections:
//  reservations  N clients, each a full lp2p::Host with its own fresh Ed25519 identity (ping and DCUtR
//                off), all on one io_context in this process, K at a time: start, Host::listen_via_relay
//                (TCP + Noise + yamux + identify both ways + RESERVE with a signed voucher). Reports the
//                reservations the relay holds, the time to make them, and the relay's RSS before, while
//                holding them and after the clients left: bytes per reservation = delta RSS / reservations,
//                which includes each client's TCP connection, Noise and yamux state at the relay; the CPU
//                both processes spent per reservation; and the relay's CPU share while it just holds them
//                (3 s). With --relay-ping the relay pings every connection every 15 s, as a default Host
//                does; that costs CPU in proportion to the connections held and slows the run down.
//  circuits      one listener Host reserved at the relay (echo handler); K dialer Hosts, each with its
//                direct connection to the relay already up, open circuits back to back for S seconds:
//                dial <relay>/p2p-circuit/p2p/<listener> (hop CONNECT, STOP, Noise XX and yamux over the
//                circuit), open an echo stream, one byte there and back, close the relayed connection and
//                wait until it is gone (Host::dial would reuse a live one). Circuits per second.
//  throughput    the same listener and one dialer, each Host on its own thread (the relay is the third
//                process): one /perf/1.0.0 upload of B bytes over the relayed connection, then over a
//                direct connection between the same two Hosts, R times alternating; medians.
#include "bench_output.hpp"
#include <lp2p/host/host.hpp>
#include <lp2p/log.hpp>
#include <lp2p/protocol/perf.hpp>
#include "transport/fd_limit.hpp"  // private lib/src header (bench/CMakeLists.txt)

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <malloc.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace asio = boost::asio;
using namespace lp2p;
using Clock = std::chrono::steady_clock;

namespace {
using namespace lp2p::bench;  // seconds, millis, emit, fmt, progress (bench_output.hpp)

constexpr std::size_t mib = 1024 * 1024;
constexpr std::string_view echo_protocol = "/lp2p-relay-bench/echo/1.0.0";

struct Options {
  int reservations = 10000;
  int concurrency = 64;  // reservations in flight
  double circuit_seconds = 5;
  std::vector<int> circuit_concurrency{1, 8};
  std::uint64_t bytes = 256 * mib;
  int repeat = 3;
  bool relay_ping = false;
  int rounds = 1;  // reservation rounds against the same relay (does RSS after the clients left grow?)
  std::set<std::string> only;
  bool wants(const char* s) const { return only.empty() || only.count(s) != 0; }
};

/// VmRSS of a process in KiB (0 if unreadable).
long rss_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

/// CPU seconds (user + system) a process has used so far.
double cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');  // the command name may contain spaces
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {  // fields 14 and 15: utime, stime (clock ticks)
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  double a = 0, b = 0, c = 0;
  f >> a >> b >> c;
  return fmt("%.2f %.2f %.2f", a, b, c);
}

/// One io_context on one thread.
struct Loop {
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
  std::thread thread{[this] { ioc.run(); }};
  ~Loop() {
    guard.reset();
    ioc.stop();
    thread.join();
  }
  /// Runs a coroutine (a callable returning awaitable<T>) on this loop and waits for its result.
  template <class F>
  auto run(F f) {
    return asio::co_spawn(ioc, std::move(f), asio::use_future).get();
  }
};

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

// ---- the relay process --------------------------------------------------------------------------------

HostConfig relay_config(bool ping) {
  HostConfig cfg;
  cfg.identity = Keypair::from_secret_key_seed(7);
  cfg.listen = {Multiaddr::parse("/ip4/127.0.0.1/tcp/0").value()};
  cfg.relay_server.enabled = true;
  auto& l = cfg.relay_server.limits;  // 0 = no cap; burst 0 = no rate limit; zero duration = unlimited
  l.max_reservations = 0;
  l.max_reservations_per_peer = 0;
  l.max_reservations_per_ip = 0;  // every client comes from 127.0.0.1
  l.reservation_rate_per_peer = {0, {}};
  l.reservation_rate_per_ip = {0, {}};
  l.max_circuits = 0;
  l.max_circuits_per_peer = 0;
  l.max_circuits_per_ip = 0;
  l.circuit_rate_per_peer = {0, {}};
  l.circuit_rate_per_ip = {0, {}};
  l.max_circuit_duration = {};
  l.max_circuit_bytes = 0;
  cfg.limits.max_connections = 1 << 20;
  cfg.limits.max_connections_per_peer = 64;
  cfg.limits.max_pending_handshakes = 4096;
  cfg.limits.max_inbound_streams_per_protocol = 4096;
  cfg.limits.event_queue = 16;  // counted by an observer instead
  cfg.dcutr.enabled = false;
  cfg.relay_client.enabled = false;
  cfg.ping.enabled = ping;  // a real relay pings each connection every 15 s (--relay-ping)
  return cfg;
}

int run_relay(bool ping) {
  transport::raise_fd_limit();  // 10,000 connections need 10,000 descriptors in each process
  asio::io_context ioc(1);
  auto host = Host::create(ioc.get_executor(), relay_config(ping)).value();
  long reservations = 0, circuits = 0;
  host->add_observer([&](const HostEvent& ev) {
    auto* e = std::get_if<RelayServerEvent>(&ev);
    if (!e) return;
    using K = RelayServerEvent::Kind;
    if (e->kind == K::reservation_accepted && e->detail == "new") ++reservations;
    else if (e->kind == K::reservation_ended) --reservations;
    else if (e->kind == K::circuit_accepted) ++circuits;
    else if (e->kind == K::circuit_ended) --circuits;
  });
  asio::posix::stream_descriptor in(ioc, ::dup(STDIN_FILENO));
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        if (auto r = co_await host->start(); !r) throw std::runtime_error("relay start: " + r.error().message());
        emit("addr " + host->listen_addrs().at(0).with_peer_id(host->id()).to_string());
        asio::streambuf sb;
        for (;;) {
          auto [ec, n] = co_await asio::async_read_until(in, sb, '\n', asio::as_tuple(asio::use_awaitable));
          if (ec) break;
          std::string line(asio::buffers_begin(sb.data()), asio::buffers_begin(sb.data()) + static_cast<std::ptrdiff_t>(n));
          sb.consume(n);
          if (line.rfind("stats", 0) == 0) {
            ::malloc_trim(0);
            emit(fmt("stats %ld %ld %zu", reservations, circuits, host->connections().size()));
          }
        }
        co_await host->stop();
        ioc.stop();
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { ioc.stop(); });
  ioc.run();
  return 0;
}

/// The relay child process, driven over its stdin/stdout.
class RelayProcess {
 public:
  struct Stats {
    long reservations = 0, circuits = 0, connections = 0;
  };

  explicit RelayProcess(bool ping) {
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    char exe[] = "/proc/self/exe";
    char mode[] = "relay";
    char ping_flag[] = "--ping";
    char* argv[] = {exe, mode, ping ? ping_flag : nullptr, nullptr};
    if (posix_spawn(&pid_, exe, &fa, nullptr, argv, environ) != 0) throw std::runtime_error("cannot start the relay");
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    to_ = in[1];
    from_ = ::fdopen(out[0], "r");
    const auto first = line();
    if (first.rfind("addr ", 0) != 0) throw std::runtime_error("relay did not start: " + first);
    addr = Multiaddr::parse(first.substr(5)).value();
  }
  ~RelayProcess() {
    ::close(to_);  // EOF: the relay stops
    int status = 0;
    ::waitpid(pid_, &status, 0);
    std::fclose(from_);
  }
  RelayProcess(const RelayProcess&) = delete;
  RelayProcess& operator=(const RelayProcess&) = delete;

  Stats stats() {
    if (::write(to_, "stats\n", 6) != 6) throw std::runtime_error("relay gone");
    const auto l = line();
    Stats s;
    if (std::sscanf(l.c_str(), "stats %ld %ld %ld", &s.reservations, &s.circuits, &s.connections) != 3)
      throw std::runtime_error("relay answered: " + l);
    return s;
  }
  long rss() const { return rss_kib(pid_); }
  double cpu() const { return cpu_seconds(pid_); }
  pid_t pid() const { return pid_; }
  Multiaddr addr;

 private:
  std::string line() {
    char buf[1024];
    if (!std::fgets(buf, sizeof buf, from_)) throw std::runtime_error("the relay process ended");
    std::string s(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  pid_t pid_ = 0;
  int to_ = -1;
  FILE* from_ = nullptr;
};

// ---- reservations -----------------------------------------------------------------------------------

HostConfig client_config() {
  HostConfig cfg;  // a fresh Ed25519 identity each
  cfg.ping.enabled = false;
  cfg.dcutr.enabled = false;
  cfg.port_reuse = false;  // no listener: the kernel picks the source port
  cfg.limits.event_queue = 8;  // nobody reads them
  return cfg;
}

void bench_reservations(const Options& o, RelayProcess& relay) {
  const auto before = relay.stats();
  const long rss_before = relay.rss();
  const long client_rss_before = rss_kib(::getpid());
  const double relay_cpu_before = relay.cpu(), client_cpu_before = cpu_seconds(::getpid());
  progress(fmt("reservations: %d clients, %d at a time (relay pid %d, RSS %ld KiB, load %s)", o.reservations,
               o.concurrency, relay.pid(), rss_before, load_average().c_str()));
  Loop clients;
  std::vector<std::unique_ptr<Host>> hosts;
  hosts.reserve(static_cast<std::size_t>(o.reservations));
  int next = 0, failed = 0;
  std::string first_error;
  const auto start = Clock::now();
  auto worker = [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    while (next < o.reservations) {
      ++next;
      auto h = Host::create(ex, client_config()).value();
      auto r = co_await h->start();
      if (r) r = co_await h->listen_via_relay(relay.addr);
      if (!r) {
        if (failed++ == 0) first_error = r.error().message();
        continue;  // drops the host (its keeper would retry)
      }
      hosts.push_back(std::move(h));
      if (hosts.size() % 2000 == 0)
        progress(fmt("  %zu reservations after %.1f s", hosts.size(), seconds(Clock::now() - start)));
    }
  };
  std::vector<std::future<void>> workers;
  for (int w = 0; w < o.concurrency; ++w) workers.push_back(asio::co_spawn(clients.ioc, worker, asio::use_future));
  for (auto& w : workers) w.get();
  const double secs = seconds(Clock::now() - start);
  const double relay_cpu = relay.cpu() - relay_cpu_before, client_cpu = cpu_seconds(::getpid()) - client_cpu_before;
  std::this_thread::sleep_for(std::chrono::seconds(2));  // identify and the last replies settle
  const auto held = relay.stats();
  const long rss_held = relay.rss();
  const long client_rss = rss_kib(::getpid());
  // What holding them costs the relay when nothing happens (only pings, if on).
  const double idle_cpu_before = relay.cpu();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const double idle_cpu = (relay.cpu() - idle_cpu_before) / 3.0;
  progress(fmt("  relay holds %ld reservations on %ld connections, RSS %ld KiB", held.reservations, held.connections,
               rss_held));

  // The clients leave; the relay must drop every reservation and give the memory back.
  clients.run([&]() -> asio::awaitable<void> {
    hosts.clear();
    co_return;
  });
  auto after = relay.stats();
  for (int i = 0; i < 100 && (after.reservations != before.reservations || after.connections != before.connections); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    after = relay.stats();
  }
  const long rss_after = relay.rss();
  const long n = held.reservations - before.reservations;
  emit(fmt(R"({"bench":"reservations","clients":%d,"concurrency":%d,"failed":%d%s,"held":%ld,"connections":%ld,)"
           R"("seconds":%.3f,"per_s":%.1f,"rss_before_kib":%ld,"rss_held_kib":%ld,"rss_after_kib":%ld,)"
           R"("bytes_per_reservation":%.0f,"left_after":%ld,"client_bytes_per_host":%.0f,"relay_cpu_us_per_reservation":%.0f,)"
           R"("client_cpu_us_per_reservation":%.0f,"relay_idle_cpu_share":%.3f,"relay_ping":%s,"load":"%s"})",
           o.reservations, o.concurrency, failed,
           first_error.empty() ? "" : (R"(,"first_error":")" + first_error + "\"").c_str(), n, held.connections, secs,
           static_cast<double>(o.reservations - failed) / secs, rss_before, rss_held, rss_after,
           n > 0 ? static_cast<double>(rss_held - rss_before) * 1024.0 / static_cast<double>(n) : 0.0,
           after.reservations - before.reservations,
           n > 0 ? static_cast<double>(client_rss - client_rss_before) * 1024.0 / static_cast<double>(n) : 0.0,
           relay_cpu * 1e6 / std::max(1, o.reservations - failed), client_cpu * 1e6 / std::max(1, o.reservations - failed),
           idle_cpu, o.relay_ping ? "true" : "false", load_average().c_str()));
}

// ---- circuits and throughput --------------------------------------------------------------------------

HostConfig peer_config(std::uint8_t seed) {
  HostConfig cfg;
  cfg.identity = Keypair::from_secret_key_seed(seed);
  cfg.listen = {Multiaddr::parse("/ip4/127.0.0.1/tcp/0").value()};
  cfg.ping.enabled = false;
  cfg.dcutr.enabled = false;  // keep relayed connections relayed
  cfg.port_reuse = false;
  cfg.limits.max_connections_per_peer = 64;
  cfg.limits.max_inbound_streams_per_protocol = 4096;
  cfg.limits.event_queue = 16;
  return cfg;
}

asio::awaitable<void> echo(Stream s) {
  std::vector<std::uint8_t> buf(4096);
  for (;;) {
    auto n = co_await s.read_some(buf);
    if (!n) break;
    if (!co_await s.write(BytesView(buf.data(), *n))) co_return;
  }
  (void)co_await s.close_write();
}

/// The listener: reserved at the relay, serving echo and /perf/1.0.0, on its own thread.
struct Listener {
  Loop loop;
  std::unique_ptr<Host> host;
  Multiaddr direct;  // its own listen address, for the direct connection
  explicit Listener(const Multiaddr& relay) {
    host = loop.run([&]() -> asio::awaitable<std::unique_ptr<Host>> {
      auto h = Host::create(loop.ioc.get_executor(), peer_config(1)).value();
      h->set_handler(std::string(echo_protocol), echo);
      perf::serve(*h);
      if (auto r = co_await h->start(); !r) throw std::runtime_error("listener start: " + r.error().message());
      if (auto r = co_await h->listen_via_relay(relay); !r)
        throw std::runtime_error("listener reservation: " + r.error().message());
      co_return h;
    });
    direct = host->listen_addrs().at(0).with_peer_id(host->id());
  }
  ~Listener() {
    loop.run([this]() -> asio::awaitable<void> {
      co_await host->stop();
      host.reset();
    });
  }
};

/// A dialer Host that notices when its connections close (Host::dial returns a live connection to the
/// peer instead of opening a new circuit, so each circuit must be gone before the next).
struct Dialer {
  /// Shared with the host's observer, which can still run after the Host object is gone (connection
  /// tasks finish later and report their close).
  struct Watch {
    explicit Watch(asio::any_io_executor ex) : wake(std::move(ex)) {}
    std::set<ConnectionId> closed;
    asio::steady_timer wake;
  };
  std::shared_ptr<Watch> watch;
  std::unique_ptr<Host> host;
  Dialer(asio::any_io_executor ex, std::uint8_t seed) : watch(std::make_shared<Watch>(ex)) {
    host = Host::create(ex, peer_config(seed)).value();
    host->add_observer([w = watch](const HostEvent& ev) {
      if (auto* c = std::get_if<ConnectionClosed>(&ev)) {
        w->closed.insert(c->connection.id);
        w->wake.cancel();
      }
    });
  }
  asio::awaitable<bool> wait_closed(ConnectionId id, std::chrono::seconds limit) {
    const auto end = Clock::now() + limit;
    while (!watch->closed.erase(id)) {
      if (Clock::now() >= end) co_return false;
      watch->wake.expires_at(end);
      co_await watch->wake.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    co_return true;
  }
};

Multiaddr circuit_addr(const Multiaddr& relay, const PeerId& dst) {
  return relay.encapsulate(Multiaddr::parse("/p2p-circuit").value()).with_peer_id(dst);
}

/// One circuit: dial through the relay, one byte echoed on a new stream, close, wait until it is gone.
/// Returns the milliseconds from dial to the byte back.
asio::awaitable<double> one_circuit(Dialer& d, Multiaddr target) {
  const auto t0 = Clock::now();
  auto c = co_await d.host->dial(target);
  if (!c) throw std::runtime_error("circuit dial: " + c.error().message());
  if (!c->relayed) throw std::runtime_error("circuit dial returned a direct connection");
  std::vector<std::string> protocols{std::string(echo_protocol)};
  auto s = co_await d.host->open_stream_on(c->id, std::move(protocols));
  if (!s) throw std::runtime_error("open_stream: " + s.error().message());
  std::uint8_t byte = 42;
  if (auto w = co_await s->write(BytesView(&byte, 1)); !w) throw std::runtime_error("write: " + w.error().message());
  byte = 0;
  auto n = co_await s->read_some(std::span<std::uint8_t>(&byte, 1));
  if (!n || byte != 42) throw std::runtime_error("echo: " + (n ? std::string("wrong byte") : n.error().message()));
  const double ms = millis(Clock::now() - t0);
  (void)co_await s->close_write();
  d.host->close_connection(c->id);
  if (!co_await d.wait_closed(c->id, std::chrono::seconds(10))) throw std::runtime_error("circuit did not close");
  co_return ms;
}

std::string summary(std::vector<double> v) {
  if (v.empty()) return R"({"median_ms":0,"p90_ms":0})";
  std::sort(v.begin(), v.end());
  auto q = [&](double p) { return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))]; };
  return fmt(R"({"median_ms":%.3f,"p90_ms":%.3f})", q(0.5), q(0.9));
}

void bench_circuits(const Options& o, RelayProcess& relay) {
  Listener listener(relay.addr);
  const auto target = circuit_addr(relay.addr, listener.host->id());
  Loop loop;
  for (const int k : o.circuit_concurrency) {
    progress(fmt("circuits/s: %d dialers opening circuits back to back for %.0f s (load %s)", k, o.circuit_seconds,
                 load_average().c_str()));
    std::vector<std::unique_ptr<Dialer>> dialers;
    loop.run([&]() -> asio::awaitable<void> {
      for (int i = 0; i < k; ++i) {
        dialers.push_back(std::make_unique<Dialer>(loop.ioc.get_executor(), static_cast<std::uint8_t>(10 + i)));
        auto& d = *dialers.back();
        if (auto r = co_await d.host->start(); !r) throw std::runtime_error("dialer start: " + r.error().message());
        if (auto r = co_await d.host->dial(relay.addr); !r) throw std::runtime_error("dial relay: " + r.error().message());
        (void)co_await one_circuit(d, target);  // warm-up
      }
    });
    int done = 0, failed = 0;
    std::string first_error;
    std::vector<double> latencies;
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.circuit_seconds));
    std::vector<std::future<void>> workers;
    for (auto& d : dialers)
      workers.push_back(asio::co_spawn(
          loop.ioc,
          [&, dp = d.get()]() -> asio::awaitable<void> {
            while (Clock::now() < end) {
              bool ok = false;
              try {
                latencies.push_back(co_await one_circuit(*dp, target));
                ++done;
                ok = true;
              } catch (const std::exception& e) {
                if (failed++ == 0) first_error = e.what();
              }
              if (!ok) co_await sleep_for(std::chrono::milliseconds(10));  // no co_await in a handler
            }
          },
          asio::use_future));
    for (auto& w : workers) w.get();
    const double secs = seconds(Clock::now() - start);
    // Each dialer waited for its own end of the circuit to close; the relay ends the circuit once both
    // of its streams are done, a moment later.
    auto stats = relay.stats();
    for (int i = 0; i < 50 && stats.circuits != 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      stats = relay.stats();
    }
    emit(fmt(R"({"bench":"circuits","concurrency":%d,"circuits":%d,"failed":%d%s,"seconds":%.3f,"per_s":%.1f,)"
             R"("open_to_echo":%s,"relay_circuits_left":%ld,"load":"%s"})",
             k, done, failed, first_error.empty() ? "" : (R"(,"first_error":")" + first_error + "\"").c_str(), secs,
             done / secs, summary(latencies).c_str(), stats.circuits, load_average().c_str()));
    loop.run([&]() -> asio::awaitable<void> {
      for (auto& d : dialers) co_await d->host->stop();
      dialers.clear();
    });
  }
}

/// Uploads `bytes` on a new /perf/1.0.0 stream on connection `conn` (asking for nothing back) and waits
/// for the server's EOF, i.e. until every byte reached the other application. Returns MiB/s.
asio::awaitable<double> upload(Host& h, ConnectionId conn, std::uint64_t bytes) {
  std::vector<std::string> protocols{std::string(perf::protocol_id)};
  auto s = co_await h.open_stream_on(conn, std::move(protocols));
  if (!s) throw std::runtime_error("perf stream: " + s.error().message());
  const auto start = Clock::now();
  std::vector<std::uint8_t> buf(64 * 1024, 0);  // the first 8 bytes: download size 0
  std::uint64_t sent = 0;
  while (sent < bytes + 8) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(bytes + 8 - sent, buf.size()));
    if (auto w = co_await s->write(BytesView(buf.data(), n)); !w) throw std::runtime_error("upload: " + w.error().message());
    sent += n;
  }
  if (auto w = co_await s->close_write(); !w) throw std::runtime_error("close_write: " + w.error().message());
  for (;;) {
    auto n = co_await s->read_some(buf);
    if (!n) {
      if (n.error() != asio::error::eof) throw std::runtime_error("perf: " + n.error().message());
      break;
    }
  }
  co_return static_cast<double>(bytes) / seconds(Clock::now() - start) / mib;
}

void bench_throughput(const Options& o, RelayProcess& relay) {
  progress(fmt("throughput: %llu MiB through the circuit and direct, %d times each (load %s)",
               static_cast<unsigned long long>(o.bytes / mib), o.repeat, load_average().c_str()));
  Listener listener(relay.addr);
  Loop loop;
  std::vector<double> relayed, direct;
  loop.run([&]() -> asio::awaitable<void> {
    Dialer d(loop.ioc.get_executor(), 9);
    if (auto r = co_await d.host->start(); !r) throw std::runtime_error("dialer start: " + r.error().message());
    auto rc = co_await d.host->dial(circuit_addr(relay.addr, listener.host->id()));
    if (!rc || !rc->relayed) throw std::runtime_error("circuit: " + (rc ? std::string("not relayed") : rc.error().message()));
    auto dc = co_await d.host->dial(listener.direct);
    if (!dc || dc->relayed) throw std::runtime_error("direct: " + (dc ? std::string("relayed") : dc.error().message()));
    (void)co_await upload(*d.host, rc->id, 16 * mib);  // warm-up
    (void)co_await upload(*d.host, dc->id, 16 * mib);
    for (int r = 0; r < o.repeat; ++r) {
      relayed.push_back(co_await upload(*d.host, rc->id, o.bytes));
      direct.push_back(co_await upload(*d.host, dc->id, o.bytes));
      progress(fmt("  relayed %.1f MiB/s, direct %.1f MiB/s", relayed.back(), direct.back()));
    }
    co_await d.host->stop();
  });
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  auto list = [](const std::vector<double>& v) {
    std::string s = "[";
    for (auto x : v) {
      if (s.size() > 1) s += ',';
      s += fmt("%.1f", x);
    }
    return s + "]";
  };
  emit(fmt(R"({"bench":"throughput","bytes":%llu,"repeat":%d,"relayed_mib_s":%.1f,"direct_mib_s":%.1f,)"
           R"("relayed_runs":%s,"direct_runs":%s,"load":"%s"})",
           static_cast<unsigned long long>(o.bytes), o.repeat, median(relayed), median(direct), list(relayed).c_str(),
           list(direct).c_str(), load_average().c_str()));
}

std::vector<int> parse_ints(const std::string& s) {
  std::vector<int> v;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) v.push_back(std::stoi(item));
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (!log::enabled(log::Level::debug)) log::set_level(log::Level::error);  // thousands of connections
  if (argc >= 2 && std::string(argv[1]) == "relay") return run_relay(argc >= 3 && std::string(argv[2]) == "--ping");
  Options o;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
        return argv[++i];
      };
      if (a == "--only") {
        std::stringstream ss(value());
        std::string x;
        while (std::getline(ss, x, ',')) o.only.insert(x);
      } else if (a == "--reservations") o.reservations = std::stoi(value());
      else if (a == "--concurrency") o.concurrency = std::stoi(value());
      else if (a == "--circuit-seconds") o.circuit_seconds = std::stod(value());
      else if (a == "--circuit-concurrency") o.circuit_concurrency = parse_ints(value());
      else if (a == "--bytes") o.bytes = std::stoull(value());
      else if (a == "--repeat") o.repeat = std::stoi(value());
      else if (a == "--relay-ping") o.relay_ping = true;
      else if (a == "--rounds") o.rounds = std::stoi(value());
      else throw std::invalid_argument("unknown argument " + a);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lp2p-relay-bench: %s (see the header of bench/relay_bench.cpp)\n", e.what());
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  const std::uint64_t fds = transport::raise_fd_limit();  // the relay process raises its own
  if (o.wants("reservations") && fds < static_cast<std::uint64_t>(o.reservations) + 256) {
    std::fprintf(stderr, "lp2p-relay-bench: %d reservations need %d descriptors; the limit is %llu\n", o.reservations,
                 o.reservations + 256, static_cast<unsigned long long>(fds));
    return 1;
  }
  try {
    emit(fmt(R"({"event":"start","load":"%s","nofile":%llu})", load_average().c_str(), static_cast<unsigned long long>(fds)));
    RelayProcess relay(o.relay_ping);
    if (o.wants("reservations"))
      for (int r = 0; r < o.rounds; ++r) bench_reservations(o, relay);
    if (o.wants("circuits")) bench_circuits(o, relay);
    if (o.wants("throughput")) bench_throughput(o, relay);
    emit(fmt(R"({"event":"end","load":"%s"})", load_average().c_str()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lp2p-relay-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
