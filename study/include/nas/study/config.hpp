#pragma once
// Every option of every `nas` command (and of the Python module's search()), declared once: each
// binds a field of an options struct (whose value is the default), with its type, range or
// choices, help and group (nas::OptionSet). The CLI (CLI11), config files, config.toml, Python
// keyword arguments and the journal key all read these declarations. Not thread-safe.
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "nas/study/option_set.hpp"
#include "nas/engine/ensemble.hpp"
#include "nas/engine/executors.hpp"
#include "nas/engine/guided.hpp"
#include "nas/engine/multi_fidelity.hpp"
#include "nas/engine/run.hpp"
#include "nas/engine/search.hpp"
#if NAS_STUDY_WITH_TORCH
#include "nas/predictor/factory.hpp"
#include "nas/training/data.hpp"
#include "nas/training/evaluator.hpp"
#endif

// NAS_STUDY_WITH_TORCH (1 where the study library was built with LibTorch: -DNAS_WITH_TORCH=ON):
// the surrogate models (guided search, predict-eval, explain) and real training. Without it the
// library, the `nas` program and config files hold the searches that need no model, on the
// tabular benchmarks; what needs a model is refused by name (without_models()).
namespace nas::study {

/// Whether this build has the surrogate models and real training (LibTorch).
inline constexpr bool kWithModels = NAS_STUDY_WITH_TORCH;
/// The refusal of `what` in a build without LibTorch: says what the build has and how to get the
/// rest. Thread-safe.
std::string without_models(std::string_view what);

/// The project's version (CMake's project version), written into every config.toml.
const char* version();

/// Every option with its effective value, typed (numbers, booleans, strings): summary.json's "config".
nlohmann::ordered_json options_json(const OptionSet& set);

/// Which benchmark, dataset and columns (`nas search`, `sweep`, `predict-eval`, `explain`, `space`).
struct ExperimentOptions {
  std::string space = "nb201";
  std::string dataset;   // "" = the benchmark's first dataset (filled in by finish_experiment)
  std::string data_dir;  // "" = $NAS_DATA_DIR, else ../shared/datasets (see data_dir())
  std::string table;     // "" = the benchmark's file under the data folder
  std::string signal, reported;  // "" = the benchmark's columns
  int eval_delay_ms = 0;
};
void declare_experiment(OptionSet& set, ExperimentOptions& x);
/// The benchmark's defaults for dataset, signal and reported where not given (so that config.toml
/// holds the effective values). Throws OptionError for an unknown space or dataset.
void finish_experiment(OptionSet& set, ExperimentOptions& x);

#if NAS_STUDY_WITH_TORCH
/// The surrogate's hyperparameters (every field of PredictorOptions but device and seed). With
/// `with_kind`, also --predictor (one kind).
void declare_predictor(OptionSet& set, predictor::PredictorOptions& p, bool with_kind);

enum class TrainingPurpose { search, final_training };
/// Real training (`nas search --evaluator train`, `nas train`).
struct TrainingSettings {
  training::TrainingEvaluatorOptions evaluator;
  int cells = 1;  // NB201: cells per stage N; DARTS: number of cells (evaluator.network.cells or .layers)
  std::string data = "fashion-mnist", data_path;
  /// The options for a genome of `space` (cells applied). Throws OptionError for a space without
  /// a network builder or invalid values.
  training::TrainingEvaluatorOptions for_space(std::string_view space) const;
};
/// Loads t.data from t.data_path (Fashion-MNIST: the Debian package's folder by default), saying on
/// stderr what was loaded and how long it took. Throws DataError / OptionError.
std::shared_ptr<const training::ImageData> load_training_data(const TrainingSettings& t);
/// One line describing the fidelity, e.g. "C 8, N 1, 2000 training images, 4 epochs, batch 64, ...".
std::string fidelity_brief(const training::TrainingEvaluatorOptions& o, std::string_view space);
/// Declares the training options with the defaults of `purpose` for NB201; finish_training swaps
/// in DARTS' defaults for the options not given.
void declare_training(OptionSet& set, TrainingSettings& t, TrainingPurpose purpose);
void finish_training(OptionSet& set, TrainingSettings& t, std::string_view space, TrainingPurpose purpose);
#endif

/// `nas search`, `nas sweep` and Python's search(): the run, the algorithm, the executor, the
/// predictor and the training options. Build it, set options (set.set / CLI / read_toml), then
/// finish(). Not copyable: the OptionSet refers to the fields.
struct SearchConfig {
  enum class Front { search, sweep, python };
  explicit SearchConfig(Front front);
  SearchConfig(const SearchConfig&) = delete;
  SearchConfig& operator=(const SearchConfig&) = delete;

