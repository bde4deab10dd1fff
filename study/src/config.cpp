#include "nas/study/config.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nas/core/errors.hpp"
#include "nas/datasets/csv.hpp"
#include "nas/datasets/registry.hpp"
#include "nas/engine/registry.hpp"
#include "nas/engine/worker_pool.hpp"
#if NAS_STUDY_WITH_TORCH
#include "nas/training/zero_cost.hpp"
#endif
#include "limits.hpp"

#ifndef NAS_VERSION
#define NAS_VERSION "0.0.0"
#endif

namespace nas::study {

const char* version() { return NAS_VERSION; }


nlohmann::ordered_json options_json(const OptionSet& set) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& o : set.options()) {
    const std::string v = o.get();
    switch (o.type) {
      case OptionSet::Type::flag: j[o.name] = v == "true"; break;
      case OptionSet::Type::integer: j[o.name] = std::stoll(v); break;
      case OptionSet::Type::real: j[o.name] = std::stod(v); break;
      default: j[o.name] = v;
    }
  }
  return j;
}

void declare_experiment(OptionSet& s, ExperimentOptions& x) {
  s.group("benchmark");
  std::vector<std::string> spaces;
  for (const auto& b : datasets::benchmarks()) spaces.push_back(b.name);
  s.choice("space", x.space, "search space and its benchmark table", spaces);
  s.text("dataset", x.dataset, "dataset (TransNAS: the task; --task is the same option); default: the benchmark's first")
      .note("nb201: cifar10 | cifar100 | imagenet16")
      .alias("task");
  s.text("data-dir", x.data_dir, "folder of the benchmark tables (default $NAS_DATA_DIR, else ../shared/datasets)").neutral();
  s.text("table", x.table, "the benchmark file itself (default: the benchmark's file under --data-dir)").neutral();
  s.text("signal", x.signal, "column the search optimises (nb201: test_200ep | valid_12ep | test_12ep | a full name)");
  s.text("reported", x.reported, "column reported for the incumbent");
  s.integer("eval-delay-ms", x.eval_delay_ms, "every table lookup also sleeps this long (crash tests, executor demos)", 0, 3'600'000);
}

void finish_experiment(OptionSet& s, ExperimentOptions& x) {
  datasets::BenchmarkRequest r;
  r.dataset = x.dataset, r.signal = x.signal, r.reported = x.reported, r.data_dir = "-";
  r = datasets::complete_request(x.space, r);
  s.set_default("dataset", r.dataset);
  s.set_default("signal", r.signal);
  s.set_default("reported", r.reported);
}

