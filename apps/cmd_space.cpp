// nas space: list a space (or a table of it) with canonical identities, or print its counts.
#include <cstdio>
#include <cstring>
#include <unordered_set>

#include <fmt/format.h>

#include "commands.hpp"
#include "nas/study/experiment.hpp"
#include "cli.hpp"
#include "nas/core/errors.hpp"
#include "nas/datasets/csv.hpp"

namespace nas::app {
int cmd_space(int argc, char** argv) {
  ExperimentOptions xo;
  bool list = false;
  std::string columns;
  OptionSet options;
  declare_experiment(options, xo);
  options.group("output");
  options.flag("list", list, "print index,arch,canonical_hash for every architecture of the space, or of the table");
  options.text("columns", columns, "with --list: also these metrics of each cell of the table, comma-separated, named as --objectives names them "
                                   "(table columns, short names, derived params and flops)");
  if (!cli::parse(options, argc, argv, 2, "space",
                  "nas space: the number of architectures and canonical classes of a search space, or with --list every architecture "
                  "and its canonical hash (CSV). With --table (and for spaces that cannot be enumerated: the benchmark's table) the "
                  "architectures of the table, read as nas search reads it.",
                  false))
    return 0;
  const auto space = make_space(xo.space);
  std::vector<std::pair<long long, Genome>> items;
  std::vector<std::string> names;
  std::vector<std::vector<double>> values;
  if (!columns.empty()) {
    if (!list) throw OptionError("--columns: with --list");
    std::string_view rest = columns;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      names.emplace_back(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  }
  if (options.given("table") || !space->size() || !names.empty()) {
    // The same loader as search/predict-eval, so every space's table (and its errors) works here.
    finish_experiment(options, xo);
    const Experiment x = load_experiment(xo);
    for (const auto& n : names) values.push_back(metric_values(x, n, "--columns"));
    for (std::size_t r = 0; r < x.table->rows(); ++r) items.emplace_back(x.table->index(r), x.table->genome(r));
  } else {
    for (std::uint64_t i = 0; i < *space->size(); ++i) items.emplace_back(static_cast<long long>(i), space->at(i));
  }
  std::unordered_set<ArchitectureHash, ArchitectureHashHasher> classes;
  std::vector<std::string> header{"index", "arch", "canonical_hash"};
  header.insert(header.end(), names.begin(), names.end());
  datasets::CsvWriter csv(header);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& [idx, g] = items[i];
    const auto h = space->canonical_hash(g);
    classes.insert(h);
    if (!list) continue;
    csv << static_cast<long long>(idx) << space->format(g) << h.hex();
    for (const auto& v : values) csv << v[i];
    csv.end_row();
  }
  if (list) std::fwrite(csv.str().data(), 1, csv.str().size(), stdout);
  else fmt::print("{}: {} architectures, {} canonical classes\n", space->name(), items.size(), classes.size());
  return 0;
}

}  // namespace nas::app
