#pragma once
// What every search shares: options of random search and regularised evolution, the records of a
// run (trajectory, failures, result), observers, evaluator factories, deduplication and the
// parallel child generator. Searches are ask/tell objects (ask_tell.hpp, registry.hpp) run by
// run() (run.hpp). Results depend only on the options and the seed, never on the number of threads.
#include <cstdint>
#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "nas/core/evaluator.hpp"
#include "nas/engine/multi_objective.hpp"
#include "nas/engine/retrain_record.hpp"
#include "nas/core/search_space.hpp"

namespace nas {

enum class Algorithm { random, rea };
Algorithm parse_algorithm(std::string_view name);  // throws OptionError
std::string_view algorithm_name(Algorithm a);

struct SearchOptions {
  Algorithm algorithm = Algorithm::rea;
  /// Number of evaluator queries (the currency of NAS). No architecture is charged twice.
  std::size_t budget = 150;
  std::uint64_t seed = 0;
  /// Regularised evolution: population size P (the first P queries are random) and tournament
  /// size S (parents are the best of S distinct population members drawn uniformly).
  std::size_t population_size = 20;
  std::size_t tournament_size = 5;
  /// Also skip architectures canonically identical to one already evaluated (exact duplicates
  /// are always skipped).
  bool skip_canonical_duplicates = false;
  /// Mutation retries before a duplicate child is replaced by a fresh random architecture.
  std::size_t max_mutation_retries = 50;
  /// Whether an architecture whose evaluation failed may be proposed again.
  bool retry_failed = false;
  /// The run stops after this many failed evaluations (0 = as many as the budget).
  std::size_t max_failures = 0;
  /// Several objectives and constraints (multi_objective.hpp); empty: the signal alone. REA then
  /// selects and keeps its population by constrained non-dominated rank and crowding (NSGA-II).
  MultiObjective mo;
  /// Throws OptionError naming the offending field.
  void validate() const;
};

/// One evaluator query and the incumbent after it. The incumbent is the architecture with the
/// best signal so far; best_reported is *its* reported value (the NAS protocol). In a
/// multi-fidelity run only full-fidelity results count, and both are NaN before the first one.
struct QueryRecord {
  std::size_t query = 0;  // 1-based
  Genome arch;
  double signal = 0, reported = 0;
  double best_signal = 0, best_reported = 0;
  double cost_seconds = 0;       // the evaluation's own cost (a training's seconds), 0 for tables
  std::int64_t parameters = 0;   // the evaluated network's parameter count, 0 if unknown
  // Set by executors: which worker evaluated it, when it was submitted and when it finished
  // (seconds since the run started: wall time, or simulated time for the simulated executor).
  int worker = -1;
  double submitted = 0, finished = 0;
  // Multi-fidelity and multi-objective runs (empty, unset and false for the others).
  std::optional<Fidelity> fidelity;  // the request's; unset: a full evaluation
  bool pruned = false;               // stopped early by the search
  std::vector<double> objectives;    // every declared objective's value (multi-objective runs)
  std::vector<std::pair<std::string, double>> metrics;
  /// How far the result breaks the run's constraints (MultiObjective::violation); 0 = feasible.
  /// An infeasible result never becomes the incumbent.
  double violation = 0;
};

/// An evaluation that failed (see EvaluationFailed); it is not charged to the budget.
struct FailureRecord {
  std::uint64_t candidate = 0;
  Genome arch;
  FailureKind kind = FailureKind::error;
  std::string reason;
  int worker = -1;
  double submitted = 0, finished = 0;
};

struct SearchResult {
  std::vector<QueryRecord> trajectory;
  std::vector<FailureRecord> failures;
  /// Executors: busy worker-seconds / (workers x makespan), and the makespan (wall or simulated).
  double utilisation = 0, makespan = 0;
  /// The same up to the last submission (busy worker-time before it / (workers x its time)): how
  /// well the scheduler kept the workers busy while there was work to hand out, without the drain
  /// of the last evaluations that any schedule pays at the end of a run.
  double utilisation_before_drain = 0;
  double wall_seconds = 0;
  bool stopped_by_observer = false;
  bool space_exhausted = false;
  bool too_many_failures = false;  // stopped after SearchOptions::max_failures failed evaluations
  bool time_budget_reached = false;  // RunOptions::time_budget passed: nothing more was proposed
  // Searches with a model (guided); empty or zero for the others.
  std::vector<RetrainRecord> retrains;
  double seconds_training = 0;    // fitting the model (on the search thread, or in the background)
  double seconds_waiting = 0;     // of those, the fits the search waited for (not overlapped with evaluations)
  double seconds_scoring = 0;     // scoring candidates with the model
  double seconds_evaluating = 0;  // inside Evaluator::evaluate
  double seconds_engine = 0;      // everything else on the search thread
  std::size_t candidates_scored = 0;
  std::string device;             // where the model ran ("cpu", "cuda:0"); empty without one
  /// Best reported value after `queries` queries (the last record at or before it).
  double best_reported_at(std::size_t queries) const;
  /// The final incumbent's record: the one that made the final best signal the best (the earliest
  /// with it; a full-fidelity one). Null with no records, or no full-fidelity result. Reads only.
  const QueryRecord* incumbent() const;
  std::string brief() const;
};

/// The result of every search; guided searches fill in the model's part (the name is kept for
/// readers of earlier versions).
using GuidedResult = SearchResult;

/// Hooks on a running search. Called on the search's own thread.
class SearchObserver {
 public:
  virtual ~SearchObserver() = default;
  /// After each query; return false to stop the run.
  virtual bool on_evaluation(const QueryRecord&) { return true; }
};

/// Makes one run's evaluator, given the run's seed (a noisy benchmark draws from it). Accepts
/// callables taking the seed, or taking nothing.
class EvaluatorFactory {
 public:
  template <class F>
    requires std::invocable<F&, std::uint64_t>
  EvaluatorFactory(F f) : f_(std::move(f)) {}  // NOLINT: implicit by design
  template <class F>
    requires(std::invocable<F&> && !std::invocable<F&, std::uint64_t>)
  EvaluatorFactory(F f) : f_([f = std::move(f)](std::uint64_t) mutable -> std::unique_ptr<Evaluator> { return f(); }) {}  // NOLINT
  std::unique_ptr<Evaluator> operator()(std::uint64_t run_seed) const { return f_(run_seed); }

