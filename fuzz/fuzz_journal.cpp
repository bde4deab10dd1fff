// The run journal as `--resume` reads it: any file either is refused (DataError: not a journal,
// unreadable; OptionError: another run's configuration or format) or opens, and then reading its
// events, counts and retrains never crashes, and the counts agree with the events read.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "nas/core/errors.hpp"
#include "nas/engine/journal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = "/tmp/nas-fuzz-journal-" + std::to_string(getpid()) + ".sqlite";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    auto j = nas::Journal::open(path, "algo = \"rea\"\n", "nb201");
    for (std::uint64_t seed : {0ULL, 1ULL}) {
      const auto events = j->events(seed);
      if (j->count(seed) != events.size()) {
        std::fprintf(stderr, "count(%llu) = %zu but %zu events read\n", static_cast<unsigned long long>(seed), j->count(seed), events.size());
        std::abort();
      }
      (void)j->retrains(seed);
      (void)j->finished(seed);
    }
  } catch (const nas::DataError&) {
  } catch (const nas::OptionError&) {
  }
  return 0;
}
