#include "nas/study/config.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "nas/core/errors.hpp"
#include "nas/datasets/registry.hpp"
#include "nas/engine/registry.hpp"
#include "nas/engine/worker_pool.hpp"
#include "nas/training/network.hpp"

#ifndef NAS_VERSION
#define NAS_VERSION "0.0.0"
#endif

namespace nas::study {

const char* version() { return NAS_VERSION; }

namespace {
constexpr long long kMaxCount = 100'000'000;
constexpr long long kMaxSeed = 1LL << 62;
}  // namespace

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

void declare_predictor(OptionSet& s, predictor::PredictorOptions& p, bool with_kind) {
  s.group("predictor");
  if (with_kind) s.choice("predictor", p.kind, "surrogate", {"carl", "tart", "gcn", "mlp"});
  s.integer("epochs", p.epochs, "epochs of a cold fit", 1, 1'000'000);
  s.integer("torch-threads", p.torch_threads, "torch threads of the surrogate (0 = all cores; 1 is fastest for these small networks on CPU)", 0, 1024).neutral();
  s.integer("batch-size", p.batch_size, "minibatch (ranking pairs are formed inside one)", 2, 1 << 20);
  s.real("lr", p.learning_rate, "AdamW learning rate", 1e-12, 1e3);
  s.real("weight-decay", p.weight_decay, "AdamW decoupled weight decay", 0, 1e3);
  s.integer("hidden", p.hidden, "GCN / MLP width", 1, 1 << 16);
  s.integer("layers", p.layers, "GCN message-passing layers (MLP hidden layers)", 0, 64);
  s.choice("ranking-loss", p.ranking_loss, "ranking loss", {"hinge", "pairwise_logistic"});
  s.real("hinge-margin", p.hinge_margin, "margin of the hinge loss (z-scored units)", 0, 1e3);
  s.real("mse-weight", p.mse_weight, "weight of an MSE term added to the ranking loss", 0, 1e6);
  s.choice("gcn-mode", p.gcn_mode, "GCN messages: directed (forward and backward) | sym", {"directed", "sym"});
  s.real("lambda-r", p.lambda_r, "CARL: weight of L_R (redundant path -> batch mean)", 0, 1e6);
  s.real("lambda-i", p.lambda_i, "CARL: weight of L_I (interventional ranking)", 0, 1e6);
  s.integer("interventions", p.interventions, "CARL: in-batch permutations per step", 0, 1024);
  s.choice("intervention-combine", p.intervention_combine, "CARL: z_I = z_C + z_R[pi] (sum) | [z_C, z_R[pi]] (concat)", {"sum", "concat"});
  s.real("mask-budget", p.mask_budget, "CARL: target mean of the node and edge masks", 1e-6, 1 - 1e-6);
  s.real("lambda-binary", p.lambda_binary, "CARL: weight of the 0/1 mask penalty", 0, 1e6);
  s.real("lambda-mask", p.lambda_mask, "CARL: weight of the mask-budget penalty", 0, 1e6);
  s.integer("tart-dp", p.tart_dp, "TART: Laplacian eigenvectors per token", 1, 64);
  s.custom("tart-scalar-ops", OptionSet::Type::flag, "TART: op id as one number (the paper's) instead of one-hot",
           [&p] { return std::string(p.tart_onehot ? "false" : "true"); }, [&p](const std::string& v) { p.tart_onehot = v != "true"; });
  s.real("tart-lr", p.tart_learning_rate, "TART: learning rate", 1e-12, 1e3);
  s.integer("tart-d-model", p.tart_d_model, "TART: transformer width", 1, 1 << 14);
  s.integer("tart-layers", p.tart_layers, "TART: transformer layers", 1, 64);
  s.integer("tart-heads", p.tart_heads, "TART: attention heads", 1, 64);
}

namespace {
struct TrainingDefaults {
  int channels, cells, epochs, batch;
  long long train_subset, valid_size, test_subset;
  bool auxiliary;
  double drop_path;
};
// Search: a proxy that costs seconds per candidate on 2 CPU cores (README "End-to-end search").
// Final training: the benchmarks' networks on all the data (NB201: C 16, N 5, batch 256; DARTS:
// C 36, 20 cells, auxiliary head, drop-path 0.2, batch 96); the epochs stay the user's call.
TrainingDefaults training_defaults(std::string_view space, TrainingPurpose p) {
  const bool darts = space == "darts";
  if (p == TrainingPurpose::search) return {8, darts ? 5 : 1, 5, 64, 4000, 1000, 2000, false, 0.0};
  return {darts ? 36 : 16, darts ? 20 : 5, 12, darts ? 96 : 256, 0, 5000, 0, darts, darts ? 0.2 : 0.0};
}
void apply(TrainingSettings& t, const TrainingDefaults& d) {
  t.evaluator.network.channels = d.channels;
  t.cells = d.cells;
  t.evaluator.train.epochs = d.epochs;
  t.evaluator.train.batch_size = d.batch;
  t.evaluator.train_subset = static_cast<std::size_t>(d.train_subset);
  t.evaluator.valid_size = static_cast<std::size_t>(d.valid_size);
  t.evaluator.test_subset = static_cast<std::size_t>(d.test_subset);
  t.evaluator.network.auxiliary = d.auxiliary;
  t.evaluator.network.drop_path = d.drop_path;
}
}  // namespace

training::TrainingEvaluatorOptions TrainingSettings::for_space(std::string_view space) const {
  if (!training::trainable(space))
    throw OptionError(fmt::format("--space {}: real training supports nb201 and darts (the spaces with a network builder)", space));
  training::TrainingEvaluatorOptions o = evaluator;
  if (space == "darts") o.network.layers = cells;
  else o.network.cells = cells;
  o.validate();
  return o;
}

std::shared_ptr<const training::ImageData> load_training_data(const TrainingSettings& t) {
  const auto t0 = std::chrono::steady_clock::now();
  auto d = std::make_shared<const training::ImageData>(training::load_image_data(t.data, t.data_path));
  fmt::print(stderr, "data: {} ({} training + {} test images of {}x{}x{}, {} classes) loaded in {:.2f} s\n", d->name, d->train.count(),
             d->test.count(), d->train.channels, d->train.height, d->train.width, d->classes,
             std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return d;
}

std::string fidelity_brief(const training::TrainingEvaluatorOptions& o, std::string_view space) {
  const bool darts = space == "darts";
  return fmt::format("C {}, {} {}, {} training images, {} epochs, batch {}, lr {}, {} thread(s), device {}", o.network.channels,
                     darts ? "cells" : "N", darts ? o.network.layers : o.network.cells,
                     o.train_subset == 0 ? std::string("all") : std::to_string(o.train_subset), o.train.epochs, o.train.batch_size,
                     o.train.learning_rate, o.train.threads, training::resolve_device(o.train.device));
}

void declare_training(OptionSet& s, TrainingSettings& t, TrainingPurpose purpose) {
  const TrainingDefaults d = training_defaults("darts", purpose);
  apply(t, training_defaults("nb201", purpose));
  auto darts = [](const auto& v) { return fmt::format("darts: {}", v); };
  auto& n = t.evaluator.network;
  auto& tr = t.evaluator.train;
  s.group("training");
  s.choice("data", t.data, "images to train on", {"fashion-mnist", "cifar10"});
  s.text("data-path", t.data_path, fmt::format("fashion-mnist: default {}; cifar10: the binary version (data_batch_1..5.bin, test_batch.bin)",
                                               training::kFashionMnistDefaultDir))
      .neutral();
  s.integer("train-subset", t.evaluator.train_subset, "training images per candidate (0 = all but the validation part)", 0, kMaxCount)
      .note(darts(d.train_subset));
  s.integer("valid-size", t.evaluator.valid_size, "held out of the training data (fixed by --split-seed): the search signal", 0, kMaxCount)
      .note(darts(d.valid_size));
  s.integer("test-subset", t.evaluator.test_subset, "test images for the reported accuracy (0 = all)", 0, kMaxCount).note(darts(d.test_subset));
  s.integer("split-seed", t.evaluator.split_seed, "the split; the same for every run and candidate", 0, kMaxSeed);
  s.integer("channels", n.channels, "C (NB201: first stage width; DARTS: initial channels)", 1, 4096).note(darts(d.channels));
  s.integer("cells", t.cells, "NB201: cells per stage N; DARTS: number of cells", 1, 256).note(darts(d.cells));
  s.integer("train-epochs", tr.epochs, "epochs (cosine schedule to --train-lr-min)", 1, 100000);
  s.integer("train-batch", tr.batch_size, "batch size", 2, 65536).note(darts(d.batch));
  s.real("train-lr", tr.learning_rate, "SGD peak learning rate", 1e-12, 1e3);
  s.real("train-lr-min", tr.lr_min, "learning rate at the end of the cosine schedule", 0, 1e3);
  s.real("train-momentum", tr.momentum, "SGD momentum", 0, 1);
  s.custom("no-nesterov", OptionSet::Type::flag, "plain momentum instead of Nesterov's", [&tr] { return std::string(tr.nesterov ? "false" : "true"); },
           [&tr](const std::string& v) { tr.nesterov = v != "true"; });
  s.real("train-weight-decay", tr.weight_decay, "SGD weight decay", 0, 1e3);
  s.real("grad-clip", tr.grad_clip, "max gradient norm (0 = off; DARTS used 5)", 0, 1e9);
  s.real("aux-weight", tr.aux_weight, "DARTS: weight of the auxiliary head's loss", 0, 1e3);
  s.enumeration("augment", tr.augment, "pad-4 crop + flip (auto: on for cifar10 only)",
                {training::Augment::automatic, training::Augment::on, training::Augment::off}, training::augment_name, training::parse_augment);
  s.flag("auxiliary", n.auxiliary, "DARTS: auxiliary head").note(darts(d.auxiliary ? "true" : "false"));
  s.real("drop-path", n.drop_path, "DARTS: drop-path probability, ramped over the epochs", 0, 0.99).note(darts(d.drop_path));
  s.custom("affine-free-ops", OptionSet::Type::flag, "DARTS: BN without scale/shift in the ops (NASLib's graph, as zc_params)",
           [&n] { return std::string(n.affine_ops ? "false" : "true"); }, [&n](const std::string& v) { n.affine_ops = v != "true"; });
  s.integer("train-threads", tr.threads, "torch threads of a training (1 is fastest per process on 2 shared cores)", 0, 1024).neutral();
  s.flag("valid-every-epoch", tr.valid_every_epoch, "validation accuracy after every epoch (a learning curve)");
  s.flag("channels-last", tr.channels_last, "NHWC activations and conv weights (oneDNN's preferred CPU layout)").neutral();
}

void finish_training(OptionSet& s, TrainingSettings& t, std::string_view space, TrainingPurpose purpose) {
  if (space != "darts") return;
  const TrainingDefaults d = training_defaults("darts", purpose);
  s.set_default("channels", std::to_string(d.channels));
  s.set_default("cells", std::to_string(d.cells));
  s.set_default("train-batch", std::to_string(d.batch));
  s.set_default("train-subset", std::to_string(d.train_subset));
  s.set_default("valid-size", std::to_string(d.valid_size));
  s.set_default("test-subset", std::to_string(d.test_subset));
  s.set_default("auxiliary", d.auxiliary ? "true" : "false");
  s.set_default("drop-path", OptionSet::number_text(d.drop_path));
  (void)t;
}

SearchConfig::SearchConfig(Front f) : front(f) {
  OptionSet& s = options;
  if (f == Front::sweep) algo = "guided", seeds = 5, out = "runs/sweep";
  if (f == Front::python) seeds = 1;
  declare_experiment(s, experiment);
  s.group("run");
  s.choice("algo", algo, "search algorithm (the registry's searches)", search_names());
  s.choice("evaluator", evaluator, "table (benchmark lookup) | train (train every candidate; training options)", {"table", "train"});
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
  s.custom("device", OptionSet::Type::text, "auto | cpu | cuda | cuda:N (the predictor's, and the trainer's with --evaluator train)",
           [this] { return predictor.device; }, [this](const std::string& v) { predictor.device = training.evaluator.train.device = v; });

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
  s.text("cost-model", cost_model, "simulated: fixed:SECONDS | lognormal:MEAN,SIGMA | column:NAME (a table column)");
  s.real("mpi-heartbeat", mpi_heartbeat, "mpi: a busy worker says it is alive every this many seconds", 1e-3, 3600).neutral();
  s.real("mpi-lost-after", mpi_lost_after, "mpi: give a silent busy worker up after this many seconds (0 = never)", 0, 1e7).neutral();

  s.group("guided");
  s.integer("initial", guided.initial_samples, "random cells evaluated before the first fit", 0, kMaxCount);
  s.enumeration("parent-selection", guided.parent_selection, "tournament (aging population) | best (best cells so far)",
                {GuidedOptions::Parents::tournament, GuidedOptions::Parents::best}, parent_selection_name, parse_parent_selection);
  s.integer("parents", guided.parents_per_iteration, "parents per iteration", 0, kMaxCount);
  s.integer("children", guided.children_per_parent, "children per parent", 0, kMaxCount);
  s.integer("mutation-steps", guided.mutation_steps, "mutations per child (1 or 2)", 1, 2);
  s.integer("top-k", guided.top_k, "cells evaluated per iteration", 1, kMaxCount);
  s.integer("incumbent-k", guided.incumbent_k, "of those, the best-scored children of the best cell so far (0 = off)", 0, kMaxCount);
  s.integer("incumbent-k-stalled", guided.incumbent_k_stalled,
            "while the incumbent does not improve, its slots grow by one per iteration up to this many (capped at --top-k; 0 = fixed --incumbent-k)", 0, kMaxCount);
  s.integer("incumbent-radius", guided.incumbent_radius, "1: the incumbent's one-op children | 2: also its two-op mutations", 1, 2);
  s.real("neighbour-weight", guided.neighbour_weight,
         "add this many standard deviations of neighbour evidence (mean signal of evaluated cells one op away) to the model's scores (0 = off)", 0, 1e3);
  s.flag("kriging", guided.kriging,
         "rank by expected improvement under a Gaussian process that corrects the model's scores with the evaluated cells nearby");
  s.flag("whole-space", guided.rank_whole_space, "rank every unevaluated cell instead of children (enumerable spaces)");
  s.flag("reuse-ranking", guided.reuse_ranking,
         "take the next iterations' cells from the last ranking until the model is retrained or the incumbent changes (cheap planning for many fast workers)");
  s.group("retraining");
  auto& r = guided.retrain;
  s.enumeration("retrain", r.when, "when the surrogate is retrained",
                {RetrainSchedule::When::every_iteration, RetrainSchedule::When::every_k, RetrainSchedule::When::geometric,
                 RetrainSchedule::When::tau_drop},
                retrain_when_name, parse_retrain_when);
  s.integer("retrain-every", r.every, "every-k: new results per retrain", 1, kMaxCount);
  s.real("retrain-factor", r.factor, "geometric: history growth factor between retrains", 1.0 + 1e-9, 1e6);
  s.real("retrain-tau", r.tau_threshold, "tau-drop: retrain when the online tau of new results is below this", -1, 1);
  s.integer("retrain-epochs", r.epochs, "epochs per retrain (0 = --epochs)", 0, 1'000'000);
  s.flag("warm-start", r.warm_start, "continue from the current weights (--warm-start=false: every retrain from scratch)");
  s.integer("cold-every", r.cold_every, "warm start: every K-th retrain is from scratch all the same (0 = never)", 0, kMaxCount);
  s.real("warm-lr", r.warm_lr, "warm start: learning-rate multiplier of the warm retrains", 1e-6, 1e3);
  s.integer("window", r.window, "train on the last N results only (0 = all)", 0, kMaxCount);
  s.real("recency-weight", r.recency_weight, "sample weights favouring recent results", 0, 1e3);
  s.real("top-weight", r.top_weight, "sample weights favouring high-accuracy results", 0, 1e3);
  s.flag("async", r.asynchronous, "train a copy on its own thread; rank with the current model meanwhile");
  declare_predictor(s, predictor, true);
  s.integer("ensemble", ensemble.members, "surrogates trained on bootstrap resamples of the history (1 = one surrogate)", 1, 256);
  s.enumeration("acquisition", ensemble.acquisition, "ensemble: mean score | ucb: mean + kappa x spread over members",
                {EnsembleOptions::Acquisition::mean, EnsembleOptions::Acquisition::ucb}, acquisition_name, parse_acquisition);
  s.real("ucb-kappa", ensemble.kappa, "ensemble ucb: weight of the members' spread", 0, 100);
  s.flag("ensemble-bootstrap", ensemble.bootstrap, "ensemble: each member on a bootstrap resample (false: same cells, other seeds)");
  declare_training(s, training, TrainingPurpose::search);
}

bool SearchConfig::is_guided() const {
  for (const auto& info : searches())
    if (info.name == algo) return info.needs_model;
  return false;  // an unknown name is refused by the --algo choice
}

void SearchConfig::replay(const SearchConfig& other) {
  for (const auto& [k, v] : other.options.given_values()) options.set(k, v);
}

void SearchConfig::finish() {
  OptionSet& s = options;
  // Typed by the user: an option the run would ignore is a mistake worth refusing. Options read
  // from a config file (which holds every option) are not; from Python, neither are defaults
  // passed explicitly (a config.toml replayed as keywords).
  const auto changed_by_user = [this](const OptionSet::Option& o) {
    return o.given && !o.from_file && (front != Front::python || o.get() != o.default_text);
  };
  const bool train = evaluator == "train";
  if (train) {
    if (!training::trainable(experiment.space))
      throw OptionError(fmt::format("--space {}: real training supports nb201 and darts (the spaces with a network builder)", experiment.space));
    finish_training(s, training, experiment.space, TrainingPurpose::search);
  } else {
    finish_experiment(s, experiment);
    for (const auto& o : s.options())
      if (changed_by_user(o) && o.group == "training")
        throw OptionError(fmt::format("--{} is an option of real training; this run is --evaluator table (add --evaluator train, or drop it)", o.name));
  }
  if (front == Front::search && !s.given("seeds")) s.set_default("seeds", train ? "1" : is_guided() ? "10" : "100");
  if (!s.given("budget")) s.set_default("budget", train ? "40" : is_guided() ? "100" : "150");
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
  if (front == Front::sweep && executor.kind == ExecutorOptions::Kind::mpi)
    throw OptionError("--executor mpi is for nas search (mpirun -np N nas search ...); a sweep runs its configurations here");
  search.algorithm = algo == "random" ? Algorithm::random : Algorithm::rea;
  search.validate();
  guided.validate();
  predictor.validate();
  ensemble.validate();
  if (train) (void)training.for_space(experiment.space);
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

predictor::PredictorOptions run_predictor_options(const SearchConfig& c) {
  predictor::PredictorOptions p = c.predictor;
  if (c.parallel_runs > 1) p.torch_threads = 1;
  return p;
}

std::function<std::unique_ptr<Surrogate>()> surrogate_factory(const SearchConfig& c, const SearchSpace& space) {
  const predictor::PredictorOptions po = run_predictor_options(c);
  const EnsembleOptions eo = c.ensemble;
  return [po, eo, &space]() -> std::unique_ptr<Surrogate> {
    if (eo.members <= 1) return predictor::make_surrogate(space, po);
    return std::make_unique<EnsembleSurrogate>([&] { return predictor::make_surrogate(space, po); }, eo);
  };
}

SearchFactory make_search_factory(const SearchConfig& c, const SearchSpace& space) {
  SearchSettings settings{c.search, c.guided, nullptr};
  if (search_info(c.algo).needs_model) settings.model = surrogate_factory(c, space);
  return search_factory(c.algo, std::move(settings));
}

std::size_t run_budget(const SearchConfig& c) { return budget_of(search_info(c.algo), {c.search, c.guided, nullptr}); }

void check_budget_fits(const SearchSpace& space, std::size_t budget) {
  if (const auto size = space.size(); size && budget > *size)
    throw OptionError(fmt::format("--budget {}: the {} space has {} architectures; a search evaluates each at most once", budget, space.name(), *size));
}

}  // namespace nas::study
