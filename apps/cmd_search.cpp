// nas search: many seeds of one algorithm on one benchmark; trajectories, summary.json, a table.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <optional>

#include <fmt/format.h>

#include "commands.hpp"
#include "experiment.hpp"
#include "json.hpp"
#include "mpi_job.hpp"
#include "nas/engine/statistics.hpp"
#include "run_options.hpp"
#include "train_options.hpp"
#include "nas/engine/executors.hpp"
#include "nas/core/errors.hpp"

namespace nas::app {
namespace {

constexpr const char* kHelp = R"(usage: nas search [options]
  --space nb201            search space
  --dataset cifar10        cifar10 | cifar100 | imagenet16
  --seeds 100              number of runs; seeds are seed-base, seed-base+1, ...
  --seed-base 0
  --threads 0              oneTBB threads (0 = all cores); results do not depend on it
  --parallel-runs 1        guided: searches run at once (each then uses 1 torch thread)
  --signal test_200ep      column the search optimises: test_200ep | valid_12ep | test_12ep | full name
  --reported test_200ep    column reported for the incumbent
  --data-dir DIR           default ../shared/datasets
  --table FILE             the benchmark CSV (default <data-dir>/nasbench201/nb201.csv)
  --out DIR                default runs/<space>-<dataset>-<algo>
  --evaluator table        table (benchmark lookup) | train (train every candidate; training options below)
  --config FILE            TOML-subset file of these options (key = value); the command line wins
  --resume DIR             continue the run in DIR (its config.toml and journal.sqlite); a finished
                           run is rebuilt from its journal
  --eval-delay-ms 0        every table lookup also sleeps this long (crash tests, executor demos)
)";

std::vector<std::size_t> report_budgets(std::size_t budget) {
  std::vector<std::size_t> b;
  for (std::size_t x : {10, 25, 50, 80, 100, 150})
    if (x <= budget) b.push_back(x);
  if (b.empty() || b.back() != budget) b.push_back(budget);
  return b;
}

}  // namespace

