// A short, deterministic fuzz run that needs no clang: feeds the libFuzzer target the corpus and
// then pseudo-random mutations of it (byte flips, insertions, truncations, splices). tests/run.sh
// runs it on every build; the open-ended run is the libFuzzer build (see CMakeLists.txt).
// A crash, sanitizer report or exception fails the test, and so does anything protobuf logs as an
// error (an invalid message built from request bytes). Usage: fuzz_replay CORPUS_DIR [N].
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "google/protobuf/stubs/logging.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int Run(const std::string& input) {
  return LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

std::string Mutate(std::string s, const std::vector<std::string>& corpus, std::mt19937_64& rng) {
  const int steps = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < steps; ++i) {
    const std::size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 5) {
      case 0:  // flip a byte
        if (!s.empty()) s[pos % s.size()] = static_cast<char>(rng());
        break;
      case 1:  // insert interesting bytes
        s.insert(pos, std::string(1 + rng() % 3, "{}[]\":,/?=&%\\\0\n\xff"[rng() % 16]));
        break;
      case 2:  // truncate
        s.resize(pos);
        break;
      case 3: {  // splice in part of another input
        const std::string& other = corpus[rng() % corpus.size()];
        const std::size_t from = other.empty() ? 0 : rng() % other.size();
        s.insert(pos, other.substr(from, rng() % 32));
        break;
      }
      default:  // duplicate a slice
        if (!s.empty()) s.insert(pos, s.substr(rng() % s.size(), rng() % 16));
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  // Protobuf reports invalid messages (e.g. non-UTF-8 strings) through its log: make them fatal.
  google::protobuf::SetLogHandler(
      [](google::protobuf::LogLevel level, const char* file, int line, const std::string& message) {
        if (level < google::protobuf::LOGLEVEL_ERROR) return;
        std::fprintf(stderr, "protobuf %s:%d: %s\n", file, line, message.c_str());
        std::abort();
      });
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [ITERATIONS]\n", argv[0]);
    return 2;
  }
  const long iterations = argc > 2 ? std::atol(argv[2]) : 20000;
  std::vector<std::string> corpus;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    corpus.push_back(buffer.str());
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "empty corpus in %s\n", argv[1]);
    return 2;
  }
  for (const auto& input : corpus) Run(input);
  std::mt19937_64 rng(20261121);  // fixed: a failure reproduces with the same binary
  for (long i = 0; i < iterations; ++i) Run(Mutate(corpus[rng() % corpus.size()], corpus, rng));
  std::printf("fuzz replay: %zu corpus inputs and %ld mutations ran clean\n", corpus.size(),
              iterations);
  return 0;
}
