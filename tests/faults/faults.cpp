// lp2p-faults: fault tests of issue #6 part 6 on loopback, with real processes killed by SIGKILL.
//
//   lp2p-faults peer-kill    a child process streams to our host over 4 streams (data both ways, verified);
//                            it is SIGKILLed mid-stream. Every read and write of ours on those streams must
//                            end with an error (not a clean EOF) within 5 s, the host must report the
//                            connection closed and hold no connection afterwards, and it must still serve
//                            a new peer.
//   lp2p-faults relay-kill   the relay runs in a child process; our dialer streams to our listener through
//                            it (a relayed connection, 4 streams, data both ways). The relay is SIGKILLed
//                            mid-circuit: both ends' reads and writes must fail within 5 s, both hosts must
//                            drop to zero connections, the listener must report its reservation lost, and
//                            both hosts must stop cleanly.
//
// Prints PASS/FAIL per check and exits 0 when all passed, 1 otherwise, 3 on a hang (watchdog).
#include <lp2p/host/host.hpp>
#include <lp2p/log.hpp>

#include "soak/soak_support.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using namespace lp2p;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* fault_protocol = "/lp2p-faults/1.0.0";
constexpr int streams_per_peer = 4;
constexpr auto error_bound = std::chrono::seconds(5);

asio::awaitable<void> sleep_for(Clock::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

/// Waits until `done()` or `timeout`; true if done.
asio::awaitable<bool> wait_until(std::function<bool()> done, Clock::duration timeout) {
  const auto until = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() >= until) co_return false;
    co_await sleep_for(std::chrono::milliseconds(10));
  }
  co_return true;
}

int passed = 0, failed = 0;
void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "PASS" : "FAIL", what.c_str());
  std::fflush(stdout);
  (ok ? passed : failed)++;
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

/// One direction of one stream, as seen by its reader or writer.
struct Half {
  std::uint64_t bytes = 0;
  bool ended = false;
  bool eof = false;  ///< ended with a clean EOF (wrong after a kill: nobody sent FIN)
  error_code error;
  Clock::time_point ended_at;
  bool corrupt = false;
};

/// Both tasks of one stream end: `in` is what we read, `out` what we write.
struct Ends {
  Half in, out;
};

/// Writes the pattern of `seed` until an error.
asio::awaitable<void> pump_out(std::shared_ptr<Stream> s, std::uint64_t seed, Half& h) {
  std::vector<std::uint8_t> buf(16 * 1024);
  for (;;) {
    soak::pattern_fill(seed, h.bytes, buf);
    auto w = co_await s->write(BytesView(buf.data(), buf.size()));
    if (!w) {
      h.error = w.error();
      break;
    }
    h.bytes += buf.size();
  }
  h.ended = true;
  h.ended_at = Clock::now();
}

/// Reads and verifies the pattern of `seed` until EOF or an error.
asio::awaitable<void> pump_in(std::shared_ptr<Stream> s, std::uint64_t seed, Half& h) {
  std::vector<std::uint8_t> buf(64 * 1024);
  for (;;) {
    auto r = co_await s->read_some(buf);
    if (!r) {
      h.eof = r.error() == asio::error::eof;
      h.error = r.error();
      break;
    }
    if (soak::pattern_mismatch(seed, h.bytes, std::span<const std::uint8_t>(buf.data(), *r)) >= 0) h.corrupt = true;
    h.bytes += *r;
  }
  h.ended = true;
  h.ended_at = Clock::now();
}

/// Starts both pumps on a stream: we send `seed_out`, we expect `seed_in`.
void run_stream(asio::io_context& ioc, Stream s, std::uint64_t seed_out, std::uint64_t seed_in, Ends& e) {
  auto p = std::make_shared<Stream>(std::move(s));
  asio::co_spawn(ioc, pump_out(p, seed_out, e.out), asio::detached);
  asio::co_spawn(ioc, pump_in(p, seed_in, e.in), asio::detached);
}

