// dcutr: hole punching through a relay, with rust-libp2p's dcutr example flags and sequence:
//   dcutr --mode listen --secret-key-seed 1 --relay-address /ip4/R/tcp/4001/p2p/<relay>
//   dcutr --mode dial   --secret-key-seed 2 --relay-address /ip4/R/tcp/4001/p2p/<relay> --remote-peer-id <listener>
// Steps: listen on tcp port 0; connect to the relay and learn our observed address through identify;
// listen mode reserves a slot at the relay, dial mode dials <relay>/p2p-circuit/p2p/<remote>; DCUtR then
// upgrades the relayed connection to a direct one. One log line per step; a final line
//   RESULT direct|relayed|failed peer=... rtt_relayed_us=... rtt_direct_us=...
// and, with --exit-after-result, exit status 0 (direct), 3 (relayed only) or 1 (failed).
#include <lp2p/host/host.hpp>
#include <lp2p/log.hpp>

#include "cli.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/program_options.hpp>

#include <iostream>

namespace asio = boost::asio;
namespace po = boost::program_options;

namespace {

void say(const std::string& line) { LP2P_LOG(info, "dcutr_example") << line; }

std::string endpoint(const lp2p::ConnectionInfo& c) {
  return std::string(c.relayed ? "relayed" : "direct") + " " + lp2p::to_string(c.direction) +
         " local=" + c.local_addr.to_string() + " remote=" + c.remote_addr.to_string();
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description desc("dcutr options");
  desc.add_options()("help", "show this help")("mode", po::value<std::string>()->required(), "listen or dial")(
      "secret-key-seed", po::value<unsigned>()->required(), "identity: Ed25519 secret [N, 0, ..., 0] (0-255)")(
      "relay-address", po::value<std::string>()->required(), "the relay, ending in /p2p/<relay id>")(
      "remote-peer-id", po::value<std::string>(), "dial mode: the listener's PeerId")(
      "port", po::value<unsigned>()->default_value(0), "TCP port to listen on (0: any)")(
      "exit-after-result", po::bool_switch(), "exit once the RESULT line is printed")(
      "ping-interval", po::value<unsigned>()->default_value(15), "seconds between keep-alive pings (rust: 15)")(
      "timeout", po::value<unsigned>()->default_value(0), "give up after this many seconds (0: never)")(
      "spray", po::value<std::string>()->default_value("on"),
      "on|off: the birthday spray (/lp2p/dcutr-spray/1.0.0) when one side's NAT is endpoint-dependent")(
      "spray-k", po::value<unsigned>(), "sockets from fresh ports per round when our NAT is endpoint-dependent")(
      "spray-m", po::value<unsigned>(), "sockets from our listening port per round when the peer's NAT is")(
      "spray-rounds", po::value<unsigned>(), "spray rounds per hole punch");
  po::variables_map vm;
  if (const auto exit_code = lp2p::examples::parse_command_line(argc, argv, desc, vm, {.program = "dcutr"}))
    return *exit_code;
  const auto mode = vm["mode"].as<std::string>();
  if (mode != "listen" && mode != "dial") {
    std::cerr << "dcutr: Expected either 'dial' or 'listen'\n";
    return 2;
  }
  const auto seed = vm["secret-key-seed"].as<unsigned>();
  std::string why;
  auto relay = lp2p::Multiaddr::parse(vm["relay-address"].as<std::string>(), &why);
  if (seed > 255 || !relay || !relay->peer_id()) {
    std::cerr << "dcutr: --secret-key-seed must be 0-255 and --relay-address a multiaddr ending in /p2p/<id>"
              << (why.empty() ? "" : ": " + why) << "\n";
    return 2;
  }
  std::optional<lp2p::PeerId> remote;
  if (mode == "dial") {
    if (!vm.count("remote-peer-id")) {
      std::cerr << "dcutr: dial mode needs --remote-peer-id\n";
      return 2;
    }
    auto p = lp2p::PeerId::parse(vm["remote-peer-id"].as<std::string>());
    if (!p) {
      std::cerr << "dcutr: bad --remote-peer-id: " << p.error().message() << "\n";
      return 2;
    }
    remote = *p;
  }
  lp2p::HostConfig cfg;
  cfg.identity = lp2p::Keypair::from_secret_key_seed(static_cast<std::uint8_t>(seed));
  cfg.protocol_version = "/TODO/0.0.1";
  cfg.listen = {lp2p::Multiaddr::parse("/ip4/0.0.0.0/tcp/" + std::to_string(vm["port"].as<unsigned>())).value()};
  const bool exit_after = vm["exit-after-result"].as<bool>();
  const auto spray = vm["spray"].as<std::string>();
  if (spray != "on" && spray != "off") {
    std::cerr << "dcutr: --spray must be on or off\n";
    return 2;
  }
  cfg.dcutr.spray.enabled = spray == "on";
  if (vm.count("spray-k")) cfg.dcutr.spray.k = vm["spray-k"].as<unsigned>();
  if (vm.count("spray-m")) cfg.dcutr.spray.m = vm["spray-m"].as<unsigned>();
  if (vm.count("spray-rounds")) cfg.dcutr.spray.max_rounds = vm["spray-rounds"].as<unsigned>();
  cfg.ping.interval = std::chrono::seconds(std::max(1u, vm["ping-interval"].as<unsigned>()));
  cfg.ping.timeout = std::min<std::chrono::milliseconds>(cfg.ping.timeout, cfg.ping.interval * 2);

  asio::io_context ioc(1);
  auto host = lp2p::Host::create(ioc.get_executor(), std::move(cfg)).value();
  int status = 1;
  bool done = false;
  std::optional<std::chrono::microseconds> rtt_relayed, rtt_direct;
  // From the relayed connection to the direct one (what the punch cost), for scripts/bench_spray.sh.
  std::optional<std::chrono::steady_clock::time_point> relayed_at;
  std::optional<std::chrono::milliseconds> punch_time;

  auto result = [&](const char* kind, const lp2p::PeerId& peer, int code) {
    if (done) return;
    done = true;
    status = code;
    std::cout << "RESULT " << kind << " peer=" << peer.to_base58()
              << " rtt_relayed_us=" << (rtt_relayed ? std::to_string(rtt_relayed->count()) : "-")
              << " rtt_direct_us=" << (rtt_direct ? std::to_string(rtt_direct->count()) : "-")
              << " punch_ms=" << (punch_time ? std::to_string(punch_time->count()) : "-") << std::endl;
    if (exit_after) ioc.stop();
  };

  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        if (auto r = co_await host->start(); !r) {
          say("cannot listen: " + r.error().message());
          ioc.stop();
          co_return;
        }
        say("Local peer id: " + host->id().to_base58());
        for (const auto& a : host->listen_addrs()) say("Listening on address address=" + a.to_string());
        auto rc = co_await host->dial(*relay);
        if (!rc) {
          say("Outgoing connection failed: cannot reach the relay " + relay->to_string() + ": " + rc.error().message());
          ioc.stop();
          co_return;
        }
        // Wait for the relay's identify: it tells us our observed (public) address.
        for (;;) {
          auto ev = co_await host->next_event();
          if (!ev) co_return;
          if (auto* m = std::get_if<lp2p::NatMappingClassified>(&*ev)) say(lp2p::describe(*m));
          if (auto* id = std::get_if<lp2p::IdentifyReceived>(&*ev); id && id->connection.peer == *relay->peer_id()) {
            say("Relay told us our observed address address=" +
                (id->info.observed_addr ? id->info.observed_addr->to_string() : std::string("none")));
            break;
          }
        }
        if (mode == "listen") {
          auto r = co_await host->listen_via_relay(*relay);
          if (!r) say("reservation at the relay failed: " + r.error().message());
        } else {
          auto c = co_await host->dial(relay->encapsulate(lp2p::Multiaddr::parse("/p2p-circuit").value()).with_peer_id(*remote));
          if (!c) {
            say("Outgoing connection failed: " + c.error().message() + " peer=" + remote->to_base58());
            result("failed", *remote, 1);
            co_return;
          }
          relayed_at = std::chrono::steady_clock::now();
          auto rtt = co_await host->ping(*remote);
          if (rtt) rtt_relayed = *rtt;
        }
        for (;;) {
          auto ev = co_await host->next_event();
          if (!ev) co_return;
          std::visit(
              [&](const auto& e) {
                using E = std::decay_t<decltype(e)>;
                if constexpr (std::is_same_v<E, lp2p::ReservationChanged>) {
                  if (e.kind == lp2p::ReservationChanged::Kind::accepted || e.kind == lp2p::ReservationChanged::Kind::renewed ||
                      e.kind == lp2p::ReservationChanged::Kind::restored) {
                    say("Relay accepted our reservation request");
                    for (const auto& a : e.circuit_addrs) say("Listening on address address=" + a.to_string());
                  } else {
                    say("Reservation " + std::string(lp2p::to_string(e.kind)) + ": " + e.reason);
                  }
                } else if constexpr (std::is_same_v<E, lp2p::ConnectionEstablished>) {
                  say("Established new connection peer=" + e.connection.peer.to_base58() + " endpoint=" + endpoint(e.connection));
                  if (e.connection.relayed && !relayed_at) relayed_at = std::chrono::steady_clock::now();
                } else if constexpr (std::is_same_v<E, lp2p::ConnectionClosed>) {
                  say("Connection closed peer=" + e.connection.peer.to_base58() + " endpoint=" + endpoint(e.connection) +
                      " reason=" + e.reason.message());
                } else if constexpr (std::is_same_v<E, lp2p::OutgoingConnectionFailed>) {
                  say("Outgoing connection failed: " + e.detail);
                } else if constexpr (std::is_same_v<E, lp2p::HolePunchAttempt>) {
                  say("Hole punch attempt " + std::to_string(e.attempt) + " with " + e.relayed.peer.to_base58());
                } else if constexpr (std::is_same_v<E, lp2p::HolePunchSucceeded>) {
                  say("Hole punch succeeded: direct connection " + e.direct.local_addr.to_string() + " <-> " +
                      e.direct.remote_addr.to_string() + " after " + std::to_string(e.attempts) + " attempt(s) in " +
                      std::to_string(e.elapsed.count()) + " ms");
                  if (relayed_at)
                    punch_time = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - *relayed_at);
                  asio::co_spawn(ioc, [&, peer = e.relayed.peer]() -> asio::awaitable<void> {
                    auto rtt = co_await host->ping(peer);
                    if (rtt) rtt_direct = *rtt;
                    result("direct", peer, 0);
                  }, asio::detached);
                } else if constexpr (std::is_same_v<E, lp2p::HolePunchFailed>) {
                  say("Hole punch failed after " + std::to_string(e.attempts) + " attempt(s): " + e.error.message() +
                      ". " + e.diagnosis + ". The relayed connection remains usable.");
                  asio::co_spawn(ioc, [&, peer = e.relayed.peer]() -> asio::awaitable<void> {
                    auto rtt = co_await host->ping(peer);
                    if (rtt) rtt_relayed = *rtt;
                    result("relayed", peer, 3);
                  }, asio::detached);
                } else if constexpr (std::is_same_v<E, lp2p::NatMappingClassified>) {
                  say(lp2p::describe(e));
                } else if constexpr (std::is_same_v<E, lp2p::PingSucceeded>) {
                  if (e.connection.relayed) rtt_relayed = e.rtt;
                  else if (e.connection.peer != *relay->peer_id()) rtt_direct = e.rtt;
                }
              },
              *ev);
        }
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { ioc.stop(); });
  asio::steady_timer deadline(ioc);
  if (auto t = vm["timeout"].as<unsigned>()) {
    deadline.expires_after(std::chrono::seconds(t));
    deadline.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      if (!done) std::cout << "RESULT timeout after " << t << " s" << std::endl;
      status = done ? status : 2;
      ioc.stop();
    });
  }
  ioc.run();
  return status;
}