SearchConfig::SearchConfig(Front f) : front(f) {
  OptionSet& s = options;
  if (f == Front::sweep) algo = kWithModels ? "guided" : "rea", seeds = 5, out = "runs/sweep";
  if (f == Front::python) seeds = 1;
  declare_experiment(s, experiment);
  s.group("run");
  s.choice("algo", algo, "search algorithm (the registry's searches)", search_names());
  s.choice("evaluator", evaluator, "table (benchmark lookup) | train (train every candidate; training options) | supernet (inherited weights of --supernet FILE)",
           {"table", "train", "supernet"});
  s.integer("seeds", seeds, "number of runs; seeds are seed-base, seed-base+1, ...", 1, 1'000'000)
      .note(f == Front::search ? "guided: 10; --evaluator train: 1" : "");
  s.integer("seed-base", seed_base, "first seed", 0, kMaxSeed);
  if (f == Front::sweep) {  // more seeds extend a sweep: not part of its journals' key
    s.options()[s.options().size() - 2].neutral();
    s.options().back().neutral();
  }
  s.integer("threads", threads, "oneTBB threads (0 = all cores); results do not depend on it", 0, 1024).neutral();
  s.integer("parallel-runs", parallel_runs, "guided: searches run at once (each then uses 1 torch thread)", 1, 1024).neutral();
  if (f != Front::python) {
    s.text("out", out, f == Front::sweep ? "output folder; a finished (configuration, seed) is never rerun"
                                         : "output folder (default runs/<space>-<dataset>-<algo>)")
        .neutral();
    s.text("resume", resume, "continue the run in this folder (its config.toml and journal.sqlite)").neutral();
  }
  if (f == Front::sweep)
    s.text("grid", grid, "';'-separated axes, each an option name and '|'-separated values, e.g. \"retrain-every=1|5;warm-start=false|true\"").neutral();
  // Options REA, random and guided search share: bound to both option structs.
  auto both = [&](const char* name, OptionSet::Type type, const char* help, auto get, auto assign) -> OptionSet::Option& {
    return s.custom(name, type, help, get, assign);
  };
  both("budget", OptionSet::Type::integer, "queries per run (no architecture is charged twice)", [this] { return std::to_string(search.budget); },
       [this](const std::string& v) { search.budget = guided.budget = std::stoull(v); })
      .note("guided: 100; --evaluator train: 40");
  s.options().back().min = 1, s.options().back().max = 1'000'000;
  both("population", OptionSet::Type::integer, "population size (REA: P; guided: aging population)",
       [this] { return std::to_string(search.population_size); },
       [this](const std::string& v) { search.population_size = guided.population_size = std::stoull(v); });
  s.options().back().min = 2, s.options().back().max = kMaxCount;
  both("tournament", OptionSet::Type::integer, "tournament size S", [this] { return std::to_string(search.tournament_size); },
       [this](const std::string& v) { search.tournament_size = guided.tournament_size = std::stoull(v); });
  s.options().back().min = 1, s.options().back().max = kMaxCount;
  both("dedup", OptionSet::Type::choice, "exact | canonical: also skip cells identical to an evaluated one",
       [this] { return std::string(search.skip_canonical_duplicates ? "canonical" : "exact"); },
       [this](const std::string& v) { search.skip_canonical_duplicates = guided.skip_canonical_duplicates = v == "canonical"; })
      .note("guided and --evaluator train: canonical");
  s.options().back().choices = {"exact", "canonical"};
  both("retry-failed", OptionSet::Type::flag, "propose an architecture again after its evaluation failed",
       [this] { return std::string(search.retry_failed ? "true" : "false"); },
       [this](const std::string& v) { search.retry_failed = guided.retry_failed = v == "true"; });
  both("max-failures", OptionSet::Type::integer, "stop after this many failed evaluations (0 = the budget)",
       [this] { return std::to_string(search.max_failures); },
       [this](const std::string& v) { search.max_failures = guided.max_failures = std::stoull(v); });
  s.options().back().min = 0, s.options().back().max = kMaxCount;
#if NAS_STUDY_WITH_TORCH
  s.custom("device", OptionSet::Type::text, "auto | cpu | cuda | cuda:N (the predictor's, and the trainer's with --evaluator train)",
           [this] { return predictor.device; }, [this](const std::string& v) { predictor.device = training.evaluator.train.device = v; });
#endif

  s.group("multi-fidelity");
  s.custom("fidelities", OptionSet::Type::text,
           "rungs of a multi-fidelity search, ascending, the last the full fidelity (default: the table's; nb201: 12,200 epochs)",
           [this] { return rungs_text(fidelity.rungs); }, [this](const std::string& v) { fidelity.rungs = v.empty() ? std::vector<double>{} : parse_rungs(v); });
  s.real("eta", fidelity.eta, "reduction factor: the best 1/eta of a rung go up one rung", 2, 1e6);
  s.real("time-budget", time_budget,
         "seconds on the executor's clock (simulated time with --executor simulated) after which nothing more is proposed; 0 = none", 0, 1e12);

  s.group("objectives");
  s.text("objectives", objectives,
         "several objectives (random, rea, local-search, guided): COLUMN:max|min,... e.g. test_200ep:max,params:min; a table column, or a metric the "
         "space derives (nb201: params, flops of its benchmark network; darts, nb101: params, flops as NASLib counted them; accel: params, flops, latency or throughput of the --dataset accelerator); the first is the signal");
  s.text("constraint", constraint,
         "constraints COLUMN<=VALUE (also <, >=, >), comma-separated, e.g. params<=5e5: an infeasible cell is recorded, never the incumbent");
  s.enumeration("mo-scalarisation", search.mo.scalarisation,
                "guided with several objectives: what the surrogate learns: parego (Chebyshev, random weights per retrain) | rank "
                "(non-dominated rank and crowding)",
                {MultiObjective::Scalarisation::parego, MultiObjective::Scalarisation::rank}, scalarisation_name, parse_scalarisation);

  s.group("zero-cost");
  s.text("zc-proxies", zc_proxies, "zero-cost proxies that rank cells for --algo zc and --zc-warmup (several: their vote): synflow, nwot, snip, "
                                   "... (nas zc --help lists them)");
  s.integer("zc-warmup", zc.warmup, "guided, rea: rank this many random cells by --zc-proxies and take the initial population from the top "
                                    "(0 = off); --algo zc: the cells ranked (0 = the whole space if enumerable)",
            0, 100'000'000);
  s.text("zc-features", zc_features, "guided: zero-cost proxies the surrogate takes as extra inputs beside the cell (computed once per cell "
                                     "and cached; standardised at each cold fit)");
  s.text("zc-file", zc_file, "scores from `nas zc` (its CSV); cells it lacks are computed");
  s.text("zc-dataset", zc_dataset, "the proxies' input shape: cifar10 | cifar100 | ImageNet16-120 | fashion-mnist (auto: the table's dataset, or "
                                   "the training data)");
  s.integer("zc-batch", zc_batch, "images in the proxies' batch (random for tables; the training images with --evaluator train)", 1, 4096);

  s.group("execution");
  s.enumeration("executor", executor.kind,
                "local: --workers threads (wall clock) | inline: one at a time on the search's thread | simulated: a virtual clock, durations "
                "from --cost-model | mpi: ranks 1..N-1 of mpirun",
                {ExecutorOptions::Kind::local, ExecutorOptions::Kind::inline_, ExecutorOptions::Kind::simulated, ExecutorOptions::Kind::mpi},
                executor_kind_name,
                parse_executor_kind);
  s.integer("workers", executor.workers, "evaluations in flight (mpi: the worker ranks, N-1)", 1, 100000);
  s.enumeration("mode", executor.mode, "sync: ask W, tell in ask order | async: a freed worker gets the next candidate at once",
                {ExecutorOptions::Mode::sync, ExecutorOptions::Mode::async}, executor_mode_name, parse_executor_mode);
  s.text("cost-model", cost_model,
         "simulated: fixed:SECONDS | lognormal:MEAN,SIGMA | column:NAME (a table column) | epochs:S[,SIGMA] (S seconds per epoch spent, a per-cell factor)");
  s.real("mpi-heartbeat", mpi_heartbeat, "mpi: a busy worker says it is alive every this many seconds", 1e-3, 3600).neutral();
  s.real("mpi-lost-after", mpi_lost_after, "mpi: give a silent busy worker up after this many seconds (0 = never)", 0, 1e7).neutral();

#if NAS_STUDY_WITH_TORCH
  declare_models();
#endif
}