/// Checks that every half ended with an error (not EOF) within error_bound of `killed_at`, with verified
/// data before it.
void check_ends(const std::string& who, const std::vector<std::unique_ptr<Ends>>& ends, Clock::time_point killed_at) {
  bool all_ended = true, no_eof = true, intact = true;
  double worst = 0;
  std::string errors;
  for (const auto& e : ends) {
    for (const Half* h : {&e->in, &e->out}) {
      if (!h->ended) {
        all_ended = false;
        continue;
      }
      if (h->eof) no_eof = false;
      if (h->corrupt) intact = false;
      worst = std::max(worst, std::chrono::duration<double, std::milli>(h->ended_at - killed_at).count());
      const auto m = h->error.message();
      if (errors.find(m) == std::string::npos) errors += (errors.empty() ? "" : "; ") + m;
    }
  }
  check(all_ended, who + ": every read and write on the " + std::to_string(ends.size()) +
                       " streams returned (within " + std::to_string(error_bound.count()) + " s), the last after " +
                       std::to_string(static_cast<int>(worst)) + " ms");
  check(no_eof, who + ": ... with an error, not a clean EOF (errors: " + errors + ")");
  check(intact, who + ": every byte read before the fault matched the pattern");
}

std::uint64_t seed_of(int stream, int dir) { return soak::pattern_block(42, static_cast<std::uint64_t>(2 * stream + dir)); }

// ------------------------------------------------------------------------------------------ peer-kill
/// --role streamer --target ADDR: dials, opens 4 streams that send and verify data, runs until killed
/// (or, with --streams-for SECS, stops after that long, half-closes and exits 0).
int run_streamer(const std::string& target, double stop_after) {
  asio::io_context ioc(1);
  HostConfig cfg;
  cfg.dcutr.enabled = false;
  auto host = Host::create(ioc.get_executor(), std::move(cfg)).value();
  int status = 0;
  std::vector<std::unique_ptr<Ends>> ends;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        auto addr = Multiaddr::parse(target);
        if (!addr) co_return;
        auto c = co_await host->dial(*addr);
        if (!c) {
          std::fprintf(stderr, "streamer: dial: %s\n", c.error().message().c_str());
          status = 1;
          ioc.stop();
          co_return;
        }
        for (int i = 0; i < streams_per_peer; ++i) {
          std::vector<std::string> protocols;
          protocols.emplace_back(fault_protocol);
          auto s = co_await host->open_stream(c->peer, std::move(protocols));
          if (!s) {
            status = 1;
            ioc.stop();
            co_return;
          }
          const std::uint8_t index = static_cast<std::uint8_t>(i);
          if (auto w = co_await s->write(BytesView(&index, 1)); !w) {
            status = 1;
            ioc.stop();
            co_return;
          }
          ends.push_back(std::make_unique<Ends>());
          run_stream(ioc, std::move(*s), seed_of(i, 0), seed_of(i, 1), *ends.back());
        }
        std::printf("STREAMING\n");
        std::fflush(stdout);
        if (stop_after > 0) {
          co_await sleep_for(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(stop_after)));
          for (const auto& e : ends)
            if (e->in.corrupt) status = 1;
          co_await host->stop();
          ioc.stop();
        }
      },
      asio::detached);
  ioc.run();
  host.reset();
  return status;
}