  Front front;
  ExperimentOptions experiment;
  std::string algo = "rea";          // random | rea | guided
  std::string evaluator = "table";   // table | train | supernet (weight sharing: --supernet FILE)
  std::size_t seeds = 100;
  std::uint64_t seed_base = 0;
  int threads = 0, parallel_runs = 1;
  std::string out, config, resume, grid;
  SearchOptions search;
  GuidedOptions guided;
  FidelityOptions fidelity;          // --fidelities, --eta: multi-fidelity searches (sh, hyperband, asha)
  double time_budget = 0;            // --time-budget: seconds on the executor's clock; 0 = none
  std::string objectives, constraint;  // --objectives COL:max|min,..., --constraint COL<=V,... (parsed into search.mo by finish())
  std::vector<Objective> objective_list;  // --objectives parsed (finish())
  ZeroCostOptions zc;                // --zc-warmup: guided and REA's initial population; zc's pool
  std::string zc_proxies, zc_file;   // --zc-proxies (one, or several voted), --zc-file (a `nas zc` CSV)
  std::string zc_features;           // --zc-features: proxies the guided search's surrogate takes as extra inputs
  std::string zc_dataset = "auto";   // the input shape the proxies' networks are built for
  int zc_batch = 32;
  ExecutorOptions executor;          // kind, mode, workers (cost and pool: executor_options())
  std::string cost_model;
  double mpi_heartbeat = 1.0, mpi_lost_after = 60;  // distributed::MpiOptions (built only with MPI)
#if NAS_STUDY_WITH_TORCH
  predictor::PredictorOptions predictor;
  EnsembleOptions ensemble;          // --ensemble M > 1: M surrogates on bootstrap resamples, an acquisition on mean and spread
  TrainingSettings training;
  /// --evaluator supernet: a `nas oneshot` supernet.pt, BN recalibration batches, validation images
  /// measured (0 = the whole --valid-size part); the split is the training options'.
  std::string supernet;
  int supernet_bn_batches = 10;
  std::size_t supernet_valid_images = 0;
  std::string supernet_metric = "accuracy";  // the signal: accuracy | loss (SupernetEvaluatorOptions::metric)
  int retrain_top = 0;  // the K best cells of each run trained from scratch (study/oneshot.hpp retrain_top)
#endif
  OptionSet options;

  /// Whether the search reads the guided options and needs a surrogate (the registry says).
  bool is_guided() const;
  /// The surrogate's kind (carl, tart, ...) of a guided search; "" for the others.
  std::string model_kind() const;
  /// The surrogate's --device of a guided search; "" for the others.
  std::string model_device() const;
  /// Dependent defaults for the options not given (dataset and columns from the benchmark; budget,
  /// seeds and dedup from the algorithm; training defaults from the space), then checks: options of
  /// another algorithm or evaluator refused by name, every struct validated. Throws OptionError.
  void finish();
  /// Replays `other`'s given options here (a sweep's configurations start from the shared ones).
  void replay(const SearchConfig& other);
  /// The effective options as TOML, headed by the command and the version: config.toml.
  std::string config_toml(const char* command) const;
  /// The options that decide results (the journal key): without threads, output paths, MPI timing.
  std::string results_key() const { return options.to_toml(true); }

