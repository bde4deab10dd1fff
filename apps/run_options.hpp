#pragma once
// Command-line options shared by `nas search` and `nas sweep`, and the per-run output files.
#include <initializer_list>
#include <span>
#include <set>
#include <string>

#include "cli.hpp"
#include "nas/engine/executors.hpp"
#include "nas/engine/guided.hpp"
#include "nas/engine/journal.hpp"
#include "nas/engine/search.hpp"
#include "nas/predictor/factory.hpp"

namespace nas::app {

/// Option and flag names understood by search_options / guided_options / predictor_options.
std::set<std::string> run_option_names();
std::set<std::string> run_flag_names();
/// Refuses options that the chosen --algo would ignore (guided-only options with random or REA;
/// --population / --tournament with random): OptionError naming the option. `nas search` only (a
/// sweep shares options across configurations of several algorithms).
void check_algorithm_options(const cli::Args& args);
/// Refuses a budget larger than an enumerable space (OptionError naming --budget and the size).
void check_budget_fits(const SearchSpace& space, std::size_t budget);
/// The help text for those options.
const char* run_options_help();

/// The arguments of a command that runs searches (`nas search`, `nas sweep`): the run, experiment
/// and seed/thread/output options plus `extra`, with --config FILE merged in (the command line wins).
cli::Args run_command_args(int argc, char** argv, std::initializer_list<const char*> extra = {});

SearchOptions search_options(const cli::Args& args);
/// Whether any of --executor, --workers, --mode, --cost-model was given.
bool executor_requested(const cli::Args& args);
/// --executor, --mode, --workers, --cost-model; `column_cost` builds the model of "column:NAME"
/// (null where there is no table). Throws OptionError naming the option.
ExecutorOptions executor_options(const cli::Args& args, const std::function<CostModel(const std::string&)>& column_cost = {});
GuidedOptions guided_options(const cli::Args& args);
/// `torch_threads` overrides --torch-threads when > 0 (parallel runs use 1 each).
predictor::PredictorOptions predictor_options(const cli::Args& args, int torch_threads = 0);

/// <out>/trajectories/seed_<s>.csv (and, for guided runs, seed_<s>_retrains.csv).
/// `text` as one CSV field (RFC 4180: quoted when it holds a comma, quote or line break). DARTS
/// and NB101 architecture strings hold commas.
std::string csv_field(const std::string& text);
/// With `with_costs`, two more columns: train_seconds (0 for a canonical duplicate) and params.
/// With `with_timing`, three more: worker, submitted, finished (executor runs). Failed evaluations,
/// if any, go to seed_<s>_failures.csv.
void write_trajectory(const std::string& out, std::uint64_t seed, const SearchResult& r, const SearchSpace& space, bool with_costs = false,
                      bool with_timing = false);
/// Creates `out`, writes out/config.toml (the effective options, so the run can be resumed with
/// --resume out) and opens out/journal.sqlite keyed on the options that decide the results.
/// Throws OptionError if the journal belongs to a run with other options.
/// <dir>/journal.sqlite keyed on `toml` (options as TOML lines) less the options that do not
/// change results (threads, parallel-runs, config, resume, out) and `also_neutral`.
std::unique_ptr<Journal> open_journal(const std::string& toml, const std::string& dir, const SearchSpace& space,
                                      std::initializer_list<const char*> also_neutral);
std::unique_ptr<Journal> open_run(const cli::Args& args, const std::string& out, const SearchSpace& space, const char* command);

/// Says on stderr whether the journal makes this a resumed run or a finished one (outputs rebuilt);
/// `detail` is appended to the resume line.
void report_resume(const Journal& journal, std::span<const std::uint64_t> seeds, const char* detail = "");

void write_retrains(const std::string& out, std::uint64_t seed, const GuidedResult& r);

}  // namespace nas::app
