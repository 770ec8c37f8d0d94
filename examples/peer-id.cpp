// peer-id: prints the PeerId of a libp2p identity, one line on stdout.
//
//   peer-id --secret-key-seed N   the rust-libp2p examples' key (Ed25519 seed [N, 0 x 31]); N in 0..255
//   peer-id --generate FILE       writes a new Ed25519 PrivateKey protobuf to FILE (mode 0600, never
//                                 overwrites) and prints its PeerId
//   peer-id --key-file FILE       reads a PrivateKey protobuf (any key type, as go/rust write them)
//   --cid                         prints the CIDv1 form ("bafz...") instead of base58 ("12D3KooW...")
//
// Keys: https://github.com/libp2p/specs/blob/master/peer-ids/peer-ids.md. Errors go to stderr with a
// non-zero exit status: 2 for bad usage, 1 for an unreadable or invalid key file.
#include "lp2p/crypto/key.hpp"

#include "cli.hpp"

#include <boost/program_options.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

namespace po = boost::program_options;

namespace {

struct UsageError {
  std::string message;
};
struct Failure {
  std::string message;
};

lp2p::Keypair read_key_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure{"cannot read " + path + ": " + std::strerror(errno)};
  // Read at most one byte past the largest key lp2p accepts, so a huge file is not slurped.
  lp2p::Bytes bytes(lp2p::crypto::max_key_protobuf_size + 1);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (in.bad()) throw Failure{"cannot read " + path};
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  auto kp = lp2p::Keypair::decode_private_protobuf(bytes);
  if (!kp) throw Failure{path + " is not a libp2p private key: " + kp.error().message()};
  return *kp;
}

void write_new_key_file(const std::string& path, const lp2p::Keypair& kp) {
  // O_EXCL: an existing identity is never overwritten. 0600: the file holds a secret key.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw Failure{"cannot create " + path + ": " + std::strerror(errno)};
  const lp2p::Bytes bytes = kp.encode_private_protobuf();
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(path.c_str());
      throw Failure{"cannot write " + path + ": " + reason};
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) throw Failure{"cannot write " + path + ": " + std::strerror(errno)};
}

int run(int argc, char** argv) {
  po::options_description options(
      "Usage: peer-id (--secret-key-seed N | --generate FILE | --key-file FILE) [--cid]\n"
      "Prints the libp2p PeerId of a key.\n\nOptions");
  options.add_options()
      ("help,h", "print this help and exit")
      ("secret-key-seed", po::value<int>()->value_name("N"),
       "the rust-libp2p examples' key: Ed25519 seed [N, 0 x 31], N in 0..255")
      ("generate", po::value<std::string>()->value_name("FILE"),
       "write a new Ed25519 private-key protobuf to FILE (which must not exist)")
      ("key-file", po::value<std::string>()->value_name("FILE"), "read a private-key protobuf from FILE")
      ("cid", po::bool_switch(), "print the CIDv1 form (bafz...) instead of base58btc");

  po::variables_map vm;
  const po::positional_options_description no_positionals;  // stray words are an error, not ignored
  const lp2p::examples::Cli cli{.program = "peer-id", .positional = &no_positionals, .point_to_help = true};
  if (const auto exit_code = lp2p::examples::parse_command_line(argc, argv, options, vm, cli)) return *exit_code;
  const int modes = static_cast<int>(vm.count("secret-key-seed") + vm.count("generate") + vm.count("key-file"));
  if (modes != 1) throw UsageError{"give exactly one of --secret-key-seed, --generate, --key-file"};

  std::optional<lp2p::Keypair> key;
  if (vm.count("secret-key-seed")) {
    const int n = vm["secret-key-seed"].as<int>();
    if (n < 0 || n > 255) throw UsageError{"--secret-key-seed must be within 0..255"};
    key = lp2p::Keypair::from_secret_key_seed(static_cast<std::uint8_t>(n));
  } else if (vm.count("generate")) {
    key = lp2p::Keypair::generate_ed25519();
    write_new_key_file(vm["generate"].as<std::string>(), *key);
  } else {
    key = read_key_file(vm["key-file"].as<std::string>());
  }
  const lp2p::PeerId id = key->public_key().peer_id();
  std::cout << (vm["cid"].as<bool>() ? id.to_cid() : id.to_base58()) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "peer-id: " << e.message << "\n(see peer-id --help)\n";
    return 2;
  } catch (const Failure& e) {
    std::cerr << "peer-id: " << e.message << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "peer-id: " << e.what() << "\n";
    return 1;
  } catch (...) {
    std::cerr << "peer-id: unexpected failure\n";
    return 1;
  }
}
