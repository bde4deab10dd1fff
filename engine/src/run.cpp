#include "nas/engine/run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "drive.hpp"
#include "nas/core/errors.hpp"
#include "nas/engine/journal.hpp"
#include "nas/engine/worker_pool.hpp"

namespace nas {
namespace {

using Clock = std::chrono::steady_clock;

/// busy worker-time before the last submission / (workers x that time), from the run's records.
double utilisation_before_drain(const SearchResult& r, std::size_t workers) {
  double last = 0;
  for (const auto& q : r.trajectory) last = std::max(last, q.submitted);
  for (const auto& f : r.failures) last = std::max(last, f.submitted);
  if (!(last > 0)) return 0;
  double busy = 0;
  for (const auto& q : r.trajectory) busy += std::max(0.0, std::min(q.finished, last) - q.submitted);
  for (const auto& f : r.failures) busy += std::max(0.0, std::min(f.finished, last) - f.submitted);
  return busy / (static_cast<double>(workers) * last);
}

/// Drives `search` for one seed under the executor: over a pool of its own (inline, local,
/// simulated) or the shared one (mpi).
detail::DriveStats execute(AskTellSearch& search, const EvaluatorFactory& make_evaluator, std::uint64_t seed, const ExecutorOptions& x,
                           const detail::DriveClock& clock) {
  using Kind = ExecutorOptions::Kind;
  if (x.kind == Kind::mpi) return detail::drive(search, *x.pool, seed, x.mode, x.workers, clock);
  const std::unique_ptr<WorkerPool> pool = x.kind == Kind::inline_ ? make_inline_pool(make_evaluator, seed)
                                           : x.kind == Kind::local ? make_local_pool(make_evaluator, seed, x.workers)
                                                                   : make_simulated_pool(make_evaluator, seed, x.workers, x.cost);
  return detail::drive(search, *pool, seed, x.mode, x.kind == Kind::inline_ ? 1 : x.workers, clock);
}

/// One run: the search made for `seed`, replayed from the journal first when there is one (a
/// finished run is only replayed), driven to its end; its result with the executor's figures.
SearchResult run_one(const SearchSpace& space, const SearchFactory& make_search, const EvaluatorFactory& make_evaluator,
                     const RunOptions& o, std::size_t i) {
  const std::uint64_t seed = o.seeds[i];
  const auto t0 = Clock::now();
  const bool simulated = o.executor.kind == ExecutorOptions::Kind::simulated;
  const SearchContext ctx{space,
                          o.direction,
                          seed,
                          o.observer ? o.observer(i) : nullptr,
                          o.executor.mode == ExecutorOptions::Mode::async,
                          simulated ? TrainerKind::immediate : TrainerKind::in_thread};
  const std::unique_ptr<AskTellSearch> search = make_search(ctx);
  detail::DriveStats st;
  detail::DriveClock clock{o.time_budget, 0};
  if (o.journal) {
    JournaledSearch j(*search, space, *o.journal, seed);
    j.replay();
    // The clock goes on from the last replayed record (a time budget spans the crash).
    for (const auto& q : search->result().trajectory) clock.offset = std::max(clock.offset, q.finished);
    for (const auto& f : search->result().failures) clock.offset = std::max(clock.offset, f.finished);
    st = execute(j, make_evaluator, seed, o.executor, clock);
    o.journal->run_finished(seed);
  } else {
    st = execute(*search, make_evaluator, seed, o.executor, clock);
  }
  SearchResult r = search->take_result();
  r.utilisation = st.utilisation;
  r.utilisation_before_drain = utilisation_before_drain(r, o.executor.workers);
  r.makespan = st.makespan;
  r.time_budget_reached = st.time_budget_reached;
  r.wall_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  // Evaluation time in wall seconds: the workers' (with several, more than the wall share).
  if (!simulated) r.seconds_evaluating = st.busy;
  const double evaluating_share = o.executor.workers == 1 ? r.seconds_evaluating : 0;
  r.seconds_engine = std::max(0.0, r.wall_seconds - r.seconds_scoring - r.seconds_waiting - evaluating_share);
  return r;
}

}  // namespace

void RunOptions::validate() const {
  executor.validate();
  if (seeds.empty()) throw OptionError("seeds: no seed to run");
  if (threads < 0) throw OptionError(fmt::format("--threads: {} is negative", threads));
  if (!(time_budget >= 0) || !std::isfinite(time_budget))
    throw OptionError(fmt::format("--time-budget {}: expected seconds > 0 (or 0 for no limit)", time_budget));
}

std::vector<SearchResult> run(const SearchSpace& space, const SearchFactory& make_search, const EvaluatorFactory& make_evaluator,
                              const RunOptions& options) {
  options.validate();
  if (!make_search) throw OptionError("run: no search factory");
  std::vector<SearchResult> results(options.seeds.size());
  std::mutex done_mutex;
  auto one = [&](std::size_t i) {
    results[i] = run_one(space, make_search, make_evaluator, options, i);
    if (options.on_done) {
      std::lock_guard lock(done_mutex);
      options.on_done(i, results[i]);
    }
  };
  // Runs over one shared pool of workers (mpi) take turns: each keeps all of them busy.
  const int threads = options.executor.kind == ExecutorOptions::Kind::mpi ? 1 : options.threads;
  if (threads == 1 || results.size() == 1) {
    for (std::size_t i = 0; i < results.size(); ++i) one(i);
  } else {
    with_threads(threads, [&] { tbb::parallel_for(std::size_t{0}, results.size(), one); });
  }
  return results;
}

}  // namespace nas