std::string without_models(std::string_view what) {
  std::vector<std::string> here;
  for (const auto& info : searches())
    if (!info.needs_model) here.push_back(info.name);
  return fmt::format("{} needs LibTorch, and this nas was built without it (-DNAS_WITH_TORCH=OFF): its searches are {} on the "
                     "tabular benchmarks; rebuild with -DNAS_WITH_TORCH=ON for guided search, real training, predict-eval and explain",
                     what, fmt::join(here, ", "));
}

std::string SearchConfig::model_kind() const {
#if NAS_STUDY_WITH_TORCH
  if (is_guided()) return predictor.kind;
#endif
  return "";
}

std::string SearchConfig::model_device() const {
#if NAS_STUDY_WITH_TORCH
  if (is_guided()) return predictor.device;
#endif
  return "";
}

bool SearchConfig::is_guided() const {
  for (const auto& info : searches())
    if (info.name == algo) return info.needs_model;
  return false;  // an unknown name is refused by the --algo choice
}

void SearchConfig::replay(const SearchConfig& other) {
  for (const auto& [k, v] : other.options.given_values()) options.set(k, v);
}

bool SearchConfig::changed_by_user(const OptionSet::Option& o) const {
  return o.given && !o.from_file && (front != Front::python || o.get() != o.default_text);
}