int peer_kill() {
  asio::io_context ioc(1);
  HostConfig cfg;
  cfg.listen = {Multiaddr::parse("/ip4/127.0.0.1/tcp/0").value()};
  cfg.dcutr.enabled = false;
  auto host = Host::create(ioc.get_executor(), std::move(cfg)).value();
  std::vector<std::unique_ptr<Ends>> ends, retired;
  int closed_events = 0;
  error_code closed_reason;
  host->set_handler(fault_protocol, [&](Stream s) -> asio::awaitable<void> {
    std::uint8_t index = 0;
    auto r = co_await s.read_some(std::span<std::uint8_t>(&index, 1));
    if (!r || index >= streams_per_peer) co_return;
    ends.push_back(std::make_unique<Ends>());
    run_stream(ioc, std::move(s), seed_of(index, 1), seed_of(index, 0), *ends.back());
  });
  host->add_observer([&](const HostEvent& ev) {
    if (auto* c = std::get_if<ConnectionClosed>(&ev)) {
      ++closed_events;
      closed_reason = c->reason;
    }
  });
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        if (auto r = co_await host->start(); !r) {
          check(false, "host listens: " + r.error().message());
          co_return;
        }
        const auto addr = host->listen_addrs().at(0).with_peer_id(host->id()).to_string();
        soak::Child child;
        check(child.start({"--role", "streamer", "--target", addr}), "child process started");
        // The child prints STREAMING once its streams run (polled: blocking here would stall our host).
        std::optional<std::string> line;
        co_await wait_until([&] { return (line = child.read_line(std::chrono::milliseconds(0))).has_value() || child.exited(); },
                            std::chrono::seconds(20));
        check(line && *line == "STREAMING", "child is streaming to us over 4 streams");
        const bool flowing = co_await wait_until(
            [&] {
              if (ends.size() < streams_per_peer) return false;
              for (const auto& e : ends)
                if (e->in.bytes < 256 * 1024 || e->out.bytes < 256 * 1024) return false;
              return true;
            },
            std::chrono::seconds(20));
        check(flowing, "at least 256 KiB moved each way on every stream before the kill");
        check(host->connections().size() == 1, "one connection before the kill");
        const auto killed_at = Clock::now();
        child.kill(SIGKILL);
        co_await wait_until([&] { return child.exited(); }, error_bound);
        const int st = child.wait(std::chrono::seconds(1));
        check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child died of SIGKILL (" + soak::describe_status(st) + ")");
        co_await wait_until(
            [&] {
              for (const auto& e : ends)
                if (!e->in.ended || !e->out.ended) return false;
              return true;
            },
            error_bound);
        check_ends("host", ends, killed_at);
        const bool gone = co_await wait_until([&] { return host->connections().empty() && closed_events == 1; }, error_bound);
        check(gone, "host reported the connection closed (" + closed_reason.message() + ") and holds 0 connections, " +
                        std::to_string(static_cast<int>(ms_since(killed_at))) + " ms after the kill");

        // Resources freed and the host still works: a new peer streams for 1 s and leaves cleanly.
        retired = std::move(ends);  // a pump still running (a failed check above) keeps its Ends alive
        ends.clear();
        soak::Child again;
        again.start({"--role", "streamer", "--target", addr, "--stop-after", "1"});
        std::optional<std::string> l2;
        co_await wait_until([&] { return (l2 = again.read_line(std::chrono::milliseconds(0))).has_value() || again.exited(); },
                            std::chrono::seconds(20));
        co_await wait_until([&] { return again.exited(); }, std::chrono::seconds(20));
        const int st2 = again.wait(std::chrono::seconds(1));
        bool intact = ends.size() == streams_per_peer;
        for (const auto& e : ends)
          if (e->in.corrupt || e->in.bytes == 0) intact = false;
        check(l2 && st2 == 0 && intact, "a new peer streams to the same host afterwards and exits cleanly (" +
                                            soak::describe_status(st2) + ")");
        co_await wait_until([&] { return host->connections().empty(); }, error_bound);
        check(host->connections().empty(), "0 connections after the second peer left");
        co_await host->stop();
        ioc.stop();
      },
      asio::detached);
  ioc.run();
  return failed == 0 ? 0 : 1;
}

