// Replays a libFuzzer corpus without libFuzzer, so that gcc builds (and CI) run every fuzz target over
// its checked-in inputs. Usage: fuzz_replay_<name> DIR_OR_FILE...
// Fails if a path is missing or a directory holds no inputs (an empty corpus proves nothing).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

static void run_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

int main(int argc, char** argv) {
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    fs::path p(argv[i]);
    if (fs::is_directory(p)) {
      for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file()) {
          run_file(e.path());
          ++count;
        }
    } else if (fs::is_regular_file(p)) {
      run_file(p);
      ++count;
    } else {
      std::fprintf(stderr, "no such corpus: %s\n", argv[i]);
      return 2;
    }
  }
  if (count == 0) {
    std::fprintf(stderr, "corpus is empty\n");
    return 2;
  }
  std::printf("replayed %zu inputs without a crash\n", count);
  return 0;
}
