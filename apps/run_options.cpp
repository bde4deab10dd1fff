#include "run_options.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "experiment.hpp"
#include "mpi_job.hpp"
#include "train_options.hpp"
#include "nas/core/errors.hpp"

namespace nas::app {

namespace {
// Declared once: the options only guided search reads (the search loop's and the predictor's).
const std::set<std::string>& guided_only_options() {
  static const std::set<std::string> names{
      "predictor", "initial", "parent-selection", "parents", "children", "mutation-steps", "top-k", "incumbent-k", "retrain", "retrain-every",
      "retrain-factor", "retrain-tau", "retrain-epochs", "window", "recency-weight", "top-weight",
      // predictor
      "epochs", "torch-threads", "hidden", "layers", "lr", "lambda-r", "lambda-i", "interventions", "ranking-loss", "mse-weight",
      "batch-size"};
  return names;
}
const std::set<std::string>& guided_only_flags() {
  static const std::set<std::string> names{"warm-start", "async", "whole-space"};
  return names;
}
}  // namespace

std::set<std::string> run_option_names() {
  std::set<std::string> names{"algo", "budget", "population", "tournament", "dedup", "executor", "workers", "mode", "cost-model", "max-failures",
                              "mpi-heartbeat", "mpi-lost-after",
                              "device"};  // the predictor's, and the trainer's with --evaluator train
  names.insert(guided_only_options().begin(), guided_only_options().end());
  return names;
}

std::set<std::string> run_flag_names() {
  std::set<std::string> flags{"retry-failed"};
  flags.insert(guided_only_flags().begin(), guided_only_flags().end());
  return flags;
}

void check_budget_fits(const SearchSpace& space, std::size_t budget) {
  if (const auto size = space.size(); size && budget > *size)
    throw OptionError(fmt::format("--budget {}: the {} space has {} architectures; a search evaluates each at most once", budget, space.name(), *size));
}

void check_algorithm_options(const cli::Args& args) {
  const std::string algo = args.str("algo", "rea");
  if (algo == "guided") return;
  auto refuse = [&](const std::string& k) {
    throw OptionError(fmt::format("--{} is an option of guided search; this run is --algo {} (add --algo guided, or drop it)", k, algo));
  };
  for (const auto& k : guided_only_options())
    if (args.get(k)) refuse(k);
  for (const auto& k : guided_only_flags())
    if (args.flag(k)) refuse(k);
  if (algo == "random")
    for (const char* k : {"population", "tournament"})
      if (args.get(k)) throw OptionError(fmt::format("--{} is an option of REA and guided search; random search has no population", k));
}

const char* run_options_help() {
  return R"(  --algo rea               random | rea | guided
  --budget 150             queries per run (no architecture is charged twice)
  --dedup exact            exact | canonical: also skip cells identical to an evaluated one
                           (default canonical for guided)
  --population 20          population size (REA: P; guided: aging population)
  --tournament 5           tournament size S
 execution (random, rea and guided):
  --executor local         local: --workers threads, one evaluator each (wall clock) |
                           simulated: a virtual clock for tables, durations from --cost-model |
                           mpi: ranks 1..N-1 of `mpirun -np N nas search ...` evaluate (README)
  --workers 1              evaluations in flight (mpi: the worker ranks, N-1)
  --mode sync              sync: ask W, wait for all, tell in ask order (guided: an iteration's
                           top-k, so use --workers <= --top-k) | async: a freed worker gets the
                           next candidate at once (steady state)
  --cost-model MODEL       simulated: fixed:SECONDS | lognormal:MEAN,SIGMA | column:NAME (a table column)
  --mpi-heartbeat 1        mpi: a busy worker says it is alive every this many seconds
  --mpi-lost-after 60      mpi: give a silent busy worker up after this many seconds and send its
                           candidate to another (only under mpirun --enable-recovery does the job
                           outlive a dead rank; 0 = never give up)
  --retry-failed           propose an architecture again after its evaluation failed
  --max-failures 0         stop after this many failed evaluations (0 = the budget)
 guided (predictor-guided evolution):
  --predictor carl         carl | tart | gcn | mlp
  --initial 10             n0 random cells before the first fit
  --parent-selection tournament  tournament (from the aging population) | best (best cells so far)
  --parents 10             parents per iteration     --children 50   children per parent
  --mutation-steps 1       1 or 2 mutations per child
  --top-k 5                cells evaluated per iteration
  --incumbent-k 1          of those, the best-scored children of the best cell so far (0 = off)
  --whole-space            rank every unevaluated cell instead of children (enumerable spaces)
 retraining schedule:
  --retrain every-iteration  every-iteration | every-k | geometric | tau-drop
  --retrain-every 10       every-k: new results per retrain
  --retrain-factor 1.5     geometric: history growth factor between retrains
  --retrain-tau 0.5        tau-drop: retrain when online tau on new results < this
  --retrain-epochs 0       epochs per retrain (0 = predictor default)
  --warm-start             continue from current weights instead of retraining from scratch
  --window 0               train on the last N results only (0 = all)
  --recency-weight 0       sample weights favouring recent results
  --top-weight 0           sample weights favouring high-accuracy results
  --async                  train a copy on its own thread; rank with the current model meanwhile
 predictor:
  --device auto            auto | cpu | cuda | cuda:N
  --epochs, --torch-threads, --hidden, --layers, --lr, --lambda-r, --lambda-i, --interventions,
  --ranking-loss pairwise_logistic|hinge, --mse-weight, --batch-size
)";
}