 private:
#if NAS_STUDY_WITH_TORCH
  void declare_models();  // the guided, retraining, predictor, ensemble and training options (models.cpp)
#endif
  void finish_fidelities(bool train);  // the multi-fidelity options' defaults and checks
  void finish_zero_cost(bool train);   // the zero-cost options' defaults and checks
  void finish_objectives(bool train);  // --objectives, --constraint: parsed and checked against the algorithm
  /// Typed by the user: an option the run would ignore is a mistake worth refusing. Options read
  /// from a config file (which holds every option) are not; from Python, neither are defaults
  /// passed explicitly (a config.toml replayed as keywords).
  bool changed_by_user(const OptionSet::Option& o) const;
};

/// Where --executor mpi's workers come from: the job's ranks and its pool (the `nas` program under
/// mpirun supplies them; without them --executor mpi is refused).
struct MpiWorkers {
  int ranks = 1;
  std::function<std::shared_ptr<WorkerPool>(double heartbeat_seconds, double lost_after_seconds)> pool;
};

/// The executor of a finished SearchConfig: --cost-model built (column:NAME through
/// `column_cost`, null where there is no table), the MPI pool from `mpi` (its worker count then
/// becomes c's --workers). Throws OptionError.
ExecutorOptions executor_options(SearchConfig& c, const std::function<CostModel(const std::string&)>& column_cost = {}, const MpiWorkers& mpi = {});
/// Whether the run is not the default executor (one local synchronous worker): trajectories then
/// record worker and times.
bool executor_requested(const SearchConfig& c);
#if NAS_STUDY_WITH_TORCH
/// The predictor options of a run; `parallel` runs at once use 1 torch thread each.
predictor::PredictorOptions run_predictor_options(const SearchConfig& c);
/// Makes a run's surrogate over `space` (which must outlive it): the predictor, or with --ensemble
/// M > 1 an EnsembleSurrogate of M of them. Thread-safe (each call builds its own).
/// `features`: per-cell extra inputs of every surrogate it makes (make_cell_scorers' features; null = none).
std::function<std::unique_ptr<Surrogate>()> surrogate_factory(const SearchConfig& c, const SearchSpace& space,
                                                              std::shared_ptr<CellScorer> features = nullptr);
#endif

/// The zero-cost scores c asks for: `ranking` those of --zc-proxies (--algo zc, --zc-warmup),
/// `features` those of --zc-features (the surrogate's extra inputs); each null where its option is
/// empty. Both read one cache: a `nas zc` file's rows (--zc-file) where it has the cell, else
/// computed (a build with LibTorch; the benchmark's network, --zc-dataset's shape, a random batch
/// or the training images of --evaluator train, seed 0: a property of the cell), kept for every
/// run of the process. Throws OptionError / DataError.
struct ZcScorers {
  std::shared_ptr<CellScorer> ranking, features;
};
ZcScorers make_cell_scorers(const SearchConfig& c, const SearchSpace& space);
/// The scores `proxies` (a list as for zc_proxy_names) of a `nas zc` file, read at once; a cell
/// the file lacks throws OptionError when it is asked for. Throws OptionError (an unknown proxy)
/// and DataError (the file: a missing column, an architecture or value that does not parse).
std::shared_ptr<CellScorer> zc_file_scorer(const SearchSpace& space, const std::string& path, const std::string& proxies);
/// The names in a proxy list ("synflow,nwot", "all", "data-free"), checked against the known
/// proxies in a build with LibTorch (throws OptionError).
std::vector<std::string> zc_proxy_names(const std::string& list);
/// The proxies of --zc-proxies, then those of --zc-features not among them.
std::vector<std::string> zc_all_names(const SearchConfig& c);

/// The registry's factory for c.algo over `space` (which must outlive it), with c's options and,
/// for a search that needs one, c's surrogate factory. Throws OptionError (also for a search that
/// needs a model in a build without LibTorch).
SearchFactory make_search_factory(const SearchConfig& c, const SearchSpace& space);
/// The budget c's search spends (guided: the guided options' budget).
std::size_t run_budget(const SearchConfig& c);

/// Refuses a budget larger than an enumerable space (OptionError naming --budget and the size);
/// a multi-fidelity search may evaluate each architecture once per rung (`rungs`).
void check_budget_fits(const SearchSpace& space, std::size_t budget, std::size_t rungs = 1);
/// c's budget fits `space` (check_budget_fits, per rung of a multi-fidelity search); a time-limited
/// run's default budget is not checked (it only caps the run). Throws OptionError.
void check_run_budget(const SearchConfig& c, const SearchSpace& space);
/// The RunOptions c decides (seeds, time budget; the caller adds executor, threads, journal).
RunOptions run_options(const SearchConfig& c, std::vector<std::uint64_t> seeds, Direction direction);

}  // namespace nas::study
