// The config-file reader (`--config FILE`, `--resume DIR`'s config.toml: nas::OptionSet::read_toml):
// any file either throws OptionError naming file and line, or gives options that, written back with
// to_toml(), read back to the same options.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "nas/core/errors.hpp"
#include "nas/study/option_set.hpp"

namespace {
struct Fields {
  std::string algo = "rea", table, cost_model;
  long long budget = 150;
  double lr = 0.003;
  bool async = false, warm_start = false;
};
void declare(nas::OptionSet& s, Fields& f) {
  s.choice("algo", f.algo, "", {"random", "rea", "guided"});
  s.integer("budget", f.budget, "", 1, 1'000'000);
  s.text("table", f.table, "");
  s.text("cost-model", f.cost_model, "");
  s.real("lr", f.lr, "", 1e-12, 1e3);
  s.flag("async", f.async, "");
  s.flag("warm-start", f.warm_start, "");
}
std::string temp_path(const char* tag) { return "/tmp/nas-fuzz-config-" + std::to_string(getpid()) + tag; }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = temp_path(".toml");
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  Fields fa;
  nas::OptionSet a;
  declare(a, fa);
  try {
    a.read_toml(path);
  } catch (const nas::OptionError&) {
    return 0;
  }
  const std::string toml = a.to_toml();
  const std::string path2 = temp_path("-again.toml");
  std::ofstream(path2, std::ios::binary) << toml;
  Fields fb;
  nas::OptionSet b;
  declare(b, fb);
  try {
    b.read_toml(path2);
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