void SearchConfig::finish() {
  OptionSet& s = options;
  const bool shared = evaluator == "supernet";  // weight sharing (--supernet FILE)
  const bool train = evaluator == "train" || shared;  // real images: the training options apply
  for (const auto& o : s.options())
    if (changed_by_user(o) && o.group == "supernet" && !shared)
      throw OptionError(fmt::format("--{} is an option of --evaluator supernet; this run is --evaluator {}", o.name, evaluator));
  if (shared) {
#if NAS_STUDY_WITH_TORCH
    if (experiment.space != "nb201" && experiment.space != "darts")
      throw OptionError(fmt::format("--evaluator supernet --space {}: supernets are built for nb201 and darts", experiment.space));
    if (supernet.empty()) throw OptionError("--evaluator supernet needs --supernet FILE (the supernet.pt of a nas oneshot run)");
    if (search_info(algo).rungs == SearchInfo::Rungs::required || !fidelity.rungs.empty())
      throw OptionError(fmt::format("--algo {}{}: multi-fidelity; --evaluator supernet has one fidelity (random, rea, local-search, guided apply)",
                                    algo, fidelity.rungs.empty() ? "" : " --fidelities"));
#else
    throw OptionError(without_models("--evaluator supernet (weight sharing)"));
#endif
  }
  if (train) {
#if NAS_STUDY_WITH_TORCH
    if (!training::trainable(experiment.space))
      throw OptionError(fmt::format("--space {}: real training supports nb201 and darts (the spaces with a network builder)", experiment.space));
    finish_training(s, training, experiment.space, TrainingPurpose::search);
#else
    throw OptionError(without_models("--evaluator train (real training)"));
#endif
  } else {
    finish_experiment(s, experiment);
    for (const auto& o : s.options())
      if (changed_by_user(o) && o.group == "training")
        throw OptionError(fmt::format("--{} is an option of real training; this run is --evaluator table (add --evaluator train, or drop it)", o.name));
  }
  if (!kWithModels && is_guided()) throw OptionError(without_models(fmt::format("--algo {} (its surrogate model)", algo)));
  if (front == Front::search && !s.given("seeds")) s.set_default("seeds", train ? "1" : is_guided() ? "10" : "100");
  if (!s.given("budget")) s.set_default("budget", shared ? "100" : train ? "40" : is_guided() ? "100" : "150");
  if (!s.given("dedup") && (is_guided() || train)) s.set_default("dedup", "canonical");  // never pay twice for one network
  if (!is_guided() && front != Front::sweep) {
    // Refuse what this algorithm would ignore (a sweep shares options across algorithms).
    for (const auto& o : s.options())
      if (changed_by_user(o) && (o.group == "guided" || o.group == "retraining" || o.group == "predictor"))
        throw OptionError(fmt::format("--{} is an option of guided search; this run is --algo {} (add --algo guided, or drop it)", o.name, algo));
    if (!search_info(algo).uses_population)
      for (const char* k : {"population", "tournament"})
        if (changed_by_user(*s.find(k)))
          throw OptionError(fmt::format("--{} is an option of the searches with a population (REA, guided); --algo {} has none", k, algo));
  }
  if (!cost_model.empty() && executor.kind != ExecutorOptions::Kind::simulated) throw OptionError("--cost-model is for --executor simulated");
  finish_fidelities(train);
  finish_zero_cost(evaluator == "train");
  finish_objectives(train);
  if (front == Front::sweep && executor.kind == ExecutorOptions::Kind::mpi)
    throw OptionError("--executor mpi is for nas search (mpirun -np N nas search ...); a sweep runs its configurations here");
  search.algorithm = algo == "random" ? Algorithm::random : Algorithm::rea;
  search.validate();
  guided.validate();
#if NAS_STUDY_WITH_TORCH
  predictor.validate();
  ensemble.validate();
  if (train) (void)training.for_space(experiment.space);
#endif
}

