// nas search: many seeds of one algorithm on one benchmark; trajectories, summary.json, a table.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <optional>

#include <fmt/format.h>

#include "cli.hpp"
#include "commands.hpp"
#include "nas/study/experiment.hpp"
#include <nlohmann/json.hpp>
#include "mpi_job.hpp"
#include "nas/engine/statistics.hpp"
#include "nas/engine/summary.hpp"
#include <tbb/info.h>
#include "run_options.hpp"
#include "nas/engine/executors.hpp"
#include "nas/engine/run.hpp"
#include "nas/core/errors.hpp"

namespace nas::app {
namespace {

constexpr const char* kDescription =
    "nas search: many seeds of one algorithm (random, REA, predictor-guided evolution) on a tabular benchmark, or with every candidate "
    "trained (--evaluator train). Writes <out>/summary.json, config.toml (every option, to replay or --resume), journal.sqlite and "
    "trajectories/seed_<s>.csv.";

std::vector<std::size_t> report_budgets(std::size_t budget) {
  std::vector<std::size_t> b;
  for (std::size_t x : {10, 25, 50, 80, 100, 150})
    if (x <= budget) b.push_back(x);
  if (b.empty() || b.back() != budget) b.push_back(budget);
  return b;
}

}  // namespace

int cmd_search(int argc, char** argv) {
  SearchConfig c(SearchConfig::Front::search);
  if (!parse_search_config(c, argc, argv, "search", kDescription)) return 0;
#if NAS_STUDY_WITH_TORCH
  if (c.evaluator == "train" || c.evaluator == "supernet") return cmd_search_train(c);  // (without torch finish() refused them)
#endif

  const auto t_load = std::chrono::steady_clock::now();
  const Experiment x = load_experiment(c);
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load).count();
  const std::string& algo = c.algo;
  const bool guided = c.is_guided();
  const std::size_t n_seeds = c.seeds;
  const std::uint64_t seed_base = c.seed_base;
  const int threads = c.threads;
  std::string label = algo;
  if (guided) label += "-" + c.model_kind();
  const std::string out = c.out.empty() ? fmt::format("runs/{}-{}-{}", x.space->name(), x.dataset, label) : c.out;
  std::vector<std::uint64_t> seeds(n_seeds);
  std::iota(seeds.begin(), seeds.end(), seed_base);
  // Every option is checked before the journal is touched, the budget against the space too.
  check_run_fits(c, x);
  // MPI ranks >= 1 evaluate what rank 0 sends them, with the evaluator these same options build.
  if (mpi::is_worker()) return mpi::serve(c.mpi_heartbeat, c.mpi_lost_after, [&](std::uint64_t seed) { return x.evaluator(seed); });
  const bool with_executor = executor_requested(c);
  // Every run goes through an executor (by default one local worker, synchronous: the historical
  // loop's results) and writes its journal; a journal of the same options resumes the run.
  const ExecutorOptions xo = executor_options(c, [&](const std::string& name) { return x.column_cost(name); }, mpi_workers());
  const auto journal = open_run(c, out, *x.space, "search");
  report_resume(*journal, seeds);

