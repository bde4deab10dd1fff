// nas search: many seeds of one algorithm on one benchmark; trajectories, summary.json, a table.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>

#include <fmt/format.h>

#include "commands.hpp"
#include "experiment.hpp"
#include "json.hpp"
#include "nas/engine/statistics.hpp"

namespace nas::app {
namespace {

constexpr const char* kHelp = R"(usage: nas search [options]
  --space nb201            search space
  --dataset cifar10        cifar10 | cifar100 | imagenet16
  --algo rea               random | rea
  --budget 150             queries per run (no architecture is charged twice)
  --seeds 100              number of runs; seeds are seed-base, seed-base+1, ...
  --seed-base 0
  --threads 0              oneTBB threads (0 = all cores); results do not depend on it
  --population 20          REA population size P
  --tournament 5           REA tournament size S
  --canonical-dedup        also skip architectures identical (canonical hash) to an evaluated one
  --signal test_200ep      column the search optimises: test_200ep | valid_12ep | test_12ep | full name
  --reported test_200ep    column reported for the incumbent
  --data-dir DIR           default ../shared/datasets
  --table FILE             the benchmark CSV (default <data-dir>/nasbench201/nb201.csv)
  --out DIR                default runs/<space>-<dataset>-<algo>
)";

std::vector<std::size_t> report_budgets(std::size_t budget) {
  std::vector<std::size_t> b;
  for (std::size_t x : {10, 25, 50, 100, 150})
    if (x <= budget) b.push_back(x);
  if (b.empty() || b.back() != budget) b.push_back(budget);
  return b;
}

}  // namespace

int cmd_search(int argc, char** argv) {
  for (int i = 2; i < argc; ++i)
    if (!std::strcmp(argv[i], "--help")) { std::fputs(kHelp, stdout); return 0; }
  const cli::Args args(argc, argv, 2,
                       {"space", "dataset", "algo", "budget", "seeds", "seed-base", "threads", "population", "tournament", "signal",
                        "reported", "data-dir", "table", "out"},
                       {"canonical-dedup"});
  const auto t_load = std::chrono::steady_clock::now();
  const Experiment x = load_experiment(args);
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load).count();

  SearchOptions o;
  o.algorithm = parse_algorithm(args.str("algo", "rea"));
  o.budget = static_cast<std::size_t>(args.integer("budget", 150, 1, 1'000'000));
  o.population_size = static_cast<std::size_t>(args.integer("population", 20, 2, 1'000'000));
  o.tournament_size = static_cast<std::size_t>(args.integer("tournament", 5, 1, 1'000'000));
  o.skip_canonical_duplicates = args.flag("canonical-dedup");
  o.validate();
  const auto n_seeds = static_cast<std::size_t>(args.integer("seeds", 100, 1, 1'000'000));
  const auto seed_base = static_cast<std::uint64_t>(args.integer("seed-base", 0, 0, 1LL << 62));
  const int threads = static_cast<int>(args.integer("threads", 0, 0, 1024));
  const std::string out = args.str("out", fmt::format("runs/{}-{}-{}", x.space->name(), x.dataset, algorithm_name(o.algorithm)));

  std::vector<std::uint64_t> seeds(n_seeds);
  std::iota(seeds.begin(), seeds.end(), seed_base);
  fmt::print(stderr, "nas search: {} {} on {} ({} rows, loaded in {:.1f} ms), signal {}, reported {}, {} seeds x {} queries\n",
             algorithm_name(o.algorithm), x.space->name(), x.table->path(), x.table->rows(), load_s * 1e3, x.signal_name(),
             x.reported_name(), n_seeds, o.budget);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<SearchResult> runs;
  {
    cli::Progress bar("seeds", n_seeds);
    runs = run_searches(*x.space, [&] { return x.evaluator(); }, o, seeds, threads, [&](std::size_t) { bar.tick(); });
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Trajectories: one CSV per seed.
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::string csv = "query,arch,signal,reported,best_signal,best_reported\n";
    for (const auto& r : runs[i].trajectory)
      csv += fmt::format("{},{},{},{},{},{}\n", r.query, x.space->format(r.arch), r.signal, r.reported, r.best_signal, r.best_reported);
    write_file(fmt::format("{}/trajectories/seed_{}.csv", out, seeds[i]), csv);
  }

  const double optimum = x.table->optimum(x.reported_column, x.direction);
  const double hit = hit_fraction(runs, optimum, x.direction);
  const bool closed_form = o.algorithm == Algorithm::random && x.signal_column == x.reported_column && x.table->complete() &&
                           !o.skip_canonical_duplicates;
  json::Writer j;
  j.begin_object()
      .field("space", x.space->name())
      .field("dataset", x.dataset)
      .field("algo", algorithm_name(o.algorithm))
      .field("seeds", n_seeds)
      .field("seed_base", static_cast<long long>(seed_base))
      .field("budget", o.budget)
      .field("signal", x.signal_name())
      .field("reported", x.reported_name())
      .field("table", x.table->path())
      .field("optimum", optimum)
      .field("hit_optimum_fraction", hit)
      .field("wall_seconds", wall)
      .field("threads", threads);
  j.key("config").begin_object()
      .field("population_size", o.population_size)
      .field("tournament_size", o.tournament_size)
      .field("canonical_dedup", o.skip_canonical_duplicates)
      .field("max_mutation_retries", o.max_mutation_retries)
      .end_object();
  j.key("best_at").begin_object();
  fmt::print("\n{} on {} / {} ({} seeds, reported = {})\n", algorithm_name(o.algorithm), x.space->name(), x.dataset, n_seeds, x.reported_name());
  fmt::print("{:>8}  {:>18}{}\n", "queries", "best (mean ± std)", closed_form ? "   closed-form E[best]   z" : "");
  for (std::size_t b : report_budgets(o.budget)) {
    const MeanStd m = best_reported_at(runs, b);
    j.key(std::to_string(b)).begin_object().field("mean", m.mean).field("std", m.std).field("n", m.n);
    std::string extra;
    if (closed_form) {
      const MeanStd e = expected_best_of_n(x.table->values(x.reported_column), b, x.direction);
      const double se = m.std / std::sqrt(static_cast<double>(m.n));
      j.field("expected", e.mean);
      extra = fmt::format("   {:>18.4f}  {:+.2f}", e.mean, se > 0 ? (m.mean - e.mean) / se : 0.0);
    }
    j.end_object();
    fmt::print("{:>8}  {:>9.4f} ± {:<6.4f}{}\n", b, m.mean, m.std, extra);
  }
  j.end_object().end_object();
  write_file(out + "/summary.json", j.str() + "\n");
  fmt::print("optimum {:.4f}; reached by {:.1f}% of seeds; wall {:.2f} s on {} thread(s); outputs in {}\n", optimum, 100 * hit, wall,
             threads == 0 ? std::string("all") : std::to_string(threads), out);
  return 0;
}

}  // namespace nas::app