 private:
  std::function<std::unique_ptr<Evaluator>(std::uint64_t)> f_;
};

/// The set of architectures already evaluated, by exact genome and by canonical hash.
class EvaluatedSet {
 public:
  explicit EvaluatedSet(bool canonical) : canonical_(canonical) {}
  /// Whether g (or, if canonical, an architecture identical to it) was evaluated.
  bool contains(const Genome& g, const ArchitectureHash& h) const;
  void insert(const Genome& g, const ArchitectureHash& h);
  /// Forgets g (and its class): it may be proposed again.
  void erase(const Genome& g, const ArchitectureHash& h);
  std::size_t size() const noexcept { return exact_.size(); }
  bool canonical() const noexcept { return canonical_; }

 private:
  bool canonical_;
  std::unordered_set<Genome, GenomeHasher> exact_;
  std::unordered_set<ArchitectureHash, ArchitectureHashHasher> classes_;
};

/// Children of `parents`, `per_parent` each, generated in parallel (oneTBB) with per-child seeds
/// derived from (seed, parent index, child index); then deduplicated in index order against
/// `seen` and among themselves, so the output is the same for any thread count.
/// If `hashes` is given it receives the canonical hash of each returned child; if `parent_of` is
/// given, the index (in `parents`) of the parent each returned child came from.
std::vector<Genome> generate_children(const SearchSpace& space, std::span<const Genome> parents,
                                      std::size_t per_parent, std::uint64_t seed, const EvaluatedSet& seen,
                                      std::vector<ArchitectureHash>* hashes = nullptr,
                                      std::vector<std::size_t>* parent_of = nullptr);

}  // namespace nas