  std::vector<SearchResult> runs;
  const std::size_t budget = run_budget(c);
  const auto t0 = std::chrono::steady_clock::now();
  {
    const std::string what = guided ? algo + "/" + c.model_kind() : algo;
    fmt::print(stderr, "nas search: {} on {} ({} rows, loaded in {:.1f} ms), signal {}, reported {}, {} seeds x {} queries\n", what,
               x.table->path(), x.table->rows(), load_s * 1e3, x.signal_name(), x.reported_name(), n_seeds, budget);
    cli::Progress bar("seeds", n_seeds);
    RunOptions ro = run_options(c, seeds, x.direction);
    ro.executor = xo;
    ro.threads = guided ? c.parallel_runs : threads;  // guided runs share the cores with their surrogates
    ro.journal = journal.get();
    ro.on_done = [&](std::size_t, const SearchResult&) { bar.tick(); };
    with_threads(threads, [&] { runs = run(*x.space, make_search_factory(c, *x.space), [&](std::uint64_t seed) { return x.evaluator(seed); }, ro); });
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string mpi_workers = xo.kind == ExecutorOptions::Kind::mpi ? mpi::finish() : "";

  for (std::size_t i = 0; i < runs.size(); ++i) {
    write_trajectory(out, seeds[i], runs[i], *x.space, false, with_executor);
    if (guided) write_retrains(out, seeds[i], runs[i]);
    if (x.objectives) write_front(out, seeds[i], runs[i], *x.space, *x.objectives);
  }
  // Why each run ended, and on what (the library's RunSummary: the same for embedders and Python).
  const Resources resources{threads, threads > 0 ? threads : static_cast<int>(tbb::info::default_concurrency()),
                            c.model_device(), ""};
  std::vector<RunSummary> summaries;
  for (std::size_t i = 0; i < runs.size(); ++i)
    summaries.push_back(summarize(runs[i], *x.space, budget, resources));

  const double optimum = x.table->optimum(x.reported_column, x.direction);
  const double hit = hit_fraction(runs, optimum, x.direction);
  // Did the search end on the table's best architecture by its own criterion (the signal column)?
  // With signal = reported this equals `hit`; with valid -> test protocols it is the fair measure.
  const double best_signal = x.table->optimum(x.signal_column, x.direction);
  double hit_signal = 0;
  for (const auto& r : runs) {
    const QueryRecord* inc = r.incumbent();
    if (!inc) continue;  // no full-fidelity result
    const double v = x.table->value(*x.table->find(inc->arch), x.signal_column);
    hit_signal += (x.direction == Direction::maximise ? v >= best_signal - 1e-9 : v <= best_signal + 1e-9) ? 1 : 0;
  }
  hit_signal /= static_cast<double>(runs.size());
  // Random search has an exact expectation on a complete table (order statistics), also when the
  // signal and the reported column differ; not with noisy draws or canonical dedup.
  const bool closed_form = algo == "random" && x.table->complete() && x.noisy_signal_columns.empty() && !c.search.skip_canonical_duplicates;
  nlohmann::ordered_json j{{"space", x.space->name()},
                           {"dataset", x.dataset},
                           {"algo", algo},
                           {"seeds", n_seeds},
                           {"seed_base", seed_base},
                           {"budget", budget},
                           {"signal", x.signal_name()},
                           {"reported", x.reported_name()},
                           {"table", x.table->path()},
                           {"optimum", optimum},
                           {"hit_optimum_fraction", hit},
                           {"best_signal", best_signal},
                           {"hit_best_signal_fraction", hit_signal},
                           {"wall_seconds", wall},
                           {"threads", threads},
                           {"version", version()},
                           {"config", options_json(c.options)}};
  j["runs"] = runs_json(summaries, seeds);
  if (with_executor) {
    double util = 0, steady = 0, makespan = 0, failures = 0;
    for (const auto& r : runs)
      util += r.utilisation, steady += r.utilisation_before_drain, makespan += r.makespan, failures += static_cast<double>(r.failures.size());
    const double n = static_cast<double>(runs.size());
    j["utilisation"] = util / n, j["utilisation_before_drain"] = steady / n, j["makespan_seconds"] = makespan / n;
    j["failures_per_run"] = failures / n;
    if (!mpi_workers.empty()) j["mpi_master_cpu_seconds"] = mpi::master_cpu_seconds(), j["mpi_workers"] = nlohmann::ordered_json::parse(mpi_workers);
    fmt::print("executor: mean utilisation {:.1f}% ({:.2f}% before the final drain), makespan {:.1f} s ({}), {:.1f} failed evaluations per run\n", 100 * util / n, 100 * steady / n, makespan / n,
               xo.kind == ExecutorOptions::Kind::simulated ? "simulated" : "wall", failures / n);
  }
  print_summaries(summaries, seeds);
  fmt::print("\n{} on {} / {} ({} seeds, reported = {})\n", label, x.space->name(), x.dataset, n_seeds, x.reported_name());
  if (c.time_budget > 0) {
    // A time-limited run: the incumbent at points of the executor's clock (multi-fidelity runs
    // count full-fidelity results only; n = the seeds that have one by then).
    fmt::print("{:>10}  {:>18}  {:>5}\n", "seconds", "best (mean ± std)", "n");
    auto& at_time = j["best_at_time"] = nlohmann::ordered_json::array();
    for (double f : {0.05, 0.1, 0.25, 0.5, 0.75, 1.0}) {
      const double t = f * c.time_budget;
      const MeanStd m = best_reported_at_time(runs, t, x.direction);
      at_time.push_back({{"seconds", t}, {"mean", m.mean}, {"std", m.std}, {"n", m.n}});
      fmt::print("{:>10.0f}  {:>9.4f} ± {:<6.4f}  {:>5}\n", t, m.mean, m.std, m.n);
    }
  }
  fmt::print("{:>8}  {:>18}{}\n", "queries", "best (mean ± std)", closed_form ? "   closed-form E[best]   z" : "");
  auto& best_at = j["best_at"] = nlohmann::ordered_json::object();
  for (std::size_t b : report_budgets(c.time_budget > 0 ? std::min<std::size_t>(budget, 150) : budget)) {
    const MeanStd m = best_reported_at(runs, b);
    auto& at = best_at[std::to_string(b)] = {{"mean", m.mean}, {"std", m.std}, {"n", m.n}};
    std::string extra;
    if (closed_form) {
      const MeanStd e = expected_incumbent_of_n(x.table->values(x.signal_column), x.table->values(x.reported_column), b, x.direction);
      const double se = m.std / std::sqrt(static_cast<double>(m.n));
      at["expected"] = e.mean;
      extra = fmt::format("   {:>18.4f}  {:+.2f}", e.mean, se > 0 ? (m.mean - e.mean) / se : 0.0);
    }
    fmt::print("{:>8}  {:>9.4f} ± {:<6.4f}{}\n", b, m.mean, m.std, extra);
  }
  if (x.objectives) {
    j["multi_objective"] = objectives_json(runs, *x.objectives, report_budgets(budget), true);
    write_front_plot(out, runs, *x.objectives, fmt::format("{} on {} / {}: Pareto fronts", label, x.space->name(), x.dataset));
  }
  if (guided) {
    double tr = 0, sc = 0, ev = 0, en = 0, w = 0, nre = 0;
    for (const auto& g : runs) {
      tr += g.seconds_training; sc += g.seconds_scoring; ev += g.seconds_evaluating; en += g.seconds_engine; w += g.wall_seconds;
      nre += static_cast<double>(g.retrains.size());
    }
    const double n = static_cast<double>(runs.size());
    j["seconds_per_run"] = {{"wall", w / n}, {"training", tr / n}, {"scoring", sc / n}, {"benchmark", ev / n}, {"engine", en / n}};
    j["retrains_per_run"] = nre / n;
    fmt::print("per run: {:.2f} s wall = training {:.2f} + scoring {:.2f} + benchmark {:.4f} + engine {:.3f}; {:.1f} retrains\n", w / n,
               tr / n, sc / n, ev / n, en / n, nre / n);
  }
  write_file(out + "/summary.json", j.dump(2) + "\n");
  if (x.signal_column != x.reported_column || !x.noisy_signal_columns.empty())
    fmt::print("best architecture by {} ({:.4f}) is the final incumbent in {:.1f}% of seeds\n", x.signal_name(), best_signal, 100 * hit_signal);
  if (x.objectives && !x.objectives->mo.constraints.empty()) {
    // Constrained: the unconstrained optimum may be infeasible; the aim is the table's best feasible.
    const auto& mo = j["multi_objective"];
    const auto& last = mo["at"][std::to_string(report_budgets(budget).back())]["best_feasible"][0];
    fmt::print("table's best feasible {:.4f}; reached by {:.1f}% of seeds; ", mo["table_best_feasible"][0].get<double>(),
               100.0 * last["at_table_best"].get<double>() / static_cast<double>(runs.size()));
  } else {
    fmt::print("optimum {:.4f}; reached by {:.1f}% of seeds; ", optimum, 100 * hit);
  }
  fmt::print("wall {:.2f} s on {} thread(s); outputs in {}\n", wall, threads == 0 ? std::string("all") : std::to_string(threads), out);
  return 0;
}

}  // namespace nas::app
