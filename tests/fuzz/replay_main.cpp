// Without libFuzzer (the default gcc build), a fuzz target is a regression
// test: this main replays every file of the corpus folders it is given
// (tests/fuzz/corpus/<target>/) through LLVMFuzzerTestOneInput.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  size_t replayed = 0;
  for (int i = 1; i < argc; ++i)
    for (const auto& e : std::filesystem::directory_iterator{argv[i]}) {
      if (!e.is_regular_file())
        continue;
      std::ifstream in{e.path(), std::ios::binary};
      std::string bytes{std::istreambuf_iterator<char>{in}, {}};
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()),
                             bytes.size());
      ++replayed;
    }
  std::printf("replayed %zu inputs\n", replayed);
  return replayed > 0 ? 0 : 1; // an empty corpus tests nothing
}
