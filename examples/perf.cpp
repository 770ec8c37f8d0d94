// perf: the libp2p perf protocol (/perf/1.0.0) with the flags of libp2p's cross-implementation perf
// runners (test-plans/perf):
//   perf --run-server --server-address 127.0.0.1:4001 [--secret-key-seed N]
//   perf --server-address 127.0.0.1:4001 --transport tcp --upload-bytes 0 --download-bytes 104857600
// The client prints JSON lines: {"type":"intermediary",...} about once a second, then {"type":"final",...}.
#include <lp2p/host/host.hpp>
#include <lp2p/protocol/perf.hpp>

#include "cli.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>

#include <cstdio>
#include <iostream>

namespace asio = boost::asio;
namespace po = boost::program_options;

static lp2p::result<lp2p::Multiaddr> to_multiaddr(const std::string& host_port) {
  if (!host_port.empty() && host_port[0] == '/') return lp2p::Multiaddr::parse(host_port);
  const auto colon = host_port.rfind(':');
  if (colon == std::string::npos) return lp2p::error_code(lp2p::core::error::multiaddr_invalid_text);
  std::string host = host_port.substr(0, colon);
  const bool v6 = host.find(':') != std::string::npos;
  if (v6 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return lp2p::Multiaddr::parse((v6 ? "/ip6/" : "/ip4/") + host + "/tcp/" + host_port.substr(colon + 1));
}

static void print_json(const char* type, double secs, std::uint64_t up, std::uint64_t down) {
  std::printf("{\"type\":\"%s\",\"timeSeconds\":%.6f,\"uploadBytes\":%llu,\"downloadBytes\":%llu}\n", type, secs,
              static_cast<unsigned long long>(up), static_cast<unsigned long long>(down));
  std::fflush(stdout);
}

int main(int argc, char** argv) {
  po::options_description desc("perf options");
  desc.add_options()("help", "show this help")("run-server", po::bool_switch(), "run the perf server")(
      "server-address", po::value<std::string>()->required(), "IP:PORT (or a multiaddr) to listen on or dial")(
      "transport", po::value<std::string>()->default_value("tcp"), "only 'tcp' is supported")(
      "upload-bytes", po::value<std::uint64_t>()->default_value(0), "client: bytes to send")(
      "download-bytes", po::value<std::uint64_t>()->default_value(0), "client: bytes to receive")(
      "secret-key-seed", po::value<unsigned>(), "derive the identity from this seed (0-255)");
  po::variables_map vm;
  if (const auto exit_code = lp2p::examples::parse_command_line(argc, argv, desc, vm, {.program = "perf"}))
    return *exit_code;
  if (vm["transport"].as<std::string>() != "tcp") {
    std::cerr << "perf: only --transport tcp is supported\n";
    return 2;
  }
  auto addr = to_multiaddr(vm["server-address"].as<std::string>());
  if (!addr) {
    std::cerr << "perf: bad --server-address: " << addr.error().message() << "\n";
    return 2;
  }
  lp2p::HostConfig cfg;
  if (vm.count("secret-key-seed")) {
    const auto seed = vm["secret-key-seed"].as<unsigned>();
    if (seed > 255) {
      std::cerr << "perf: --secret-key-seed must be 0-255\n";
      return 2;
    }
    cfg.identity = lp2p::Keypair::from_secret_key_seed(static_cast<std::uint8_t>(seed));
  }
  const bool server = vm["run-server"].as<bool>();
  if (server) cfg.listen = {*addr};
  asio::io_context ioc(1);
  auto host = lp2p::Host::create(ioc.get_executor(), std::move(cfg)).value();
  int status = 0;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        if (auto r = co_await host->start(); !r) {
          std::cerr << "perf: cannot start: " << r.error().message() << "\n";
          status = 1;
          ioc.stop();
          co_return;
        }
        if (server) {
          lp2p::perf::serve(*host);
          std::cerr << "perf server " << host->id().to_base58() << " on " << host->listen_addrs().at(0).to_string()
                    << "\n";
          co_return;
        }
        auto c = co_await host->dial(*addr);
        if (!c) {
          std::cerr << "perf: dial " << addr->to_string() << " failed: " << c.error().message() << "\n";
          status = 1;
          ioc.stop();
          co_return;
        }
        auto r = co_await lp2p::perf::run(*host, c->peer, vm["upload-bytes"].as<std::uint64_t>(),
                                          vm["download-bytes"].as<std::uint64_t>(), [](const lp2p::perf::Progress& p) {
                                            print_json("intermediary", p.elapsed.count(), p.upload_bytes, p.download_bytes);
                                          });
        if (!r) {
          std::cerr << "perf: " << r.error().message() << "\n";
          status = 1;
        } else {
          print_json("final", r->elapsed.count(), r->upload_bytes, r->download_bytes);
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
  return status;
}
