// nas space: list a space (or a table of it) with canonical identities, or print its counts.
#include <cstdio>
#include <cstring>
#include <unordered_set>

#include <fmt/format.h>

#include "commands.hpp"
#include "experiment.hpp"
#include "nas/datasets/csv.hpp"
#include "nas/mutation/errors.hpp"

namespace nas::app {

int cmd_space(int argc, char** argv) {
  for (int i = 2; i < argc; ++i)
    if (!std::strcmp(argv[i], "--help")) {
      std::fputs("usage: nas space --space nb201 [--table FILE] [--list]\n"
                 "  --list        print index,arch,canonical_hash for every architecture of the space, or of FILE\n"
                 "  --table FILE  a table in the benchmark's format (its index and arch columns are used)\n"
                 "without --list: print the number of architectures and of canonical classes\n",
                 stdout);
      return 0;
    }
  const cli::Args args(argc, argv, 2, {"space", "table"}, {"list"});
  const auto space = make_space(args.str("space", "nb201"));
  std::vector<std::pair<long long, Genome>> items;
  if (auto table = args.get("table")) {
    const auto csv = datasets::CsvFile::read(*table);
    const std::size_t arch = csv.column("arch");
    const bool has_index = csv.has_column("index");
    const std::size_t index = has_index ? csv.column("index") : 0;
    for (std::size_t r = 0; r < csv.rows(); ++r) {
      Genome g;
      try {
        g = space->parse(csv.field(r, arch));
      } catch (const std::exception& e) {
        throw DataError(fmt::format("{}: {}", csv.where(r, arch), e.what()));
      }
      items.emplace_back(has_index ? csv.integer(r, index) : static_cast<long long>(r), g);
    }
  } else if (auto n = space->size()) {
    for (std::uint64_t i = 0; i < *n; ++i) items.emplace_back(static_cast<long long>(i), space->at(i));
  } else {
    throw OptionError(fmt::format("--space {} cannot be enumerated; pass --table FILE", space->name()));
  }
  std::unordered_set<ArchitectureHash, ArchitectureHashHasher> classes;
  std::string out;
  if (args.flag("list")) out = "index,arch,canonical_hash\n";
  for (const auto& [idx, g] : items) {
    const auto h = space->canonical_hash(g);
    classes.insert(h);
    if (args.flag("list")) out += fmt::format("{},{},{}\n", idx, space->format(g), h.hex());
  }
  if (args.flag("list")) std::fwrite(out.data(), 1, out.size(), stdout);
  else fmt::print("{}: {} architectures, {} canonical classes\n", space->name(), items.size(), classes.size());
  return 0;
}

}  // namespace nas::app
