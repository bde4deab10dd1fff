#pragma once
// Executors: how run() (run.hpp) evaluates a search's candidates, keeping W evaluations in flight.
// Every executor is a WorkerPool (worker_pool.hpp) driven by one loop:
//   inline     on the driving thread, one at a time (no threads; the reference loop)
//   local      W worker threads, each owning its own Evaluator from the factory (an evaluator such
//              as a trainer is not thread-safe); wall-clock times.
//   simulated  a virtual clock for tabular benchmarks (SimulatedPool): each evaluation takes a
//              simulated duration from a cost model, W simulated workers, results delivered in
//              simulated-time order, no sleeping; deterministic for a seed whatever the thread count.
//   mpi        any WorkerPool the caller supplies (distributed/: ranks 1..N-1 of an MPI job);
//              wall-clock times. The engine itself knows nothing of MPI.
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
#include "nas/engine/search.hpp"

namespace nas {

/// Simulated seconds an evaluation takes. Called once per evaluation, on the driving thread, with
/// a generator seeded from (run seed, candidate id): the same durations for a seed.
using CostModel = std::function<double(const Genome&, const Evaluation&, Rng&)>;

/// "fixed:SECONDS", "lognormal:MEAN,SIGMA" (log-normal with that mean, and sigma of the log), or
/// "epochs:S[,SIGMA]": an evaluation that spent f epochs (Evaluation::spent) takes f x S seconds,
/// times a log-normal factor of mean 1 fixed by the cell when SIGMA is given (the model throws
/// OptionError for an evaluation that does not say what it spent). Other forms (e.g. "column:NAME", which needs a table) are the caller's to build. Throws
/// OptionError naming the value.
CostModel parse_cost_model(std::string_view spec);

class WorkerPool;

struct ExecutorOptions {
  enum class Kind { inline_, local, simulated, mpi };
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
ExecutorOptions::Kind parse_executor_kind(std::string_view s);  // inline | local | simulated | mpi
ExecutorOptions::Mode parse_executor_mode(std::string_view s);  // sync | async
std::string_view executor_kind_name(ExecutorOptions::Kind k);
std::string_view executor_mode_name(ExecutorOptions::Mode m);

}  // namespace nas
