#pragma once
// Shared wiring for subcommands: which space, which table, which columns.
#include <memory>
#include <string>

#include "nas/datasets/registry.hpp"
#include "nas/study/config.hpp"
#include "nas/engine/executors.hpp"
#include "nas/engine/multi_objective.hpp"
#include "nas/mutation/spaces.hpp"

namespace nas::study {

/// --data-dir, else $NAS_DATA_DIR, else ../shared/datasets from the working directory, else the
/// one beside the source checkout this binary was built from.
std::string data_dir(const ExperimentOptions& x);

/// A run's objectives and constraints (--objectives, --constraint) resolved on a loaded table:
/// what each reads and its value on every row (a table column, or a metric the space derives).
struct ObjectiveTable {
  MultiObjective mo;
  std::vector<std::string> objective_names, constraint_names;  // as given
  std::vector<std::string> objective_sources;                  // what each objective reads, for reports
  std::vector<std::vector<double>> objective_values, constraint_values;  // [k][table row]
  /// Per objective, the best and worst value over the whole table: the hypervolume's scale and
  /// reference point (normalised: 1 = best, 0 = worst, reference -0.1).
  HypervolumeReference reference;
  std::vector<std::size_t> front;  // table rows: the Pareto front of the feasible rows
  double front_hypervolume = 0;    // its normalised hypervolume: what a search's is a fraction of
  std::size_t feasible_rows = 0;
  /// The objective values of row r, in declared order.
  std::vector<double> point(std::size_t row) const;
};

/// A loaded benchmark (datasets/registry.hpp) and how to evaluate on it.
struct Experiment : datasets::LoadedBenchmark {
  std::string signal_name() const { return table->columns()[signal_column]; }
  std::string reported_name() const { return table->columns()[reported_column]; }
  /// --objectives / --constraint, resolved (attach_objectives); null: one objective, the signal.
  /// With it every evaluator reports the objectives (Evaluation::objectives) and the objectives'
  /// and constraints' values (Evaluation::metrics).
  std::shared_ptr<const ObjectiveTable> objectives;
  /// --eval-delay-ms: every lookup also sleeps this long (crash tests, executor demos).
  int eval_delay_ms = 0;
  /// One run's evaluator; `run_seed` drives the noisy mode's draws.
  std::unique_ptr<Evaluator> evaluator(std::uint64_t run_seed = 0) const;
  /// --cost-model column:NAME: each evaluation takes the architecture's value in that table column
  /// (seconds). Throws OptionError for an unknown column. The model refers to this Experiment.
  CostModel column_cost(const std::string& name) const;
};

/// Loads the benchmark through the registry. Throws OptionError / DataError.
Experiment load_experiment(const ExperimentOptions& x);
/// The value of a metric `name` on every row of x's table: a table column by its name, a short
/// name of the benchmark's (nb201: test_200ep, ...), or a metric the space derives (nb201: params
/// and flops of the benchmark network for x's dataset; accel: params and flops, its params_M and
/// macs_M in units). `source` receives what it reads. Throws OptionError naming `option`, the
/// name, and what the table offers.
std::vector<double> metric_values(const Experiment& x, const std::string& name, const char* option, std::string* source = nullptr);
/// Resolves c's --objectives and --constraint on x's table (x.objectives; the first objective
/// becomes the signal and sets the direction). Refuses, naming the item: an unknown column, a
/// constraint no row meets. Nothing to do when c has neither. Throws OptionError.
void attach_objectives(Experiment& x, const SearchConfig& c);
/// load_experiment(c.experiment), then attach_objectives.
Experiment load_experiment(const SearchConfig& c);
/// Checks, once the table is loaded, what finish() could not: the run's rungs (c.fidelity) are
/// fidelities the loaded table declares with this request (nb201: only with a 200-epoch signal),
/// a per-epoch cost model has a table that says epochs, and the budget fits the space (per rung).
/// Throws OptionError.
void check_run_fits(const SearchConfig& c, const Experiment& x);

/// Writes `text` to `path`, creating parent folders, through a temporary file renamed over it: a
/// process killed meanwhile leaves the old content or the new, never a part. Throws with the path
/// on failure. Thread-safe for distinct paths.
void write_file(const std::string& path, const std::string& text);

}  // namespace nas::study