void SearchConfig::finish_objectives(bool train) {
  objective_list.clear();
  search.mo.directions.clear();
  search.mo.constraints.clear();
  if (!objectives.empty()) objective_list = parse_objectives(objectives);
  if (!constraint.empty()) {
    std::string_view rest = constraint;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      search.mo.constraints.push_back(parse_constraint(rest.substr(0, comma)));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  }
  for (const auto& o : objective_list) search.mo.directions.push_back(o.direction);
  if (!search.mo.active()) {
    if (changed_by_user(*options.find("mo-scalarisation")))
      throw OptionError("--mo-scalarisation is for a guided search with several --objectives");
    return;
  }
  if (train) throw OptionError(fmt::format("--objectives/--constraint: on the tabular benchmarks (and their derived params and flops); not with --evaluator {} yet", evaluator));
  if (front != Front::sweep && !search_info(algo).objectives) (void)search_factory(algo, SearchSettings{search, guided});  // refuses by name
  if (fidelity.multi()) throw OptionError("--objectives/--constraint: not with --fidelities (the multi-fidelity searches have one objective)");
  if (changed_by_user(*options.find("mo-scalarisation")) && !(is_guided() && search.mo.multi()))
    throw OptionError(fmt::format("--mo-scalarisation is for a guided search with several --objectives; this run is --algo {}", algo));
}

void SearchConfig::finish_zero_cost(bool train) {
  const bool uses = algo == "zc" || zc.warmup > 0;
  if (zc_proxies.empty()) {
    if (algo == "zc") throw OptionError("--algo zc ranks cells by zero-cost proxies: give --zc-proxies (e.g. synflow, or synflow,nwot for their vote)");
    if (zc.warmup > 0) throw OptionError(fmt::format("--zc-warmup {} ranks cells by zero-cost proxies: give --zc-proxies (e.g. synflow)", zc.warmup));
  } else if (!uses) {
    throw OptionError("--zc-proxies ranks cells for --algo zc or --zc-warmup N (guided, rea); this run uses neither");
  }
  if (!zc_features.empty() && !is_guided())
    throw OptionError(fmt::format("--zc-features are extra inputs of a guided search's surrogate; this run is --algo {}", algo));
  if (zc_proxies.empty() && zc_features.empty()) {
    for (const char* k : {"zc-file", "zc-dataset", "zc-batch"})
      if (changed_by_user(*options.find(k)))
        throw OptionError(fmt::format("--{} is an option of the zero-cost proxies; this run has neither --zc-proxies nor --zc-features", k));
    return;
  }
  const auto proxies = zc_all_names(*this);  // an unknown proxy: refused before the table is read
  const char* flag = zc_proxies.empty() ? "--zc-features" : "--zc-proxies";
#if NAS_STUDY_WITH_TORCH
  if (!training::trainable(experiment.space) && zc_file.empty())
    throw OptionError(fmt::format("{} on --space {}: no network to compute them on (nb201, darts); give --zc-file", flag, experiment.space));
#else
  if (zc_file.empty()) throw OptionError(without_models(fmt::format("{} without --zc-file (computing zero-cost proxies)", flag)));
#endif
  if (!zc_file.empty()) {
    // Its columns now, before the table is read (the rows are read with the scores).
    std::ifstream in(zc_file);
    std::string header, first;
    if (!in || !std::getline(in, header)) throw OptionError(fmt::format("--zc-file {}: cannot read it", zc_file));
    if (!std::getline(in, first)) throw OptionError(fmt::format("--zc-file {}: no rows", zc_file));
    const auto head = datasets::CsvFile::parse(header + "\n" + first + "\n", zc_file);  // the project's reader, on two lines
    for (const auto& p : proxies)
      if (!head.has_column(p)) throw OptionError(fmt::format("--zc-file {}: no column '{}' (a `nas zc --proxies ...` output with it)", zc_file, p));
    if (!head.has_column("arch")) throw OptionError(fmt::format("--zc-file {}: no column 'arch'", zc_file));
  }
  if (zc.warmup > 0 && algo != "guided" && algo != "rea" && algo != "zc")
    throw OptionError(fmt::format("--zc-warmup is an option of guided, rea (their initial population) and zc (its pool); this run is --algo {}", algo));
  if (zc_dataset == "auto") {
#if NAS_STUDY_WITH_TORCH
    if (train) zc_dataset = training.data;
#else
    (void)train;
#endif
    if (zc_dataset == "auto") zc_dataset = experiment.dataset == "imagenet16" ? "ImageNet16-120" : experiment.dataset.empty() ? "cifar10" : experiment.dataset;
  }
  zc.validate();
}