int cmd_search(int argc, char** argv) {
  if (cli::help_requested(argc, argv)) {
    std::fputs(kHelp, stdout);
    std::fputs(run_options_help(), stdout);
    std::fputs(training_options_help(TrainingPurpose::search).c_str(), stdout);
    return 0;
  }
  cli::Args args = run_command_args(argc, argv);
  check_algorithm_options(args);
  const std::string evaluator = args.str("evaluator", "table");
  if (evaluator == "train") return cmd_search_train(args);
  if (evaluator != "table") throw OptionError(fmt::format("--evaluator {}: expected table or train", evaluator));

  const auto t_load = std::chrono::steady_clock::now();
  const Experiment x = load_experiment(args);
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load).count();
  const std::string algo = args.str("algo", "rea");
  const bool guided = algo == "guided";
  const auto n_seeds = static_cast<std::size_t>(args.integer("seeds", guided ? 10 : 100, 1, 1'000'000));
  const auto seed_base = static_cast<std::uint64_t>(args.integer("seed-base", 0, 0, 1LL << 62));
  const int threads = static_cast<int>(args.integer("threads", 0, 0, 1024));
  const int parallel = static_cast<int>(args.integer("parallel-runs", 1, 1, 1024));
  std::string label = algo;
  if (guided) label += "-" + args.str("predictor", "carl");
  const std::string out = args.str("out", fmt::format("runs/{}-{}-{}", x.space->name(), x.dataset, label));
  std::vector<std::uint64_t> seeds(n_seeds);
  std::iota(seeds.begin(), seeds.end(), seed_base);
  // Every option is checked before the journal is touched, the budget against the space too.
  const std::size_t budget_asked = guided ? ((void)predictor_options(args), guided_options(args).budget) : search_options(args).budget;
  check_budget_fits(*x.space, budget_asked);
  // MPI ranks >= 1 evaluate what rank 0 sends them, with the evaluator these same options build.
  if (mpi::is_worker()) return mpi::serve(args, [&](std::uint64_t seed) { return x.evaluator(seed); });
  const bool with_executor = executor_requested(args);
  // Every run goes through an executor (by default one local worker, synchronous: the historical
  // loop's results) and writes its journal; a journal of the same options resumes the run.
  const ExecutorOptions xo = executor_options(args, [&](const std::string& name) { return x.column_cost(name); });
  const auto journal = open_run(args, out, *x.space, "nas search");
  report_resume(*journal, seeds);

  std::vector<SearchResult> runs;
  std::vector<GuidedResult> guided_runs;
  std::size_t budget = 0;
  json::Writer config;
  config.begin_object();
  const auto t0 = std::chrono::steady_clock::now();
  if (guided) {
    const GuidedOptions go = guided_options(args);
    const auto po = predictor_options(args, parallel > 1 ? 1 : 0);
    budget = go.budget;
    fmt::print(stderr, "nas search: guided/{} on {} ({} rows, loaded in {:.1f} ms), signal {}, reported {}, {} seeds x {} queries\n",
               po.kind, x.table->path(), x.table->rows(), load_s * 1e3, x.signal_name(), x.reported_name(), n_seeds, go.budget);
    cli::Progress bar("seeds", n_seeds);
    with_threads(threads, [&] {
      guided_runs = run_guided_searches(
          *x.space, [&](std::uint64_t seed) { return x.evaluator(seed); }, [&] { return predictor::make_surrogate(*x.space, po); }, go, xo,
          x.direction, seeds, parallel, [&](std::size_t) { bar.tick(); }, journal.get());
    });
    runs.assign(guided_runs.begin(), guided_runs.end());
    config.field("predictor", po.kind).field("device", po.device).field("initial", go.initial_samples)
        .field("population", go.population_size).field("tournament", go.tournament_size)
        .field("parent_selection", parent_selection_name(go.parent_selection)).field("parents", go.parents_per_iteration)
        .field("children", go.children_per_parent).field("mutation_steps", go.mutation_steps).field("top_k", go.top_k).field("incumbent_k", go.incumbent_k)
        .field("whole_space", go.rank_whole_space).field("canonical_dedup", go.skip_canonical_duplicates)
        .field("retrain", retrain_when_name(go.retrain.when)).field("retrain_every", go.retrain.every)
        .field("retrain_factor", go.retrain.factor).field("retrain_tau", go.retrain.tau_threshold)
        .field("retrain_epochs", go.retrain.epochs).field("warm_start", go.retrain.warm_start).field("window", go.retrain.window)
        .field("recency_weight", go.retrain.recency_weight).field("top_weight", go.retrain.top_weight)
        .field("async", go.retrain.asynchronous).field("predictor_epochs", po.epochs);
  } else {
    const SearchOptions o = search_options(args);
    budget = o.budget;
    fmt::print(stderr, "nas search: {} on {} ({} rows, loaded in {:.1f} ms), signal {}, reported {}, {} seeds x {} queries\n", algo,
               x.table->path(), x.table->rows(), load_s * 1e3, x.signal_name(), x.reported_name(), n_seeds, o.budget);
    cli::Progress bar("seeds", n_seeds);
    runs = run_searches(*x.space, [&](std::uint64_t seed) { return x.evaluator(seed); }, o, xo, x.direction, seeds, threads,
                        [&](std::size_t) { bar.tick(); }, journal.get());
    config.field("population", o.population_size).field("tournament", o.tournament_size)
        .field("canonical_dedup", o.skip_canonical_duplicates).field("max_mutation_retries", o.max_mutation_retries);
  }
  config.field("executor", executor_kind_name(xo.kind)).field("mode", executor_mode_name(xo.mode)).field("workers", xo.workers)
      .field("cost_model", args.str("cost-model", ""));
  config.end_object();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string mpi_workers = xo.kind == ExecutorOptions::Kind::mpi ? mpi::finish() : "";

  for (std::size_t i = 0; i < runs.size(); ++i) {
    write_trajectory(out, seeds[i], runs[i], *x.space, false, with_executor);
    if (guided) write_retrains(out, seeds[i], guided_runs[i]);
  }

  const double optimum = x.table->optimum(x.reported_column, x.direction);
  const double hit = hit_fraction(runs, optimum, x.direction);
  // Did the search end on the table's best architecture by its own criterion (the signal column)?
  // With signal = reported this equals `hit`; with valid -> test protocols it is the fair measure.
  const double best_signal = x.table->optimum(x.signal_column, x.direction);
  double hit_signal = 0;
  for (const auto& r : runs) {
    if (r.trajectory.empty()) continue;
    const auto& inc = *std::find_if(r.trajectory.begin(), r.trajectory.end(),
                                    [&](const QueryRecord& q) { return q.signal == r.trajectory.back().best_signal; });
    const double v = x.table->value(*x.table->find(inc.arch), x.signal_column);
    hit_signal += (x.direction == Direction::maximise ? v >= best_signal - 1e-9 : v <= best_signal + 1e-9) ? 1 : 0;
  }
  hit_signal /= static_cast<double>(runs.size());
  // Random search has an exact expectation on a complete table (order statistics), also when the
  // signal and the reported column differ; not with noisy draws or canonical dedup.
  const bool closed_form = algo == "random" && x.table->complete() && x.noisy_signal_columns.empty() &&
                           args.str("dedup", "exact") == "exact";
  json::Writer j;
  j.begin_object()
      .field("space", x.space->name())
      .field("dataset", x.dataset)
      .field("algo", algo)
      .field("seeds", n_seeds)
      .field("seed_base", static_cast<long long>(seed_base))
      .field("budget", budget)
      .field("signal", x.signal_name())
      .field("reported", x.reported_name())
      .field("table", x.table->path())
      .field("optimum", optimum)
      .field("hit_optimum_fraction", hit)
      .field("best_signal", best_signal)
      .field("hit_best_signal_fraction", hit_signal)
      .field("wall_seconds", wall)
      .field("threads", threads);
  j.key("config");
  j.raw(config.str());
  if (with_executor) {
    double util = 0, steady = 0, makespan = 0, failures = 0;
    for (const auto& r : runs)
      util += r.utilisation, steady += r.utilisation_before_drain, makespan += r.makespan, failures += static_cast<double>(r.failures.size());
    const double n = static_cast<double>(runs.size());
    j.field("utilisation", util / n).field("utilisation_before_drain", steady / n).field("makespan_seconds", makespan / n).field("failures_per_run", failures / n);
    if (!mpi_workers.empty()) j.field("mpi_master_cpu_seconds", mpi::master_cpu_seconds()).key("mpi_workers").raw(mpi_workers);
    fmt::print("executor: mean utilisation {:.1f}% ({:.2f}% before the final drain), makespan {:.1f} s ({}), {:.1f} failed evaluations per run\n", 100 * util / n, 100 * steady / n, makespan / n,
               xo.kind == ExecutorOptions::Kind::simulated ? "simulated" : "wall", failures / n);
  }
  fmt::print("\n{} on {} / {} ({} seeds, reported = {})\n", label, x.space->name(), x.dataset, n_seeds, x.reported_name());
  fmt::print("{:>8}  {:>18}{}\n", "queries", "best (mean ± std)", closed_form ? "   closed-form E[best]   z" : "");
  j.key("best_at").begin_object();
  for (std::size_t b : report_budgets(budget)) {
    const MeanStd m = best_reported_at(runs, b);
    j.key(std::to_string(b)).begin_object().field("mean", m.mean).field("std", m.std).field("n", m.n);
    std::string extra;
    if (closed_form) {
      const MeanStd e = expected_incumbent_of_n(x.table->values(x.signal_column), x.table->values(x.reported_column), b, x.direction);
      const double se = m.std / std::sqrt(static_cast<double>(m.n));
      j.field("expected", e.mean);
      extra = fmt::format("   {:>18.4f}  {:+.2f}", e.mean, se > 0 ? (m.mean - e.mean) / se : 0.0);
    }
    j.end_object();
    fmt::print("{:>8}  {:>9.4f} ± {:<6.4f}{}\n", b, m.mean, m.std, extra);
  }
  j.end_object();
  if (guided) {
    double tr = 0, sc = 0, ev = 0, en = 0, w = 0, nre = 0;
    for (const auto& g : guided_runs) {
      tr += g.seconds_training; sc += g.seconds_scoring; ev += g.seconds_evaluating; en += g.seconds_engine; w += g.wall_seconds;
      nre += static_cast<double>(g.retrains.size());
    }
    const double n = static_cast<double>(guided_runs.size());
    j.key("seconds_per_run").begin_object().field("wall", w / n).field("training", tr / n).field("scoring", sc / n)
        .field("benchmark", ev / n).field("engine", en / n).end_object();
    j.field("retrains_per_run", nre / n);
    fmt::print("per run: {:.2f} s wall = training {:.2f} + scoring {:.2f} + benchmark {:.4f} + engine {:.3f}; {:.1f} retrains\n", w / n,
               tr / n, sc / n, ev / n, en / n, nre / n);
  }
  j.end_object();
  write_file(out + "/summary.json", j.str() + "\n");
  if (x.signal_column != x.reported_column || !x.noisy_signal_columns.empty())
    fmt::print("best architecture by {} ({:.4f}) is the final incumbent in {:.1f}% of seeds\n", x.signal_name(), best_signal, 100 * hit_signal);
  fmt::print("optimum {:.4f}; reached by {:.1f}% of seeds; wall {:.2f} s on {} thread(s); outputs in {}\n", optimum, 100 * hit, wall,
             threads == 0 ? std::string("all") : std::to_string(threads), out);
  return 0;
}

}  // namespace nas::app
