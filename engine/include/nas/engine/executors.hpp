#pragma once
// Executors: drivers that run an ask/tell search to its end, keeping W evaluations in flight.
//   local      W worker threads, each owning its own Evaluator from the factory (an evaluator such
//              as a trainer is not thread-safe); wall-clock times.
//   simulated  a virtual clock for tabular benchmarks: each evaluation takes a simulated duration
//              from a cost model, W simulated workers, results delivered in simulated-time order,
//              no sleeping; deterministic for a seed whatever the thread count.
//   mpi        the workers of a WorkerPool the caller supplies (distributed/: ranks 1..N-1 of an
//              MPI job); wall-clock times. The engine itself knows nothing of MPI.
// Modes: sync (batch-synchronous: ask W, wait for all, tell in ask order: the same trajectory as
// one worker for any W when the search is deterministic) and async (steady state: a freed worker
// gets the next candidate at once, results told in completion order).
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>
#include <string>
#include <string_view>

#include "nas/engine/ask_tell.hpp"
#include "nas/engine/guided.hpp"
#include "nas/engine/search.hpp"

namespace nas {

/// Simulated seconds an evaluation takes. Called once per evaluation, on the driving thread, with
/// a generator seeded from (run seed, candidate id): the same durations for a seed.
using CostModel = std::function<double(const Genome&, const Evaluation&, Rng&)>;

/// "fixed:SECONDS" or "lognormal:MEAN,SIGMA" (log-normal with that mean, and sigma of the log).
/// Other forms (e.g. "column:NAME", which needs a table) are the caller's to build. Throws
/// OptionError naming the value.
CostModel parse_cost_model(std::string_view spec);

class WorkerPool;

struct ExecutorOptions {
  enum class Kind { local, simulated, mpi };
  enum class Mode { sync, async };
  Kind kind = Kind::local;
  Mode mode = Mode::sync;
  /// local and simulated: workers; mpi: the batch of a synchronous run (the pool's size: the same
  /// batches, so the same results, as a local run with as many workers).
  std::size_t workers = 1;
  CostModel cost;  // simulated only; required there
  /// mpi only; required there. Shared by every run of a multi-seed call, so those runs go one
  /// after another (each keeps all the pool's workers busy).
  std::shared_ptr<WorkerPool> pool;
  void validate() const;  // throws OptionError naming the field
};
ExecutorOptions::Kind parse_executor_kind(std::string_view s);  // local | simulated | mpi
ExecutorOptions::Mode parse_executor_mode(std::string_view s);  // sync | async
std::string_view executor_kind_name(ExecutorOptions::Kind k);
std::string_view executor_mode_name(ExecutorOptions::Mode m);

/// What a driven run measured.
struct ExecutionStats {
  double utilisation = 0;  // busy worker-seconds / (workers x makespan)
  double makespan = 0;     // seconds, wall or simulated
  double seconds_training = 0;  // surrogate fits run synchronously by the driver
  double busy = 0;              // worker-seconds spent evaluating (wall or simulated, as makespan)
};

/// Runs `search` to its end and leaves its result in it (take it with take_result(), or
/// GuidedSearch::take_guided_result()). Same contract as execute().
ExecutionStats drive(AskTellSearch& search, const EvaluatorFactory& make_evaluator, std::uint64_t run_seed, const ExecutorOptions& options);

/// Runs `search` to its end. Evaluators come from `make_evaluator(run_seed)`: one per local
/// worker (created on that worker's thread), one in all for the simulated executor. An
/// EvaluationFailed thrown by an evaluator is told as a failure and the run goes on; any other
/// exception stops the run and is rethrown here once the workers have stopped. The result's
/// records carry worker and times; `utilisation` and `makespan` are filled in.
SearchResult execute(AskTellSearch& search, const EvaluatorFactory& make_evaluator, std::uint64_t run_seed,
                     const ExecutorOptions& options);

class Journal;

/// One random/REA search per seed, each driven by `executor`; result i belongs to seeds[i]. Runs
/// go `threads` at a time over seeds (0 = as many as cores, 1 = one after another; a local
/// executor's run already keeps its own W workers busy). `on_done(i)` is serialised. With a
/// journal, each run writes to it and first replays what it holds for its seed (resume; a
/// finished run is only replayed, nothing is evaluated again).
/// `observer(i)`, if given, is called once per run i for that run's observer (not owned; null: none).
using ObserverFactory = std::function<GuidedObserver*(std::size_t run)>;
std::vector<SearchResult> run_searches(const SearchSpace& space, const EvaluatorFactory& make_evaluator, const SearchOptions& options,
                                       const ExecutorOptions& executor, Direction direction, std::span<const std::uint64_t> seeds,
                                       int threads, const std::function<void(std::size_t)>& on_done = {}, Journal* journal = nullptr,
                                       const ObserverFactory& observer = {});

/// One guided search per seed under `executor` (async mode: steady state), one surrogate each
/// from `make_surrogate`; result i belongs to seeds[i]. Seeds, threads and the journal as for
/// run_searches above (a replay repeats the synchronous surrogate fits: deterministic on the CPU).
std::vector<GuidedResult> run_guided_searches(const SearchSpace& space, const EvaluatorFactory& make_evaluator,
                                              const std::function<std::unique_ptr<Surrogate>()>& make_surrogate,
                                              const GuidedOptions& options, const ExecutorOptions& executor, Direction direction,
                                              std::span<const std::uint64_t> seeds, int threads,
                                              const std::function<void(std::size_t)>& on_done = {}, Journal* journal = nullptr,
                                              const ObserverFactory& observer = {});

}  // namespace nas
