#pragma once
// The one loop that drives an ask/tell search over a WorkerPool. Internal to the engine: run()
// (run.hpp) is the way in.
#include <cstdint>

#include "nas/engine/ask_tell.hpp"
#include "nas/engine/executors.hpp"
#include "nas/engine/worker_pool.hpp"

namespace nas::detail {

struct DriveStats {
  double utilisation = 0;  // busy worker-seconds / (workers x makespan)
  double makespan = 0;     // seconds, wall or the pool's clock
  double busy = 0;         // worker-seconds spent evaluating
  bool time_budget_reached = false;
};

/// When proposing stops on the executor's clock, and where the clock starts.
struct DriveClock {
  double time_budget = 0;  // 0: no limit
  double offset = 0;       // seconds already on the clock (a resumed run: its journal's last record)
};

/// Runs `search` over `pool` to its end, then settle()s it. sync: asks `batch` at a time, waits
/// for all, tells in ask order; async: keeps the pool's capacity in flight and tells in
/// completion order. Nothing is asked once the clock (offset + the pool's clock, or the wall clock
/// since the start) has passed the time budget. A fatal outcome (or an exception from the search) stops the run: the pool
/// is cancelled and the exception rethrown.
DriveStats drive(AskTellSearch& search, WorkerPool& pool, std::uint64_t seed, ExecutorOptions::Mode mode, std::size_t batch,
                 const DriveClock& clock = {});

}  // namespace nas::detail
