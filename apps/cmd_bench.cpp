// nas bench: the speed figures of the foundation, measured in one run so ratios are meaningful.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <unistd.h>
#include <thread>

#include <tbb/parallel_for.h>

#include <fmt/format.h>

#include "commands.hpp"
#include "cli.hpp"
#include "nas/study/experiment.hpp"
#include "nas/engine/executors.hpp"
#include "nas/engine/journal.hpp"
#include "nas/engine/registry.hpp"
#include "nas/engine/run.hpp"
#include "nas/engine/statistics.hpp"
#if NAS_STUDY_WITH_TORCH
#include "nas/predictor/factory.hpp"
#endif
#include "nas/mutation/nb101.hpp"

namespace nas::app {
namespace {

template <class F>
double seconds(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Repeated timings of one configuration: the median, and the range as ratios to `ideal`.
struct Timings {
  std::vector<double> s;
  double median() const {
    auto v = s;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
  }
  std::string brief(double ideal) const {
    const auto [lo, hi] = std::minmax_element(s.begin(), s.end());
    return fmt::format("{:.3f} s ({:.3f}x; {:.2f}-{:.2f}x)", median(), median() / ideal, *lo / ideal, *hi / ideal);
  }
};

// Random valid NB101 cells sampled (rejection sampling, as the benchmark does) and hashed with
// the benchmark's hash: `n` cells in blocks of 1,000, block b seeded by derive_seed(seed, b), so
// the cells (and the checksum) do not depend on the thread count. Returns a checksum of the hashes.
std::uint64_t nb101_sample_and_hash(std::size_t n, std::uint64_t seed) {
  static const nb101::Space space;
  constexpr std::size_t kBlock = 1000;
  const std::size_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<std::uint64_t> sums(blocks, 0);
  tbb::parallel_for(std::size_t{0}, blocks, [&](std::size_t b) {
    Rng rng(derive_seed(seed, b));
    std::uint64_t sum = 0;
    for (std::size_t i = b * kBlock; i < std::min(n, (b + 1) * kBlock); ++i) sum += space.canonical_hash(space.sample(rng)).lo;
    sums[b] = sum;
  });
  return std::accumulate(sums.begin(), sums.end(), std::uint64_t{0});
}

}  // namespace

int cmd_bench(int argc, char** argv) {
  ExperimentOptions xo;
  int threads = 2;
  std::size_t seeds_n = 100, budget = 150, nb101_cells = 20000, n_sleep = 10000, sleep_workers = 16, repeats = 5;
  OptionSet options;
  declare_experiment(options, xo);
  options.group("measurements");
  options.integer("threads", threads, "the N of the 1-vs-N thread comparisons", 1, 1024);
  options.integer("seeds", seeds_n, "REA runs timed", 1, 100000);
  options.integer("budget", budget, "queries per REA run", 1, 100000);
  options.integer("nb101-cells", nb101_cells, "random valid NB101 cells sampled and hashed", 1000, 100'000'000);
  options.integer("overhead-evaluations", n_sleep, "executor overhead: evaluations sleeping 1 ms (0 = skip)", 0, 10'000'000);
  options.integer("overhead-workers", sleep_workers, "executor overhead: local workers", 1, 4096);
  options.integer("overhead-repeats", repeats, "executor overhead: runs of each configuration, interleaved; the median is reported", 1, 1000);
  if (!cli::parse(options, argc, argv, 2, "bench",
                  "nas bench: table load time (median of 7), children generated+deduplicated per second at 1 and N threads (ratio), random "
                  "valid NB101 cells sampled+hashed per second at 1 and N threads, the wall time of seeds x budget REA runs at 1 and N "
                  "threads (complete tables), and the executor overhead: evaluations sleeping 1 ms on local workers, REA and guided, "
                  "against the ideal (evaluations x 1 ms / workers).",
                  false))
    return 0;
  finish_experiment(options, xo);
  Experiment x = load_experiment(xo);

  std::vector<double> loads;
  for (int i = 0; i < 7; ++i) loads.push_back(seconds([&] { (void)load_experiment(xo); }));
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

  // NB101 cell sampling + benchmark hashing (the cost of exploring a space by its identity).
  double cells_rate[2] = {0, 0};
  std::uint64_t checksum[2] = {0, 0};
  for (int k = 0; k < 2; ++k) {
    double best = 1e30;
    for (int rep = 0; rep < 3; ++rep)
      with_threads(thread_counts[k], [&] { best = std::min(best, seconds([&] { checksum[k] = nb101_sample_and_hash(nb101_cells, 13); })); });
    cells_rate[k] = static_cast<double>(nb101_cells) / best;
  }
  fmt::print("nb101 sample+hash: {:.3g} cells/s at 1 thread, {:.3g} cells/s at {} threads, ratio {:.2f}x ({} cells, best of 3{})\n",
             cells_rate[0], cells_rate[1], threads, cells_rate[1] / cells_rate[0], nb101_cells,
             checksum[0] == checksum[1] ? ", same cells at both thread counts" : ", CELLS DIFFER BETWEEN THREAD COUNTS");

  if (!x.table->complete()) {
    // A sample table cannot answer the architectures REA proposes (UnknownArchitecture).
    fmt::print("REA: skipped, {} is a sample of the {} space\n", x.table->path(), x.space->name());
    return 0;
  }
  SearchOptions o;
  o.algorithm = Algorithm::rea;
  o.budget = budget;
  std::vector<std::uint64_t> seeds(seeds_n);
  std::iota(seeds.begin(), seeds.end(), 0);
  double wall[2];
  for (int k = 0; k < 2; ++k) {
    RunOptions ro;
    ro.executor.kind = ExecutorOptions::Kind::inline_;
    ro.seeds = seeds;
    ro.direction = x.direction;
    ro.threads = thread_counts[k];
    wall[k] = seconds([&] {
      (void)run(*x.space, search_factory("rea", {o, {}, nullptr, {}}), [&](std::uint64_t seed) { return x.evaluator(seed); }, ro);
    });
  }
  fmt::print("REA {} seeds x {} queries: {:.3f} s at 1 thread, {:.3f} s at {} threads, ratio {:.2f}x\n", seeds.size(), o.budget,
             wall[0], wall[1], threads, wall[0] / wall[1]);

  // Executor overhead: evaluations that each sleep 1 ms, W local workers in steady state; ideal
  // = evaluations x 1 ms / W. Guided ranks with an MLP retrained in the background every 500.
  if (n_sleep > 0) {
    const std::size_t workers = sleep_workers;
    struct Sleepy final : Evaluator {
      std::unique_ptr<Evaluator> inner;
      explicit Sleepy(std::unique_ptr<Evaluator> e) : inner(std::move(e)) {}
      Evaluation evaluate(const Genome& g) override {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return inner->evaluate(g);
      }
      std::uint64_t queries() const override { return inner->queries(); }
    };
    const EvaluatorFactory sleepy = [&](std::uint64_t seed) -> std::unique_ptr<Evaluator> { return std::make_unique<Sleepy>(x.evaluator(seed)); };
    ExecutorOptions xo;
    xo.workers = workers;
    xo.mode = ExecutorOptions::Mode::async;
    const double ideal = static_cast<double>(n_sleep) * 1e-3 / static_cast<double>(workers);
    SearchOptions ro;
    ro.budget = n_sleep;
    RunOptions one;
    one.executor = xo;
    one.direction = x.direction;
    // Each configuration runs `repeats` times, interleaved (REA, guided, reuse, top-k, REA, ...),
    // so that a noisy moment of a shared machine spreads over all of them; medians are compared.
    Timings t_floor, t_rea, t_guided, t_reuse, t_guided_w, t_engine;
    // The machine's floor: the same sleeps on W plain threads, no engine, no queue. A 1 ms sleep
    // overshoots (timer slack, wake-up latency), so no executor can reach the ideal; the floor
    // tells the engine's share of a ratio from the machine's.
    const auto floor = [&] {
      std::vector<std::thread> ts;
      for (std::size_t w = 0; w < workers; ++w)
        ts.emplace_back([n = n_sleep / workers + (w < n_sleep % workers ? 1 : 0)] {
          for (std::size_t i = 0; i < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        });
      for (auto& t : ts) t.join();
    };
#if NAS_STUDY_WITH_TORCH
    GuidedOptions go;
    go.budget = n_sleep;
    // Exact dedup: NB201 has 6,466 canonical classes, fewer than 10,000 evaluations.
    go.skip_canonical_duplicates = false;
    go.retrain.when = RetrainSchedule::When::every_k;
    go.retrain.every = 500;
    go.retrain.asynchronous = true;
    go.retrain.window = 500;  // a cheap surrogate: each fit sees the last 500 results, not up to 10,000
    predictor::PredictorOptions po;
    po.kind = "mlp";
    po.epochs = 20;
    po.torch_threads = 1;
    // The same with --reuse-ranking: one ranking serves the iterations until the model is
    // retrained or the incumbent changes.
    GuidedOptions reuse = go;
    reuse.reuse_ranking = true;
    // The same with top-k = W: the search plans (children + one batched ranking) once per W
    // results instead of once per 5.
    GuidedOptions wide = go;
    wide.top_k = std::max(go.top_k, workers);
    wide.incumbent_k = std::min(go.incumbent_k, wide.top_k);
    // The engine alone: the same search with the first fit only (no background retraining taking
    // CPU from the driver and the workers).
    GuidedOptions fixed = go;
    fixed.retrain.every = n_sleep + 1;
    double scoring = 0, training = 0, scoring_w = 0, training_w = 0, scoring_r = 0, scoring_e = 0;
    const auto guided = [&](const GuidedOptions& g, double& score_s, double* train_s) {
      const auto r = run(*x.space, search_factory("guided", {{}, g, [&] { return predictor::make_surrogate(*x.space, po); }, {}}), sleepy, one);
      // Every configuration must make all its evaluations (a search may exhaust the space first).
      if (r.at(0).trajectory.size() != n_sleep)
        throw std::runtime_error(fmt::format("executor overhead: guided made {} evaluations of {}", r[0].trajectory.size(), n_sleep));
      score_s += r[0].seconds_scoring / static_cast<double>(repeats);
      if (train_s) *train_s += r[0].seconds_training / static_cast<double>(repeats);
    };
#endif
    for (std::size_t rep = 0; rep < repeats; ++rep) {
      t_floor.s.push_back(seconds(floor));
      t_rea.s.push_back(seconds([&] { (void)run(*x.space, search_factory("rea", {ro, {}, nullptr, {}}), sleepy, one); }));
#if NAS_STUDY_WITH_TORCH
      t_guided.s.push_back(seconds([&] { guided(go, scoring, &training); }));
      t_reuse.s.push_back(seconds([&] { guided(reuse, scoring_r, nullptr); }));
      t_guided_w.s.push_back(seconds([&] { guided(wide, scoring_w, &training_w); }));
      t_engine.s.push_back(seconds([&] { guided(fixed, scoring_e, nullptr); }));
#endif
    }
    // Journal cost: one ask and one result row per evaluation, each its own transaction (WAL).
    {
      const std::string path = (std::filesystem::temp_directory_path() / fmt::format("nas-bench-journal-{}.sqlite", ::getpid())).string();
      auto journal = Journal::open(path, "bench", std::string(x.space->name()));
      const std::size_t n = 5000;
      Rng r(3);
      const double t = seconds([&] {
        for (std::size_t i = 0; i < n; ++i) {
          const Candidate c{i, x.space->sample(r), 0.5, std::nullopt};
          journal->asked(0, c, x.space->format(c.arch));
          journal->result(0, i, make_evaluation(90, 91, 1, 100), EvaluationInfo{0, 0, 1});
        }
      });
      journal.reset();
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
      fmt::print("journal         : {:.1f} us per evaluation (an ask row and a result row, each committed), {} evaluations\n", t / n * 1e6, n);
    }
    fmt::print("executor overhead: {} evaluations of 1 ms on {} local workers (async), median of {}: ideal {:.3f} s; the sleeps alone on {} threads "
               "(this machine's floor) {}; REA {}; ", n_sleep, workers, repeats, ideal, workers, t_floor.brief(ideal), t_rea.brief(ideal));
#if NAS_STUDY_WITH_TORCH
    fmt::print("guided (MLP on the last 500, async retrain every 500) {}, with top-k {} {}, with --reuse-ranking {}; without retraining (the "
               "engine's own overhead) {}\n", t_guided.brief(ideal), wide.top_k, t_guided_w.brief(ideal), t_reuse.brief(ideal), t_engine.brief(ideal));
    fmt::print("guided, of which (means): surrogate scoring on the driver {:.3f} s / {:.3f} s / {:.3f} s; background retraining {:.3f} s / {:.3f} s "
               "(CPU it takes from the driver's cores)\n", scoring, scoring_w, scoring_r, training, training_w);
#else
    fmt::print("guided: not in this build (no LibTorch)\n");
#endif
  }
  return 0;
}

}  // namespace nas::app