cli::Args run_command_args(int argc, char** argv, std::initializer_list<const char*> extra) {
  auto names = run_option_names();
  names.merge(experiment_option_names());
  names.insert({"seeds", "seed-base", "threads", "parallel-runs", "out", "config", "evaluator", "resume"});
  names.merge(training_option_names());
  names.insert(extra.begin(), extra.end());
  auto flags = run_flag_names();
  flags.merge(training_flag_names());
  cli::Args args(argc, argv, 2, names, flags);
  if (auto c = args.get("config")) args.merge_config_file(*c);
  // --resume DIR: the run's own options (DIR/config.toml, written when it started) and its journal.
  if (auto r = args.get("resume")) {
    if (!std::filesystem::exists(*r + "/config.toml"))
      throw OptionError(fmt::format("--resume {}: no {}/config.toml; expected the --out folder of a run", *r, *r));
    args.merge_config_file(*r + "/config.toml");
  }
  return args;
}

SearchOptions search_options(const cli::Args& args) {
  SearchOptions o;
  const std::string algo = args.str("algo", "rea");
  o.algorithm = parse_algorithm(algo);
  o.budget = static_cast<std::size_t>(args.integer("budget", 150, 1, 1'000'000));
  o.population_size = static_cast<std::size_t>(args.integer("population", 20, 2, 1'000'000));
  o.tournament_size = static_cast<std::size_t>(args.integer("tournament", 5, 1, 1'000'000));
  const std::string dedup = args.str("dedup", "exact");
  if (dedup != "exact" && dedup != "canonical") throw OptionError(fmt::format("--dedup: '{}'; expected exact or canonical", dedup));
  o.skip_canonical_duplicates = dedup == "canonical";
  o.retry_failed = args.flag("retry-failed");
  o.max_failures = static_cast<std::size_t>(args.integer("max-failures", 0, 0, 100'000'000));
  o.validate();
  return o;
}

bool executor_requested(const cli::Args& args) {
  for (const char* k : {"executor", "workers", "mode", "cost-model"})
    if (args.get(k)) return true;
  return false;
}