void SearchConfig::finish_fidelities(bool train) {
  OptionSet& s = options;
  const auto typed = [&](const char* k) { return changed_by_user(*s.find(k)); };
  if (typed("time-budget") && !(time_budget > 0))
    throw OptionError(fmt::format("--time-budget {}: expected seconds > 0 (leave it out for no limit)", time_budget));
  // A time-limited run: the budget of queries only caps it (unless given).
  if (time_budget > 0 && !s.given("budget")) s.set_default("budget", "1000000");
  std::vector<std::string> multi;
  for (const auto& info : searches())
    if (info.rungs != SearchInfo::Rungs::none) multi.push_back(info.name);
  const auto rungs = search_info(algo).rungs;
  if (rungs == SearchInfo::Rungs::none || (rungs == SearchInfo::Rungs::optional && fidelity.rungs.empty())) {
    if (front != Front::sweep)
      for (const char* k : {"fidelities", "eta"})
        if (typed(k))
          throw OptionError(fmt::format("--{} is an option of the multi-fidelity searches ({}{}); this run is --algo {}{}", k, fmt::join(multi, ", "),
                                        " over rungs", algo, rungs == SearchInfo::Rungs::optional ? " without --fidelities" : ""));
    fidelity.rungs.clear();
    return;
  }
  if (train) {
#if NAS_STUDY_WITH_TORCH
    // Real training: the rungs are epochs, the last the full training (--train-epochs follows it).
    if (fidelity.rungs.empty())
      throw OptionError(fmt::format("--algo {} with --evaluator train needs --fidelities: rungs in epochs, e.g. 1,3,9", algo));
    fidelity.resource = "epochs";
    fidelity.validate();
    for (double r : fidelity.rungs)
      if (r != std::floor(r)) throw OptionError(fmt::format("--fidelities {}: real training's rungs are whole epochs", rungs_text(fidelity.rungs)));
    const int last = static_cast<int>(fidelity.rungs.back());
    if (typed("train-epochs") && training.evaluator.train.epochs != last)
      throw OptionError(fmt::format("--train-epochs {}: with --fidelities the last rung, {} epochs, is the full fidelity (leave --train-epochs out)",
                                    training.evaluator.train.epochs, last));
    s.set_default("train-epochs", std::to_string(last));
#endif
    return;
  }
  const auto& b = datasets::benchmark(experiment.space);
  if (b.fidelities.empty())
    throw OptionError(fmt::format("--algo {}: the {} table has one fidelity (no rungs to promote through); the multi-fidelity tables: nb201 "
                                  "(12,200 epochs)", algo, experiment.space));
  if (fidelity.rungs.empty()) s.set_default("fidelities", rungs_text(b.fidelities));
  fidelity.resource = b.fidelity_resource;
  fidelity.validate();  // ascending, eta: the user's own mistakes first
  for (double r : fidelity.rungs)
    if (std::find(b.fidelities.begin(), b.fidelities.end(), r) == b.fidelities.end())
      throw OptionError(fmt::format("--fidelities {}: the {} table has no fidelity {}; it has {} ({})", rungs_text(fidelity.rungs), experiment.space, r,
                                    rungs_text(b.fidelities), b.fidelity_resource));
  if (!fidelity.rungs.empty() && fidelity.rungs.back() != b.fidelities.back())
    throw OptionError(fmt::format("--fidelities {}: the last rung is the full fidelity, {} on the {} table", rungs_text(fidelity.rungs),
                                  b.fidelities.back(), experiment.space));
}

