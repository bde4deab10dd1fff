// nas space: list a space (or a table of it) with canonical identities, or print its counts.
#include <cstdio>
#include <cstring>
#include <unordered_set>

#include <fmt/format.h>

#include "commands.hpp"
#include "experiment.hpp"
#include "nas/core/errors.hpp"

namespace nas::app {
namespace {
// RFC 4180 quoting for strings that hold commas (NB101 ops lists, DARTS genotypes).
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + '"';
}
}  // namespace

int cmd_space(int argc, char** argv) {
  if (cli::help_requested(argc, argv)) {
    std::fputs("usage: nas space --space nb201|nb101|darts|... [--table FILE] [--data-dir DIR] [--dataset D] [--list]\n"
               "  --list        print index,arch,canonical_hash for every architecture of the space, or of the table\n"
               "  --table FILE  a table in the format `nas search --space S` reads (its index column, or the row\n"
               "                number, and its architecture); spaces that cannot be enumerated use their\n"
               "                default table under --data-dir when no --table is given\n"
               "without --list: print the number of architectures and of canonical classes\n",
               stdout);
    return 0;
  }
  const cli::Args args(argc, argv, 2, {"space", "table", "data-dir", "dataset", "task"}, {"list"});
  const auto space = make_space(args.str("space", "nb201"));
  std::vector<std::pair<long long, Genome>> items;
  if (args.get("table") || !space->size()) {
    // The same loader as search/predict-eval, so every space's table (and its errors) works here.
    const Experiment x = load_experiment(args);
    for (std::size_t r = 0; r < x.table->rows(); ++r) items.emplace_back(x.table->index(r), x.table->genome(r));
  } else {
    for (std::uint64_t i = 0; i < *space->size(); ++i) items.emplace_back(static_cast<long long>(i), space->at(i));
  }
  std::unordered_set<ArchitectureHash, ArchitectureHashHasher> classes;
  std::string out;
  if (args.flag("list")) out = "index,arch,canonical_hash\n";
  for (const auto& [idx, g] : items) {
    const auto h = space->canonical_hash(g);
    classes.insert(h);
    if (args.flag("list")) out += fmt::format("{},{},{}\n", idx, csv_field(space->format(g)), h.hex());
  }
  if (args.flag("list")) std::fwrite(out.data(), 1, out.size(), stdout);
  else fmt::print("{}: {} architectures, {} canonical classes\n", space->name(), items.size(), classes.size());
  return 0;
}

}  // namespace nas::app
