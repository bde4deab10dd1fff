#pragma once
// Where evaluations run under a wall-clock executor. The engine drives a WorkerPool (submit
// candidates, collect outcomes in any order) and never knows whether the workers are threads of
// this process (LocalPool) or other processes (the MPI pool of distributed/). Keeping the pool
// behind this interface is what makes a synchronous run give the same results on every pool.
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "nas/core/evaluator.hpp"
#include "nas/engine/ask_tell.hpp"
#include "nas/engine/executors.hpp"

namespace nas {

/// What a worker reports for one candidate: a result, a survivable failure (the run goes on) or a
/// fatal error (an exception that is not EvaluationFailed; it ends the run).
struct WorkOutcome {
  Candidate candidate;
  bool ok = false;
  Evaluation evaluation;
  FailureKind kind = FailureKind::error;
  std::string reason;
  std::exception_ptr fatal;
  int worker = -1;  // the pool's worker index (local: thread 0..W-1; MPI: the rank)
  std::chrono::steady_clock::time_point finished;  // wall-clock pools
  double finished_at = -1;  // pools with a clock of their own (clock()): seconds on it
};

/// Evaluates `out.candidate` with `ev` and sorts what happens into `out`. Never throws.
void evaluate_into(Evaluator& ev, WorkOutcome& out) noexcept;

class WorkerPool {
 public:
  virtual ~WorkerPool() = default;
  /// Evaluations that can run at once now (workers alive). Driving thread only.
  virtual std::size_t capacity() const = 0;
  /// Queues candidate `c` of the run seeded `run_seed` for the next free worker. Never blocks.
  virtual void submit(const Candidate& c, std::uint64_t run_seed) = 0;
  /// Blocks until one submitted candidate's outcome is back and returns it. Throws (e.g. when no
  /// worker is left to evaluate what was submitted); never returns an outcome twice.
  virtual WorkOutcome collect() = 0;
  /// Abandons what was submitted and not collected (after a fatal error): queued candidates are
  /// dropped; evaluations already running finish, or not, on their own; later collects of them
  /// must not be made. Default: nothing.
  virtual void cancel() {}
  /// A pool with a clock of its own (simulated time) returns its time now, in seconds, and sets
  /// WorkOutcome::finished_at; wall-clock pools return nullopt (the driver reads the wall clock).
  virtual std::optional<double> clock() const { return std::nullopt; }
};

/// `workers` threads of this process, each owning an evaluator from `make_evaluator(run_seed)`
/// (built on that thread, once, the first time it evaluates). An evaluator that throws while
/// being built is reported as a fatal outcome of its first candidate. Not thread-safe: drive it
/// from one thread. The destructor stops and joins the threads (it waits for running evaluations).
std::unique_ptr<WorkerPool> make_local_pool(const EvaluatorFactory& make_evaluator, std::uint64_t run_seed, std::size_t workers);

/// Evaluates on the driving thread, inside submit(), one evaluator from `make_evaluator(run_seed)`
/// (built on the first submit); outcomes are collected in submission order. Capacity 1.
std::unique_ptr<WorkerPool> make_inline_pool(const EvaluatorFactory& make_evaluator, std::uint64_t run_seed);

/// `workers` simulated workers on a virtual clock (clock()): an evaluation runs at submission
/// (one evaluator from `make_evaluator(run_seed)`, on the driving thread) and takes `cost`'s
/// simulated seconds, drawn with a generator seeded from (run seed, candidate id), on the lowest
/// free worker; collect() returns the outcome that finishes first (ties: the lower candidate id)
/// and moves the clock to its end. Deterministic for a seed. Throws OptionError from submit() for
/// a duration that is not finite and >= 0.
std::unique_ptr<WorkerPool> make_simulated_pool(const EvaluatorFactory& make_evaluator, std::uint64_t run_seed, std::size_t workers,
                                                CostModel cost);

}  // namespace nas