std::string SearchConfig::config_toml(const char* command) const {
  return fmt::format("# {}, as run by nas {}: every option, defaults included. Replay: nas {} --config FILE; resume: nas search --resume {}\n{}",
                     command, version(), command, out, options.to_toml());
}

ExecutorOptions executor_options(SearchConfig& c, const std::function<CostModel(const std::string&)>& column_cost, const MpiWorkers& mpi) {
  ExecutorOptions x = c.executor;
  if (x.kind == ExecutorOptions::Kind::mpi) {
    if (!mpi.pool)
      throw OptionError("--executor mpi needs MPI workers: start nas with mpirun (or srun) and at least 2 ranks (rank 0 searches, the others evaluate)");
    x.pool = mpi.pool(c.mpi_heartbeat, c.mpi_lost_after);
    // The job decides the workers: --workers, if given (or in the config.toml of a resumed run), must agree.
    c.options.set_default("workers", std::to_string(x.pool->capacity()));
    if (c.executor.workers != x.pool->capacity())
      throw OptionError(fmt::format("--workers {}{}: this MPI job has {} worker rank(s) (mpirun -np {})", c.executor.workers,
                                    c.options.typed("workers") ? "" : " (from the config file)", x.pool->capacity(), x.pool->capacity() + 1));
    x.workers = x.pool->capacity();
  } else if (mpi.ranks > 1) {
    throw OptionError(fmt::format("started by an MPI launcher with {} ranks but --executor {}: use --executor mpi (ranks 1..{} evaluate)",
                                  mpi.ranks, executor_kind_name(x.kind), mpi.ranks - 1));
  }
  if (!c.cost_model.empty()) {
    if (c.cost_model.rfind("column:", 0) == 0) {
      if (!column_cost) throw OptionError(fmt::format("--cost-model {}: no table to read durations from here", c.cost_model));
      x.cost = column_cost(c.cost_model.substr(7));
    } else {
      x.cost = parse_cost_model(c.cost_model);
    }
  }
  x.validate();
  return x;
}

bool executor_requested(const SearchConfig& c) {
  const ExecutorOptions defaults;
  return c.executor.kind != defaults.kind || c.executor.workers != defaults.workers || c.executor.mode != defaults.mode || !c.cost_model.empty();
}

SearchFactory make_search_factory(const SearchConfig& c, const SearchSpace& space) {
  auto zc = make_cell_scorers(c, space);
  SearchSettings settings{c.search, c.guided, nullptr, c.fidelity, c.zc, zc.ranking};
  if (search_info(c.algo).needs_model) {
#if NAS_STUDY_WITH_TORCH
    settings.model = surrogate_factory(c, space, zc.features);
#else
    (void)space;
    throw OptionError(without_models(fmt::format("--algo {} (its surrogate model)", c.algo)));
#endif
  }
  return search_factory(c.algo, std::move(settings));
}

std::size_t run_budget(const SearchConfig& c) { return budget_of(search_info(c.algo), {c.search, c.guided, nullptr, c.fidelity}); }

void check_budget_fits(const SearchSpace& space, std::size_t budget, std::size_t rungs) {
  if (const auto size = space.size(); size && budget > *size * rungs)
    throw OptionError(fmt::format("--budget {}: the {} space has {} architectures; a search evaluates each at most once{}", budget, space.name(),
                                  *size, rungs > 1 ? fmt::format(" per rung ({} rungs)", rungs) : ""));
}

void check_run_budget(const SearchConfig& c, const SearchSpace& space) {
  if (c.time_budget > 0 && !c.options.given("budget")) return;  // a time-limited run's default budget only caps it
  check_budget_fits(space, run_budget(c), c.fidelity.multi() ? c.fidelity.rungs.size() : 1);
}

RunOptions run_options(const SearchConfig& c, std::vector<std::uint64_t> seeds, Direction direction) {
  RunOptions ro;
  ro.seeds = std::move(seeds);
  ro.direction = direction;
  ro.time_budget = c.time_budget;
  return ro;
}

}  // namespace nas::study
