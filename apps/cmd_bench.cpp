// nas bench: the speed figures of the foundation, measured in one run so ratios are meaningful.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <numeric>

#include <fmt/format.h>

#include "commands.hpp"
#include "experiment.hpp"
#include "nas/engine/statistics.hpp"

namespace nas::app {
namespace {

template <class F>
double seconds(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int cmd_bench(int argc, char** argv) {
  for (int i = 2; i < argc; ++i)
    if (!std::strcmp(argv[i], "--help")) {
      std::fputs("usage: nas bench [--data-dir DIR] [--dataset cifar10] [--seeds 100] [--budget 150] [--threads 2]\n"
                 "prints: table load time (median of 7), children generated+deduplicated per second at 1 and\n"
                 "N threads (ratio), and the wall time of <seeds> x <budget> REA runs at 1 and N threads\n",
                 stdout);
      return 0;
    }
  const cli::Args args(argc, argv, 2, {"data-dir", "dataset", "seeds", "budget", "threads", "space", "table"}, {});
  const int threads = static_cast<int>(args.integer("threads", 2, 1, 1024));
  Experiment x = load_experiment(args);

  std::vector<double> loads;
  for (int i = 0; i < 7; ++i) loads.push_back(seconds([&] { (void)datasets::nb201::load(*x.space, x.table->path()); }));
  std::sort(loads.begin(), loads.end());
  fmt::print("table load      : {:.1f} ms median of 7 ({} rows, {})\n", loads[3] * 1e3, x.table->rows(), x.table->path());

  // Children: 2,000 parents x 100 children, canonical dedup against 150 evaluated cells.
  Rng rng(7);
  std::vector<Genome> parents(2000);
  for (auto& p : parents) p = x.space->sample(rng);
  EvaluatedSet seen(true);
  for (int i = 0; i < 150; ++i) {
    const Genome g = x.space->sample(rng);
    seen.insert(g, x.space->canonical_hash(g));
  }
  double rate[2] = {0, 0};
  std::size_t kept = 0;
  const int thread_counts[2] = {1, threads};
  for (int k = 0; k < 2; ++k) {
    double best = 1e30;
    for (int rep = 0; rep < 3; ++rep)
      with_threads(thread_counts[k], [&] { best = std::min(best, seconds([&] { kept = generate_children(*x.space, parents, 100, 11, seen).size(); })); });
    rate[k] = static_cast<double>(parents.size() * 100) / best;
  }
  fmt::print("children+dedup  : {:.3g}/s at 1 thread, {:.3g}/s at {} threads, ratio {:.2f}x ({} of {} kept after canonical dedup)\n",
             rate[0], rate[1], threads, rate[1] / rate[0], kept, parents.size() * 100);

  SearchOptions o;
  o.algorithm = Algorithm::rea;
  o.budget = static_cast<std::size_t>(args.integer("budget", 150, 1, 100000));
  std::vector<std::uint64_t> seeds(static_cast<std::size_t>(args.integer("seeds", 100, 1, 100000)));
  std::iota(seeds.begin(), seeds.end(), 0);
  double wall[2];
  for (int k = 0; k < 2; ++k)
    wall[k] = seconds([&] { (void)run_searches(*x.space, [&] { return x.evaluator(); }, o, seeds, thread_counts[k]); });
  fmt::print("REA {} seeds x {} queries: {:.3f} s at 1 thread, {:.3f} s at {} threads, ratio {:.2f}x\n", seeds.size(), o.budget,
             wall[0], wall[1], threads, wall[0] / wall[1]);
  return 0;
}

}  // namespace nas::app
