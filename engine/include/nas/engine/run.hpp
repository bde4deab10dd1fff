#pragma once
// One way to run searches: run(space, search factory, evaluator factory, options) runs one
// search per seed under an executor and returns the per-seed results. The CLI, sweeps, the Python
// module, the MPI job and embedders all call it; any ask/tell search (registry.hpp) runs on any
// executor (inline, local threads, simulated clock, any WorkerPool such as MPI's), with or without
// a journal, with observers.
//
// Results depend only on the options and the seed, never on the thread count (asynchronous modes
// on a wall clock depend on timing by nature, but never lose or repeat a result).
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "nas/engine/ask_tell.hpp"
#include "nas/engine/executors.hpp"
#include "nas/engine/search.hpp"

namespace nas {

class Journal;

/// What a search factory is told about one run.
struct SearchContext {
  const SearchSpace& space;
  Direction direction = Direction::maximise;
  std::uint64_t seed = 0;
  SearchObserver* observer = nullptr;  // not owned; may be null
  /// The executor keeps results in flight and asks whenever a worker is free (async mode): a
  /// search that plans in iterations plans the next one without waiting for the last.
  bool steady_state = false;
  TrainerKind trainer = TrainerKind::in_thread;
};

/// Makes one run's search (called once per seed, on the thread that drives it). Throws
/// OptionError for invalid options.
using SearchFactory = std::function<std::unique_ptr<AskTellSearch>(const SearchContext&)>;
/// A run's observer (not owned; null: none), called once per run with its index.
using ObserverFactory = std::function<SearchObserver*(std::size_t run)>;

struct RunOptions {
  ExecutorOptions executor;             // kind, mode, workers, cost model, pool
  std::vector<std::uint64_t> seeds{0};  // one run per seed; result i belongs to seeds[i]
  Direction direction = Direction::maximise;
  /// Runs at once over seeds (0 = as many as cores; 1 = one after another). Runs over a shared
  /// WorkerPool (mpi) always take turns.
  int threads = 1;
  /// Seconds on the executor's clock (simulated time on the simulated executor, wall time
  /// elsewhere) after which nothing more is proposed; evaluations in flight still finish and are
  /// told. 0: no limit. A resumed run's clock goes on from its journal's last record.
  double time_budget = 0;
  /// With a journal, each run writes to it and first replays what it holds for its seed (resume;
  /// a finished run is only replayed, nothing is evaluated again). Not owned.
  Journal* journal = nullptr;
  ObserverFactory observer;
  /// After run i finishes, with its result (any thread, serialised): e.g. to save it at once.
  std::function<void(std::size_t, const SearchResult&)> on_done;
  void validate() const;  // throws OptionError naming the field
};

/// Runs one search per seed to its end. Evaluators come from `make_evaluator(seed)`: one per
/// local worker (created on its thread), one in all for the inline and simulated executors. An
/// EvaluationFailed thrown by an evaluator is told as a failure and the run goes on; any other
/// exception stops the run and is rethrown here once its workers have stopped. Records carry
/// worker and times; utilisation, makespan and the time split are filled in.
/// Throws OptionError for invalid options (before any run starts).
std::vector<SearchResult> run(const SearchSpace& space, const SearchFactory& make_search, const EvaluatorFactory& make_evaluator,
                              const RunOptions& options);

/// Runs `fn` inside a oneTBB arena of `threads` threads (0 = all cores).
void with_threads(int threads, const std::function<void()>& fn);

}  // namespace nas