ExecutorOptions executor_options(const cli::Args& args, const std::function<CostModel(const std::string&)>& column_cost) {
  ExecutorOptions x;
  x.kind = parse_executor_kind(args.str("executor", "local"));
  x.mode = parse_executor_mode(args.str("mode", "sync"));
  x.workers = static_cast<std::size_t>(args.integer("workers", 1, 1, 100000));
  if (x.kind == ExecutorOptions::Kind::mpi) {
    x.pool = mpi::pool(args);
    if (args.get("workers") && x.workers != x.pool->capacity())
      throw OptionError(fmt::format("--workers {}: this MPI job has {} worker rank(s) (mpirun -np {})", x.workers, x.pool->capacity(),
                                    x.pool->capacity() + 1));
    x.workers = x.pool->capacity();
  } else if (mpi::ranks() > 1) {
    throw OptionError(fmt::format("started by an MPI launcher with {} ranks but --executor {}: use --executor mpi (ranks 1..{} evaluate)",
                                  mpi::ranks(), executor_kind_name(x.kind), mpi::ranks() - 1));
  }
  if (auto c = args.get("cost-model")) {
    if (x.kind != ExecutorOptions::Kind::simulated) throw OptionError("--cost-model is for --executor simulated");
    if (c->rfind("column:", 0) == 0) {
      if (!column_cost) throw OptionError(fmt::format("--cost-model {}: no table to read durations from here", *c));
      x.cost = column_cost(c->substr(7));
    } else {
      x.cost = parse_cost_model(*c);
    }
  }
  x.validate();
  return x;
}

GuidedOptions guided_options(const cli::Args& args) {
  GuidedOptions o;
  auto sz = [&](const char* k, std::size_t def) { return static_cast<std::size_t>(args.integer(k, static_cast<long long>(def), 0, 100'000'000)); };
  o.budget = sz("budget", 100);
  o.initial_samples = sz("initial", o.initial_samples);
  o.population_size = sz("population", o.population_size);
  o.tournament_size = sz("tournament", o.tournament_size);
  o.parent_selection = parse_parent_selection(args.str("parent-selection", std::string(parent_selection_name(o.parent_selection))));
  o.parents_per_iteration = sz("parents", o.parents_per_iteration);
  o.children_per_parent = sz("children", o.children_per_parent);
  o.mutation_steps = sz("mutation-steps", o.mutation_steps);
  o.top_k = sz("top-k", o.top_k);
  o.incumbent_k = sz("incumbent-k", o.incumbent_k);
  o.rank_whole_space = args.flag("whole-space");
  const std::string dedup = args.str("dedup", "canonical");
  if (dedup != "exact" && dedup != "canonical") throw OptionError(fmt::format("--dedup: '{}'; expected exact or canonical", dedup));
  o.skip_canonical_duplicates = dedup == "canonical";
  o.retry_failed = args.flag("retry-failed");
  o.max_failures = static_cast<std::size_t>(args.integer("max-failures", 0, 0, 100'000'000));
  auto& r = o.retrain;
  r.when = parse_retrain_when(args.str("retrain", "every-iteration"));
  r.every = sz("retrain-every", r.every);
  r.factor = args.real("retrain-factor", r.factor);
  r.tau_threshold = args.real("retrain-tau", r.tau_threshold);
  r.epochs = static_cast<int>(args.integer("retrain-epochs", 0, 0, 1'000'000));
  r.warm_start = args.flag("warm-start");
  r.window = sz("window", 0);
  r.recency_weight = args.real("recency-weight", 0);
  r.top_weight = args.real("top-weight", 0);
  r.asynchronous = args.flag("async");
  o.validate();
  return o;
}

