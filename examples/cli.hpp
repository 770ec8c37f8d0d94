// Command-line handling shared by the example programs (dcutr, forward, peer-id, perf, relay-server): one
// place decides what --help prints and how a bad command line is reported, so the programs agree on it and
// tests/examples_test.sh can rely on it (--help: exit 0; a bad flag, value or stray word: a message, exit 2).
// Header-only so examples/CMakeLists.txt keeps its rule "each examples/<name>.cpp is one program".
#pragma once

#include <boost/program_options.hpp>
#include <exception>
#include <iostream>
#include <optional>
#include <string_view>

namespace lp2p::examples {

namespace po = boost::program_options;

/// How one program presents its command line.
struct Cli {
  std::string_view program;  ///< prefixes every error message: "<program>: ..."
  std::string_view usage;    ///< printed by --help above the option list (empty: the option list only)
  /// Positional words, if the program takes any. nullptr keeps Boost's default, which ignores stray words
  /// (the mandatory-option checks still catch a forgotten flag); an empty description refuses them.
  const po::positional_options_description* positional = nullptr;
  /// On a bad command line, print "(see <program> --help)" rather than the whole option list.
  bool point_to_help = false;
};

/// Parses argv into vm. Returns the code main() should exit with when the command line was handled here
/// (--help printed: 0; a bad command line reported on stderr: 2), or nullopt when the program goes on.
/// --help is answered before the required options are checked, so it works on its own.
inline std::optional<int> parse_command_line(int argc, char** argv, const po::options_description& desc,
                                             po::variables_map& vm, const Cli& cli) {
  try {
    po::command_line_parser parser(argc, argv);
    parser.options(desc);
    if (cli.positional != nullptr) parser.positional(*cli.positional);
    po::store(parser.run(), vm);
    if (vm.count("help")) {
      std::cout << cli.usage << desc << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << cli.program << ": " << e.what() << "\n";
    if (cli.point_to_help)
      std::cerr << "(see " << cli.program << " --help)\n";
    else
      std::cerr << desc << "\n";
    return 2;
  }
  return std::nullopt;
}

}  // namespace lp2p::examples
