// relay-server: a Circuit Relay v2 server with rust-libp2p's relay-server example flags:
//   relay-server --port 4001 --secret-key-seed 0 [--use-ipv6 true]
// Listens on /ip4/0.0.0.0/tcp/PORT (or /ip6/::/tcp/PORT) and logs every reservation and circuit.
// lp2p additions (tests): --listen-ip IP (e.g. 127.0.0.1), --no-limits, --max-circuit-bytes N,
// --max-circuit-duration SECS.
#include <lp2p/host/host.hpp>
#include <lp2p/log.hpp>

#include "cli.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>

#include <iostream>

namespace asio = boost::asio;
namespace po = boost::program_options;

int main(int argc, char** argv) {
  po::options_description desc("relay-server options");
  desc.add_options()("help", "show this help")("port", po::value<unsigned>()->required(), "TCP port to listen on")(
      "secret-key-seed", po::value<unsigned>()->required(), "identity: Ed25519 secret [N, 0, ..., 0] (0-255)")(
      "use-ipv6", po::value<bool>()->default_value(false), "listen on [::] instead of 0.0.0.0")(
      "no-limits", po::bool_switch(), "disable the circuit time and data limits (rust defaults otherwise)")(
      "max-circuit-bytes", po::value<std::uint64_t>(), "bytes per circuit, both directions together (rust: 131072)")(
      "max-circuit-duration", po::value<unsigned>(), "seconds per circuit (rust: 120)")(
      "listen-ip", po::value<std::string>(), "listen on this IP only (default 0.0.0.0, or :: with --use-ipv6)");
  po::variables_map vm;
  if (const auto exit_code = lp2p::examples::parse_command_line(argc, argv, desc, vm, {.program = "relay-server"}))
    return *exit_code;
  const auto port = vm["port"].as<unsigned>();
  const auto seed = vm["secret-key-seed"].as<unsigned>();
  if (port > 65535 || seed > 255) {
    std::cerr << "relay-server: --port must be 0-65535 and --secret-key-seed 0-255\n";
    return 2;
  }
  lp2p::HostConfig cfg;
  cfg.identity = lp2p::Keypair::from_secret_key_seed(static_cast<std::uint8_t>(seed));
  cfg.protocol_version = "/TODO/0.0.1";  // what rust's examples send
  std::string ip = vm["use-ipv6"].as<bool>() ? "/ip6/::" : "/ip4/0.0.0.0";
  if (vm.count("listen-ip")) {
    const auto& v = vm["listen-ip"].as<std::string>();
    ip = (v.find(':') != std::string::npos ? "/ip6/" : "/ip4/") + v;
  }
  auto listen = lp2p::Multiaddr::parse(ip + "/tcp/" + std::to_string(port));
  if (!listen) {
    std::cerr << "relay-server: bad --listen-ip\n";
    return 2;
  }
  cfg.listen = {*listen};
  cfg.relay_server.enabled = true;
  if (vm["no-limits"].as<bool>()) {
    cfg.relay_server.limits.max_circuit_duration = {};
    cfg.relay_server.limits.max_circuit_bytes = 0;
  }
  if (vm.count("max-circuit-bytes")) cfg.relay_server.limits.max_circuit_bytes = vm["max-circuit-bytes"].as<std::uint64_t>();
  if (vm.count("max-circuit-duration"))
    cfg.relay_server.limits.max_circuit_duration = std::chrono::seconds(vm["max-circuit-duration"].as<unsigned>());
  cfg.dcutr.enabled = false;

  asio::io_context ioc(1);
  auto host = lp2p::Host::create(ioc.get_executor(), std::move(cfg)).value();
  int status = 0;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        if (auto r = co_await host->start(); !r) {
          std::cerr << "relay-server: cannot listen: " << r.error().message() << "\n";
          status = 1;
          ioc.stop();
          co_return;
        }
        std::cout << "Local peer id: " << host->id().to_base58() << std::endl;
        for (;;) {
          auto ev = co_await host->next_event();
          if (!ev) break;
          if (auto* l = std::get_if<lp2p::ListenAddressAdded>(&*ev))
            std::cout << "Listening on " << l->address.to_string() << "/p2p/" << host->id().to_base58() << std::endl;
          else if (std::holds_alternative<lp2p::RelayServerEvent>(*ev) ||
                   std::holds_alternative<lp2p::ConnectionEstablished>(*ev) ||
                   std::holds_alternative<lp2p::ConnectionClosed>(*ev) ||
                   std::holds_alternative<lp2p::IdentifyReceived>(*ev))
            std::cout << lp2p::describe(*ev) << std::endl;
        }
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { ioc.stop(); });
  ioc.run();
  return status;
}