predictor::PredictorOptions predictor_options(const cli::Args& args, int torch_threads) {
  predictor::PredictorOptions p;
  p.kind = args.str("predictor", p.kind);
  p.device = args.str("device", p.device);
  p.epochs = static_cast<int>(args.integer("epochs", p.epochs, 1, 1'000'000));
  p.torch_threads = torch_threads > 0 ? torch_threads : static_cast<int>(args.integer("torch-threads", p.torch_threads, 0, 1024));
  p.hidden = static_cast<int>(args.integer("hidden", p.hidden, 1, 1 << 16));
  p.layers = static_cast<int>(args.integer("layers", p.layers, 1, 64));
  p.learning_rate = args.real("lr", p.learning_rate);
  p.lambda_r = args.real("lambda-r", p.lambda_r);
  p.lambda_i = args.real("lambda-i", p.lambda_i);
  p.interventions = static_cast<int>(args.integer("interventions", p.interventions, 0, 1024));
  p.ranking_loss = args.str("ranking-loss", p.ranking_loss);
  p.mse_weight = args.real("mse-weight", p.mse_weight);
  p.batch_size = static_cast<int>(args.integer("batch-size", p.batch_size, 2, 1 << 20));
  p.validate();
  return p;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string q = "\"";
  for (char c : text) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

void write_trajectory(const std::string& out, std::uint64_t seed, const SearchResult& r, const SearchSpace& space, bool with_costs,
                      bool with_timing) {
  std::string csv = "query,arch,signal,reported,best_signal,best_reported";
  if (with_costs) csv += ",train_seconds,params";
  if (with_timing) csv += ",worker,submitted,finished";
  csv += "\n";
  for (const auto& q : r.trajectory) {
    csv += fmt::format("{},{},{},{},{},{}", q.query, csv_field(space.format(q.arch)), q.signal, q.reported, q.best_signal, q.best_reported);
    if (with_costs) csv += fmt::format(",{},{}", q.cost_seconds, q.parameters);
    if (with_timing) csv += fmt::format(",{},{},{}", q.worker, q.submitted, q.finished);
    csv += "\n";
  }
  if (!r.failures.empty()) {
    std::string f = "candidate,arch,kind,reason,worker,submitted,finished\n";
    for (const auto& x : r.failures)
      f += fmt::format("{},{},{},{},{},{},{}\n", x.candidate, csv_field(space.format(x.arch)), failure_kind_name(x.kind), csv_field(x.reason),
                       x.worker, x.submitted, x.finished);
    write_file(fmt::format("{}/trajectories/seed_{}_failures.csv", out, seed), f);
  }
  write_file(fmt::format("{}/trajectories/seed_{}.csv", out, seed), csv);
}

std::unique_ptr<Journal> open_journal(const std::string& toml, const std::string& dir, const SearchSpace& space,
                                      std::initializer_list<const char*> also_neutral) {
  // The journal is keyed on the options that decide the results: not on where or how fast they run.
  std::string key;
  for (std::size_t a = 0; a < toml.size();) {
    const auto e = toml.find('\n', a);
    const std::string line = toml.substr(a, e == std::string::npos ? std::string::npos : e - a);
    bool neutral = false;
    for (const char* k : {"threads", "parallel-runs", "config", "resume", "out", "mpi-heartbeat", "mpi-lost-after"})
      if (line.rfind(std::string(k) + " =", 0) == 0) neutral = true;
    for (const char* k : also_neutral)
      if (line.rfind(std::string(k) + " =", 0) == 0) neutral = true;
    if (!neutral) key += line + "\n";
    if (e == std::string::npos) break;
    a = e + 1;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw OptionError(fmt::format("--out {}: cannot create the folder: {}", dir, ec.message()));
  return Journal::open(dir + "/journal.sqlite", key, std::string(space.name()));
}

std::unique_ptr<Journal> open_run(const cli::Args& args, const std::string& out, const SearchSpace& space, const char* command) {
  cli::Args replay = args;
  replay.set("out", out);
  const std::string toml = replay.to_toml();
  auto journal = open_journal(toml, out, space, {});
  write_file(out + "/config.toml", fmt::format("# {}, as run; resume or replay: nas search --resume {}\n{}", command, out, toml));
  return journal;
}

void report_resume(const Journal& journal, std::span<const std::uint64_t> seeds, const char* detail) {
  std::size_t finished = 0;
  for (auto s : seeds) finished += journal.finished(s);
  if (finished == seeds.size())
    fmt::print(stderr, "nas search: already complete ({}); outputs are rebuilt from it\n", journal.path());
  else if (finished > 0 || journal.count(seeds[0]) > 0)
    fmt::print(stderr, "nas search: resuming from {} ({} of {} runs finished){}\n", journal.path(), finished, seeds.size(), detail);
}

void write_retrains(const std::string& out, std::uint64_t seed, const GuidedResult& r) {
  std::string csv = "at_query,cells,seconds,epochs,warm,async,swapped_at_query,online_tau,online_cells\n";
  for (const auto& x : r.retrains)
    csv += fmt::format("{},{},{:.6f},{},{},{},{},{},{}\n", x.at_query, x.cells, x.seconds, x.epochs, x.warm, x.asynchronous,
                       x.swapped_at_query, x.online_tau, x.online_cells);
  write_file(fmt::format("{}/trajectories/seed_{}_retrains.csv", out, seed), csv);
}

}  // namespace nas::app
