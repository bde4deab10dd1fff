#pragma once
// Evaluations spread over the processes of an MPI job (mpirun, or srun under Slurm): rank 0 runs
// the search and drives an MpiPool; ranks 1..N-1 each build their evaluator once and serve().
// Nothing here knows a search space: jobs carry genome bytes, the run seed and the candidate id.
//
// Idle processes never spin: both sides poll MPI with MPI_Iprobe and sleep between polls (20 µs,
// doubling to 1 ms while nothing arrives), so an idle rank costs a fraction of a percent of a core
// (measured: see the README) and a result is picked up within about a millisecond.
//
// Faults. By default Open MPI ends the whole job when a rank dies; the run's journal then lets
// `mpirun ... nas search --resume DIR` continue with nothing lost. Started with
// `mpirun --enable-recovery`, the job survives a dead rank, but MPI never tells the survivors: a
// busy worker therefore sends a heartbeat every `heartbeat_seconds`, and rank 0 declares a worker
// lost after `lost_after_seconds` without a word, re-queues its candidate on another worker and
// ignores anything the lost rank sends later (so nothing is evaluated twice into the results).
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "nas/engine/search.hpp"
#include "nas/engine/worker_pool.hpp"

namespace nas::distributed {

/// True when this process was started by an MPI launcher (Open MPI's mpirun, or PMI/PMIx as under
/// srun), i.e. when MPI must be initialised. Reads the environment only.
bool launched_by_mpi();

struct MpiOptions {
  double heartbeat_seconds = 1.0;   // a busy worker tells rank 0 it is alive this often
  double lost_after_seconds = 60;   // rank 0 gives a silent busy (or never-started) worker up after this; 0 = never
  void validate() const;            // throws OptionError naming the option
};

/// MPI for this process: MPI_Init_thread (MPI_THREAD_SERIALIZED: one thread at a time calls MPI)
/// in the constructor, MPI_Finalize in the destructor. Errors on MPI_COMM_WORLD are returned, not
/// fatal, so that a dead peer is an error code here rather than an abort. One per process.
///
/// After a peer died (rank 0 gave a worker up; rank 0 tells the workers so when it stops them),
/// Open MPI 4.1's MPI_Finalize can wait forever in its closing fence for the dead process (seen
/// under mpirun --enable-recovery, about one job in three on 2 loaded cores). The destructor then
/// gives MPI_Finalize 10 s and ends the process with the exit code given to set_exit_code(): every
/// result is written by then.
class MpiSession {
 public:
  MpiSession(int& argc, char**& argv);
  ~MpiSession();
  /// The process's exit code, for an exit forced by the watchdog above (default 0). Thread-safe.
  static void set_exit_code(int code) noexcept;
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  const std::string& host() const noexcept { return host_; }

 private:
  int rank_ = 0, size_ = 1;
  std::string host_;
};

/// Rank 0's pool: one worker per rank 1..N-1. Drive it from one thread (the one that created it).
class MpiPool final : public WorkerPool {
 public:
  /// What rank 0 knows about one worker.
  struct Worker {
    int rank = 0;
    std::string host;
    long pid = 0;
    bool ready = false;        // said hello (its evaluator factory is set up)
    bool lost = false;         // declared lost: never sent anything again, its messages ignored
    bool busy = false;
    std::size_t evaluations = 0;
    double comm_cpu_seconds = -1;  // CPU of its MPI thread (polling and messages), from its goodbye (-1: none yet)
    double wall_seconds = -1;
  };

  /// Needs an MpiSession of rank 0 with size >= 2. Does not wait for the workers: they start
  /// taking candidates as their hellos arrive. Throws OptionError on bad options.
  explicit MpiPool(const MpiOptions& options);
  ~MpiPool() override;  // shutdown(); never throws

  std::size_t capacity() const override;  // workers not lost
  void submit(const Candidate& c, std::uint64_t run_seed) override;
  /// Throws std::runtime_error when a worker reports that it could not set up (its message, rank
  /// and host), or when every worker is lost with candidates still to evaluate.
  WorkOutcome collect() override;
  void cancel() override;  // drops queued candidates; running ones are ignored when they come back

  /// Tells every worker still alive to stop and waits (up to a few seconds each) for its goodbye.
  /// Idempotent; never throws.
  void shutdown() noexcept;
  /// A snapshot of the workers (their goodbye figures are filled in after shutdown()).
  const std::vector<Worker>& workers() const noexcept { return workers_; }
  /// Seconds of CPU rank 0's driving thread has used in this pool's calls (messages, polling).
  double master_cpu_seconds() const noexcept { return master_cpu_; }

 private:
  struct Job {
    Candidate candidate;
    std::uint64_t run_seed = 0;
  };
  void progress();  // receives everything waiting, checks deadlines, dispatches the queue
  void handle(int source, int tag, const std::vector<std::uint8_t>& bytes);
  void dispatch();
  void lose(Worker& w, const std::string& why);
  Worker& worker(int rank) { return workers_[static_cast<std::size_t>(rank - 1)]; }

  MpiOptions options_;
  std::vector<Worker> workers_;
  std::vector<Job> running_;  // per worker (index rank-1): its current candidate
  std::vector<std::chrono::steady_clock::time_point> last_heard_;
  std::deque<Job> queue_;
  std::deque<WorkOutcome> done_;
  std::chrono::steady_clock::time_point started_;
  std::vector<std::uint64_t> cancelled_;  // ids whose outcomes are dropped when they arrive
  double master_cpu_ = 0;
  bool shut_down_ = false;
};

/// Ranks >= 1: serves evaluations until rank 0 says stop, then says goodbye. `make_evaluator` is
/// called on the evaluation thread, once per run seed (a new seed replaces the evaluator of the
/// previous run). Returns the exit code for main. An evaluator that throws while being built, or a
/// fatal evaluation error, is reported to rank 0 (which ends the run with that message).
int serve(const EvaluatorFactory& make_evaluator, const MpiOptions& options);

/// Ranks >= 1 whose setup failed before serve() (bad options, data missing on this host): tells
/// rank 0 `error` (rank 0 stops the job with it) and waits for the stop. Returns 1.
int serve_failed(const std::string& error);

/// Rank 0 when it ends without an MpiPool (an error before the search started, or a command that
/// does not use the workers): tells every worker to stop. Idempotent with MpiPool::shutdown.
void release_workers() noexcept;

}  // namespace nas::distributed