// ------------------------------------------------------------------------------------------ relay-kill
int relay_kill() {
  soak::Child relay;
  check(relay.start({"--role", "relay", "--max-connections", "64"}), "relay process started");
  auto line = relay.read_line(std::chrono::seconds(20));
  if (!line || line->rfind("RELAY ", 0) != 0) {
    check(false, "relay printed its address");
    return 1;
  }
  const auto relay_addr = Multiaddr::parse(line->substr(6)).value();

  asio::io_context ioc(1);
  HostConfig lc;
  lc.dcutr.enabled = false;
  auto listener = Host::create(ioc.get_executor(), std::move(lc)).value();
  HostConfig dc;
  dc.dcutr.enabled = false;
  auto dialer = Host::create(ioc.get_executor(), std::move(dc)).value();
  std::vector<std::unique_ptr<Ends>> lends, dends;
  std::optional<Multiaddr> circuit;
  bool lost = false;
  listener->set_handler(fault_protocol, [&](Stream s) -> asio::awaitable<void> {
    std::uint8_t index = 0;
    auto r = co_await s.read_some(std::span<std::uint8_t>(&index, 1));
    if (!r || index >= streams_per_peer) co_return;
    lends.push_back(std::make_unique<Ends>());
    run_stream(ioc, std::move(s), seed_of(index, 1), seed_of(index, 0), *lends.back());
  });
  listener->add_observer([&](const HostEvent& ev) {
    if (auto* r = std::get_if<ReservationChanged>(&ev)) {
      if (!r->circuit_addrs.empty()) circuit = r->circuit_addrs[0];
      if (r->kind == ReservationChanged::Kind::lost) lost = true;
    }
  });
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        co_await listener->start();
        co_await dialer->start();
        auto res = co_await listener->listen_via_relay(relay_addr);
        check(res && circuit.has_value(), "listener reserved a slot at the relay process");
        if (!circuit) co_return ioc.stop();
        auto c = co_await dialer->dial(*circuit);
        check(c && c->relayed, "dialer connected to the listener through the relay");
        if (!c) co_return ioc.stop();
        for (int i = 0; i < streams_per_peer; ++i) {
          std::vector<std::string> protocols;
          protocols.emplace_back(fault_protocol);
          auto s = co_await dialer->open_stream(c->peer, std::move(protocols));
          if (!s) co_return ioc.stop();
          const std::uint8_t index = static_cast<std::uint8_t>(i);
          co_await s->write(BytesView(&index, 1));
          dends.push_back(std::make_unique<Ends>());
          run_stream(ioc, std::move(*s), seed_of(i, 0), seed_of(i, 1), *dends.back());
        }
        const bool flowing = co_await wait_until(
            [&] {
              if (lends.size() < streams_per_peer) return false;
              for (const auto* v : {&lends, &dends})
                for (const auto& e : *v)
                  if (e->in.bytes < 128 * 1024) return false;
              return true;
            },
            std::chrono::seconds(20));
        check(flowing, "at least 128 KiB arrived each way on every relayed stream before the kill");
        const auto killed_at = Clock::now();
        relay.kill(SIGKILL);
        co_await wait_until([&] { return relay.exited(); }, error_bound);
        const int st = relay.wait(std::chrono::seconds(1));
        check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "relay died of SIGKILL (" + soak::describe_status(st) + ")");
        co_await wait_until(
            [&] {
              for (const auto* v : {&lends, &dends})
                for (const auto& e : *v)
                  if (!e->in.ended || !e->out.ended) return false;
              return true;
            },
            error_bound);
        check_ends("dialer", dends, killed_at);
        check_ends("listener", lends, killed_at);
        const bool gone = co_await wait_until(
            [&] { return dialer->connections().empty() && listener->connections().empty(); }, error_bound);
        check(gone, "dialer and listener hold 0 connections " + std::to_string(static_cast<int>(ms_since(killed_at))) +
                        " ms after the kill");
        const bool reported = co_await wait_until([&] { return lost; }, error_bound);
        check(reported, "listener reported its reservation lost");
        // The listener now retries the dead relay with backoff; stopping must not wait for that.
        const auto stop_at = Clock::now();
        co_await dialer->stop();
        co_await listener->stop();
        check(ms_since(stop_at) < 5000, "both hosts stopped in " + std::to_string(static_cast<int>(ms_since(stop_at))) +
                                            " ms while the listener was retrying the dead relay");
        ioc.stop();
      },
      asio::detached);
  ioc.run();
  return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode, role, target;
  double stop_after = 0;
  pid_t parent = 0;
  std::size_t max_connections = 64;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--role" && has_value) role = argv[++i];
    else if (a == "--target" && has_value) target = argv[++i];
    else if (a == "--stop-after" && has_value) stop_after = std::stod(argv[++i]);
    else if (a == "--parent-pid" && has_value) parent = static_cast<pid_t>(std::stol(argv[++i]));
    else if (a == "--max-connections" && has_value) max_connections = std::stoull(argv[++i]);
    else if (mode.empty() && a.rfind("--", 0) != 0) mode = a;
    else {
      std::fprintf(stderr, "usage: lp2p-faults peer-kill|relay-kill\n");
      return 2;
    }
  }
  if (std::getenv("LP2P_LOG") == nullptr) log::set_level(log::Level::warn);
  std::signal(SIGPIPE, SIG_IGN);
  if (role == "relay") {
    soak::die_with_parent(parent);
    return soak::run_relay(max_connections);
  }
  if (role == "streamer") {
    soak::die_with_parent(parent);
    return run_streamer(target, stop_after);
  }
  // Watchdog: a hang fails the test instead of blocking CI.
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::seconds(120));
    std::fprintf(stderr, "lp2p-faults: watchdog: still running after 120 s (hang)\n");
    std::_Exit(3);
  }).detach();
  int rc = 2;
  if (mode == "peer-kill") rc = peer_kill();
  else if (mode == "relay-kill") rc = relay_kill();
  else std::fprintf(stderr, "usage: lp2p-faults peer-kill|relay-kill\n");
  if (rc != 2) std::printf("%s: %d passed, %d failed\n", mode.c_str(), passed, failed);
  return rc;
}
