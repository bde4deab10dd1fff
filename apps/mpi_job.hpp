#pragma once
// The `nas` process's place in an MPI job (mpirun / srun): rank 0 runs the command and drives the
// workers through --executor mpi; ranks >= 1 set up the same evaluator from the same options and
// serve evaluations. Without MPI (not launched by mpirun, or built without it) everything here is
// inert and --executor mpi is refused with a clear message.
#include <memory>
#include <string>

#include "nas/engine/search.hpp"
#include "nas/engine/worker_pool.hpp"

namespace nas::app::mpi {

/// Initialises MPI when this process was started by an MPI launcher (built with MPI); finalises it
/// at the end of main, after telling any worker still waiting to stop. One, in main.
class Job {
 public:
  Job(int& argc, char**& argv);
  ~Job();
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;
};

/// The exit code main returns; the code of the exit that ends a process whose MPI_Finalize hangs
/// after a worker was lost (distributed::MpiSession). No effect without MPI.
void set_exit_code(int code);
/// True on ranks >= 1 of an MPI job of 2 or more ranks: the command sets up its evaluator and
/// calls serve() instead of searching.
bool is_worker();
/// Ranks in the job (1 without MPI).
int ranks();

/// Rank 0: the pool of ranks 1..N-1, created on first use with --mpi-heartbeat / --mpi-lost-after.
/// Throws OptionError when this process is not rank 0 of an MPI job of >= 2 ranks, or when nas
/// was built without MPI.
std::shared_ptr<WorkerPool> pool(double heartbeat_seconds, double lost_after_seconds);
/// Ranks >= 1: evaluates what rank 0 sends until it says stop; returns the exit code.
int serve(double heartbeat_seconds, double lost_after_seconds, const EvaluatorFactory& make_evaluator);
/// Ranks >= 1 whose setup failed: tells rank 0 `error` (it ends the job with it); returns 1.
int fail(const std::string& error);
/// Rank 0: stops the workers (waiting for their goodbyes) and returns a JSON array describing
/// them (rank, host, pid, evaluations, lost, CPU of their MPI thread); "[]" without MPI.
/// With `print`, also one line per worker to stderr. Idempotent.
std::string finish(bool print = true);

/// Rank 0: CPU seconds its driving thread spent in the pool (sending, receiving, polling); 0
/// without a pool.
double master_cpu_seconds();

}  // namespace nas::app::mpi
