// The config-file reader (`--config FILE`, `--resume DIR`'s config.toml): any file either throws
// OptionError naming file and line, or gives options that, written back with to_toml(), read back
// to the same options.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "cli.hpp"
#include "nas/core/errors.hpp"

namespace {
nas::cli::Args fresh() {
  char prog[] = "nas", cmd[] = "search";
  char* argv[] = {prog, cmd};
  return nas::cli::Args(2, argv, 2, {"algo", "budget", "space", "table", "cost-model", "lr"}, {"async", "warm-start"});
}
std::string temp_path(const char* tag) { return "/tmp/nas-fuzz-config-" + std::to_string(getpid()) + tag; }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = temp_path(".toml");
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  nas::cli::Args a = fresh();
  try {
    a.merge_config_file(path);
  } catch (const nas::OptionError&) {
    return 0;
  }
  const std::string toml = a.to_toml();
  const std::string path2 = temp_path("-again.toml");
  std::ofstream(path2, std::ios::binary) << toml;
  nas::cli::Args b = fresh();
  try {
    b.merge_config_file(path2);
  } catch (const nas::OptionError& e) {
    std::fprintf(stderr, "to_toml() wrote a file that does not read back: %s\n---\n%s---\n", e.what(), toml.c_str());
    std::abort();
  }
  if (b.to_toml() != toml) {
    std::fprintf(stderr, "round trip changed the options:\n%s---\n%s---\n", toml.c_str(), b.to_toml().c_str());
    std::abort();
  }
  return 0;
}
