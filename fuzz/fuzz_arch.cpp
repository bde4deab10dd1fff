// Architecture strings of every search space: parse must either throw ParseError or give a
// genome that is valid, formats to a string that parses back to the same genome, hashes, and
// mutates into valid genomes. Input: first byte picks the space, the rest is the string.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "nas/core/errors.hpp"
#include "nas/core/rng.hpp"
#include "nas/mutation/spaces.hpp"

namespace {
[[noreturn]] void violated(const char* what, std::string_view space, const std::string& text) {
  std::fprintf(stderr, "property violated (%s) in %.*s for input '%s'\n", what, static_cast<int>(space.size()), space.data(), text.c_str());
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto names = nas::space_names();
  static std::vector<std::unique_ptr<nas::SearchSpace>> spaces = [] {
    std::vector<std::unique_ptr<nas::SearchSpace>> v;
    for (const auto& n : nas::space_names()) v.push_back(nas::make_space(n));
    return v;
  }();
  if (size < 1) return 0;
  const auto& space = *spaces[data[0] % spaces.size()];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  nas::Genome g;
  try {
    g = space.parse(text);
  } catch (const nas::ParseError&) {  // the documented refusal: the space's own message
    return 0;
  }
  if (!space.valid(g)) violated("parsed genome is valid", space.name(), text);
  const std::string formatted = space.format(g);
  nas::Genome again;
  try {
    again = space.parse(formatted);
  } catch (const std::exception&) {
    violated("format(parse(s)) parses", space.name(), text);
  }
  if (!(again == g)) violated("parse(format(g)) == g", space.name(), text);
  if (space.format(again) != formatted) violated("format is stable", space.name(), text);
  (void)space.canonical_hash(g);
  nas::Rng rng(size);
  for (int i = 0; i < 4; ++i) {
    const nas::Genome child = space.mutate(g, rng);
    if (!space.valid(child)) violated("mutate gives a valid genome", space.name(), text);
  }
  return 0;
}
