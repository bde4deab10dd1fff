#pragma once
// Shared wiring for subcommands: which space, which table, which columns.
#include <memory>
#include <string>

#include "nas/datasets/registry.hpp"
#include "nas/study/config.hpp"
#include "nas/engine/executors.hpp"
#include "nas/mutation/spaces.hpp"

namespace nas::study {

/// --data-dir, else $NAS_DATA_DIR, else ../shared/datasets from the working directory, else the
/// one beside the source checkout this binary was built from.
std::string data_dir(const ExperimentOptions& x);

/// A loaded benchmark (datasets/registry.hpp) and how to evaluate on it.
struct Experiment : datasets::LoadedBenchmark {
  std::string signal_name() const { return table->columns()[signal_column]; }
  std::string reported_name() const { return table->columns()[reported_column]; }
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
