#pragma once
// The result writers `nas search`, `nas sweep`, the Python module and embedders share: the run
// folder (config.toml, journal), the per-run output files (trajectories, retrains) and the
// summaries (summary.json's runs, the printed reports).
#include <span>
#include <string>

#include "nas/study/config.hpp"
#include "nas/study/experiment.hpp"
#include "nas/engine/guided.hpp"
#include "nas/engine/journal.hpp"
#include "nas/engine/search.hpp"
#include "nas/engine/summary.hpp"

namespace nas::study {

/// <out>/trajectories/seed_<s>.csv. With `with_costs`, two more columns: train_seconds (0 for a
/// canonical duplicate) and params. With `with_timing`, three more: worker, submitted, finished
/// (executor runs). Records with a fidelity, pruned, objectives or metrics (multi-fidelity and
/// multi-objective searches) add the columns fidelity ("resource:amount" or "full"), pruned,
/// objectives ("v1;v2") and metrics ("name=value;..."); no other run has them. Failed evaluations,
/// if any, go to seed_<s>_failures.csv. RFC 4180 (DARTS and
/// NB101 architecture strings hold commas).
void write_trajectory(const std::string& out, std::uint64_t seed, const SearchResult& r, const SearchSpace& space, bool with_costs = false,
                      bool with_timing = false);
/// Multi-objective and constrained runs (x.objectives set). <out>/pareto/seed_<s>.csv: the run's
/// Pareto front (pareto_front()): query, arch, each objective by name. Thread-safe for distinct seeds.
void write_front(const std::string& out, std::uint64_t seed, const SearchResult& r, const SearchSpace& space, const ObjectiveTable& t);
/// summary.json's "objectives": the objectives, constraints and reference point; the table's
/// feasible front and its hypervolume; per budget (queries) the mean and std over runs of the
/// hypervolume fraction (the front's normalised hypervolume over the table front's) and of the
/// best feasible value of each objective; per run its final fraction and front size. Prints a
/// table of the same on stdout when `print`.
nlohmann::ordered_json objectives_json(std::span<const SearchResult> runs, const ObjectiveTable& t, std::span<const std::size_t> budgets, bool print);
/// <out>/pareto/fronts.svg: every run's front (points) over the table's (a line), first two
/// objectives.
void write_front_plot(const std::string& out, std::span<const SearchResult> runs, const ObjectiveTable& t, const std::string& title);
/// <out>/trajectories/seed_<s>_retrains.csv
void write_retrains(const std::string& out, std::uint64_t seed, const GuidedResult& r);

/// Creates `dir` and opens dir/journal.sqlite keyed on `key` (the options that decide results).
/// Throws OptionError if the journal belongs to a run with other options.
std::unique_ptr<Journal> open_journal(const std::string& key, const std::string& dir, const SearchSpace& space);
/// Creates `out`, writes out/config.toml (every effective option, so the run replays with --config
/// or resumes with --resume out) and opens its journal.
std::unique_ptr<Journal> open_run(const SearchConfig& c, const std::string& out, const SearchSpace& space, const char* command);

/// summary.json's "runs": per seed, why it ended, its incumbent, its figures and resources.
nlohmann::ordered_json runs_json(std::span<const RunSummary> summaries, std::span<const std::uint64_t> seeds);
/// The runs' ends on stdout: each run's report for up to 5 runs, else one line counting the
/// terminations (and the reports of runs that did not spend their budget).
void print_summaries(std::span<const RunSummary> summaries, std::span<const std::uint64_t> seeds);

/// Says on stderr whether the journal makes this a resumed run or a finished one (outputs rebuilt);
/// `detail` is appended to the resume line.
void report_resume(const Journal& journal, std::span<const std::uint64_t> seeds, const char* detail = "");

}  // namespace nas::study
