#include "nas/engine/executors.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <numbers>
#include <queue>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "nas/engine/guided.hpp"
#include "nas/engine/journal.hpp"
#include "nas/engine/worker_pool.hpp"
#include "nas/core/errors.hpp"

namespace nas {

void evaluate_into(Evaluator& ev, WorkOutcome& out) noexcept {
  try {
    out.evaluation = ev.evaluate(out.candidate.arch);
    out.ok = true;
  } catch (const EvaluationFailed& e) {
    out.kind = e.kind();
    out.reason = e.what();
  } catch (...) {
    out.fatal = std::current_exception();
  }
}

namespace {
using Clock = std::chrono::steady_clock;

double parse_number(std::string_view spec, std::string_view text) {
  try {
    std::size_t pos = 0;
    const double v = std::stod(std::string(text), &pos);
    if (pos == text.size() && std::isfinite(v)) return v;
  } catch (...) {
  }
  throw OptionError(fmt::format("--cost-model {}: '{}' is not a number", spec, text));
}

using Outcome = WorkOutcome;

/// Tells `search` an outcome; returns the fatal exception if there is one (and stops the search).
std::exception_ptr tell(AskTellSearch& search, const Outcome& o, const EvaluationInfo& info) {
  if (o.fatal) {
    search.stop();
    return o.fatal;
  }
  if (o.ok) search.tell(o.candidate.id, o.evaluation, info);
  else search.tell_failure(o.candidate.id, o.kind, o.reason, info);
  return nullptr;
}

ExecutionStats stats(double busy, double makespan, std::size_t workers, double training) {
  return {makespan > 0 ? busy / (static_cast<double>(workers) * makespan) : 0, makespan, training, busy};
}

/// W threads of this process, each with its own evaluator (built on its thread: a trainer is
/// neither thread-safe nor cheap to move).
class LocalPool final : public WorkerPool {
 public:
  LocalPool(const EvaluatorFactory& make_evaluator, std::uint64_t seed, std::size_t workers) : workers_(workers) {
    threads_.reserve(workers);
    for (std::size_t w = 0; w < workers; ++w)
      threads_.emplace_back([this, &make_evaluator, seed, w] { work(make_evaluator, seed, static_cast<int>(w)); });
  }
  ~LocalPool() override {
    {
      std::lock_guard lock(m_);
      closing_ = true;
      jobs_.clear();
    }
    job_ready_.notify_all();
    for (auto& t : threads_) t.join();
  }
  std::size_t capacity() const override { return workers_; }
  void submit(const Candidate& c, std::uint64_t) override {
    {
      std::lock_guard lock(m_);
      jobs_.push_back(c);
    }
    job_ready_.notify_one();  // one worker per job, no thundering herd
  }
  Outcome collect() override {
    std::unique_lock lock(m_);
    outcome_ready_.wait(lock, [&] { return !outcomes_.empty(); });
    Outcome out = std::move(outcomes_.front());
    outcomes_.pop_front();
    return out;
  }
  void cancel() override {
    std::lock_guard lock(m_);
    jobs_.clear();
  }

 private:
  void work(const EvaluatorFactory& make_evaluator, std::uint64_t seed, int w) {
    std::unique_ptr<Evaluator> ev;
    std::exception_ptr init_error;
    try {
      ev = make_evaluator(seed);
    } catch (...) {
      init_error = std::current_exception();
    }
    for (;;) {
      Outcome job;
      {
        std::unique_lock lock(m_);
        job_ready_.wait(lock, [&] { return closing_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job.candidate = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job.worker = w;
      if (init_error) job.fatal = init_error;
      else evaluate_into(*ev, job);
      job.finished = Clock::now();
      {
        std::lock_guard lock(m_);
        outcomes_.push_back(std::move(job));
      }
      outcome_ready_.notify_one();
    }
  }

  std::size_t workers_;
  std::mutex m_;
  std::condition_variable job_ready_, outcome_ready_;
  std::deque<Candidate> jobs_;
  std::deque<Outcome> outcomes_;
  bool closing_ = false;
  std::vector<std::thread> threads_;
};

/// Drives `search` over `pool` (wall clock): sync asks `batch` at a time and tells in ask order,
/// async keeps the pool's capacity in flight and tells in completion order.
ExecutionStats run_pool(AskTellSearch& search, WorkerPool& pool, std::uint64_t seed, ExecutorOptions::Mode mode, std::size_t batch) {
  const auto t0 = Clock::now();
  auto since_start = [&](Clock::time_point t) { return std::chrono::duration<double>(t - t0).count(); };
  std::unordered_map<std::uint64_t, double> submitted;  // candidate id -> seconds since start
  std::size_t in_flight = 0;
  double busy = 0;
  std::exception_ptr fatal;
  RetrainRunner retrainer;
  auto submit = [&](std::size_t n) {
    const auto cs = retrainer.ask(search, n, in_flight == 0);
    const double t = since_start(Clock::now());
    for (const auto& c : cs) {
      submitted[c.id] = t;
      pool.submit(c, seed);
    }
    in_flight += cs.size();
    return cs.size();
  };
  // One outcome and when it ran (submitted: when the driver handed it to the pool).
  auto collect = [&] {
    Outcome out = pool.collect();
    --in_flight;
    const auto it = submitted.find(out.candidate.id);
    EvaluationInfo info{out.worker, it->second, since_start(out.finished)};
    submitted.erase(it);
    busy += info.finished - info.submitted;
    return std::pair{std::move(out), info};
  };
  try {
    if (mode == ExecutorOptions::Mode::sync) {
      while (!fatal) {
        const std::size_t n = submit(batch);
        if (n == 0) break;
        std::vector<std::pair<Outcome, EvaluationInfo>> results;
        for (std::size_t i = 0; i < n; ++i) results.push_back(collect());
        // Told in ask order (ids grow in ask order), whatever order the workers finished in.
        std::sort(results.begin(), results.end(), [](const auto& a, const auto& b) { return a.first.candidate.id < b.first.candidate.id; });
        for (const auto& [out, info] : results)
          if (auto f = tell(search, out, info); f && !fatal) fatal = f;
      }
    } else {
      submit(pool.capacity());
      while (in_flight > 0) {
        const auto [out, info] = collect();
        if (auto f = tell(search, out, info); f && !fatal) fatal = f;
        // A pool that lost workers has less capacity than is in flight: their candidates wait in its queue.
        if (!fatal && pool.capacity() > in_flight) submit(pool.capacity() - in_flight);
      }
    }
  } catch (...) {
    if (!fatal) fatal = std::current_exception();
  }
  if (fatal) pool.cancel();
  if (!fatal) {
    try {
      retrainer.poll(search, true);
    } catch (...) {
      fatal = std::current_exception();
    }
  }
  if (fatal) std::rethrow_exception(fatal);
  return stats(busy, since_start(Clock::now()), std::max<std::size_t>(1, pool.capacity()), retrainer.seconds_training());
}

ExecutionStats run_simulated(AskTellSearch& search, const EvaluatorFactory& make_evaluator, std::uint64_t seed, const ExecutorOptions& o) {
  auto ev = make_evaluator(seed);
  double now = 0, busy = 0;
  RetrainRunner retrainer(/*synchronous_only=*/true);  // retrains take no simulated time
  auto ask = [&](std::size_t n) { return retrainer.ask(search, n, false); };
  // The evaluation itself happens at submission (a table lookup takes no simulated time); its
  // outcome is delivered when its simulated duration has passed.
  using Event = std::pair<Outcome, EvaluationInfo>;
  auto start = [&](const Candidate& c, int worker) -> Event {
    Outcome out;
    out.candidate = c;
    evaluate_into(*ev, out);
    if (out.fatal) std::rethrow_exception(out.fatal);
    Rng rng(derive_seed(seed, c.id, 0xC057));
    const double d = o.cost(c.arch, out.ok ? out.evaluation : Evaluation{}, rng);
    if (!(d >= 0) || !std::isfinite(d))
      throw OptionError(fmt::format("cost model: {} simulated seconds for candidate {}; expected a finite value >= 0", d, c.id));
    out.worker = worker;
    busy += d;
    return {std::move(out), EvaluationInfo{worker, now, now + d}};
  };
  if (o.mode == ExecutorOptions::Mode::sync) {
    for (;;) {
      const auto cs = ask(o.workers);
      if (cs.empty()) break;
      std::vector<Event> batch;
      double end = now;
      for (std::size_t i = 0; i < cs.size(); ++i) {
        batch.push_back(start(cs[i], static_cast<int>(i)));
        end = std::max(end, batch.back().second.finished);
      }
      for (const auto& [out, info] : batch) tell(search, out, info);
      now = end;
    }
  } else {
    // Events ordered by (finish time, candidate id): ties broken by id, so the order is fixed.
    auto later = [](const Event& a, const Event& b) {
      return a.second.finished > b.second.finished || (a.second.finished == b.second.finished && a.first.candidate.id > b.first.candidate.id);
    };
    std::priority_queue<Event, std::vector<Event>, decltype(later)> events(later);
    std::priority_queue<int, std::vector<int>, std::greater<>> free_workers;
    for (std::size_t w = 0; w < o.workers; ++w) free_workers.push(static_cast<int>(w));
    auto fill = [&] {
      while (!free_workers.empty()) {
        const auto cs = ask(1);
        if (cs.empty()) return;
        events.push(start(cs[0], free_workers.top()));
        free_workers.pop();
      }
    };
    fill();
    while (!events.empty()) {
      const Event e = events.top();
      events.pop();
      now = e.second.finished;
      free_workers.push(e.second.worker);
      tell(search, e.first, e.second);
      fill();
    }
  }
  return stats(busy, now, o.workers, retrainer.seconds_training());
}

}  // namespace

std::unique_ptr<WorkerPool> make_local_pool(const EvaluatorFactory& make_evaluator, std::uint64_t run_seed, std::size_t workers) {
  return std::make_unique<LocalPool>(make_evaluator, run_seed, workers);
}

CostModel parse_cost_model(std::string_view spec) {
  const auto colon = spec.find(':');
  const std::string_view kind = spec.substr(0, colon), args = colon == std::string_view::npos ? "" : spec.substr(colon + 1);
  if (kind == "fixed") {
    const double s = parse_number(spec, args);
    if (!(s >= 0)) throw OptionError(fmt::format("--cost-model {}: expected seconds >= 0", spec));
    return [s](const Genome&, const Evaluation&, Rng&) { return s; };
  }
  if (kind == "lognormal") {
    const auto comma = args.find(',');
    if (comma == std::string_view::npos) throw OptionError(fmt::format("--cost-model {}: expected lognormal:MEAN,SIGMA", spec));
    const double mean = parse_number(spec, args.substr(0, comma)), sigma = parse_number(spec, args.substr(comma + 1));
    if (!(mean > 0) || !(sigma >= 0)) throw OptionError(fmt::format("--cost-model {}: expected MEAN > 0 and SIGMA >= 0", spec));
    const double mu = std::log(mean) - sigma * sigma / 2;  // so that the mean is MEAN
    return [mu, sigma](const Genome&, const Evaluation&, Rng& rng) {
      // Box-Muller with the project's generator (std:: distributions differ between libraries).
      const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
      return std::exp(mu + sigma * z);
    };
  }
  throw OptionError(fmt::format("--cost-model {}: expected fixed:SECONDS, lognormal:MEAN,SIGMA or column:NAME", spec));
}

void ExecutorOptions::validate() const {
  if (workers < 1 || workers > 100000) throw OptionError(fmt::format("--workers {}: expected 1..100000", workers));
  if (kind == Kind::simulated && !cost) throw OptionError("--executor simulated needs --cost-model");
  if (kind == Kind::mpi && !pool)
    throw OptionError("--executor mpi needs MPI workers: start nas with mpirun (or srun) and at least 2 ranks (rank 0 searches, the others evaluate)");
}

ExecutorOptions::Kind parse_executor_kind(std::string_view s) {
  if (s == "local") return ExecutorOptions::Kind::local;
  if (s == "simulated") return ExecutorOptions::Kind::simulated;
  if (s == "mpi") return ExecutorOptions::Kind::mpi;
  throw OptionError(fmt::format("--executor {}: expected local, simulated or mpi", s));
}
ExecutorOptions::Mode parse_executor_mode(std::string_view s) {
  if (s == "sync") return ExecutorOptions::Mode::sync;
  if (s == "async") return ExecutorOptions::Mode::async;
  throw OptionError(fmt::format("--mode {}: expected sync or async", s));
}
std::string_view executor_kind_name(ExecutorOptions::Kind k) {
  switch (k) {
    case ExecutorOptions::Kind::local: return "local";
    case ExecutorOptions::Kind::simulated: return "simulated";
    case ExecutorOptions::Kind::mpi: return "mpi";
  }
  return "?";
}
std::string_view executor_mode_name(ExecutorOptions::Mode m) { return m == ExecutorOptions::Mode::sync ? "sync" : "async"; }

ExecutionStats drive(AskTellSearch& search, const EvaluatorFactory& make_evaluator, std::uint64_t run_seed, const ExecutorOptions& options) {
  options.validate();
  switch (options.kind) {
    case ExecutorOptions::Kind::local: {
      const auto pool = make_local_pool(make_evaluator, run_seed, options.workers);
      return run_pool(search, *pool, run_seed, options.mode, options.workers);
    }
    case ExecutorOptions::Kind::mpi: return run_pool(search, *options.pool, run_seed, options.mode, options.workers);
    case ExecutorOptions::Kind::simulated: break;
  }
  return run_simulated(search, make_evaluator, run_seed, options);
}

namespace {
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

/// What the executor measured, into the run's result.
void record_execution(SearchResult& r, const ExecutionStats& st, std::size_t workers) {
  r.utilisation = st.utilisation;
  r.utilisation_before_drain = utilisation_before_drain(r, workers);
  r.makespan = st.makespan;
}
}  // namespace

SearchResult execute(AskTellSearch& search, const EvaluatorFactory& make_evaluator, std::uint64_t run_seed, const ExecutorOptions& options) {
  const ExecutionStats st = drive(search, make_evaluator, run_seed, options);
  SearchResult r = search.take_result();
  record_execution(r, st, options.workers);
  return r;
}

namespace {

/// Calls run(i) for every seed, `threads` runs at a time (0 = as many as cores; 1 = one after
/// another; an MPI executor's runs always take turns). `on_done` is serialised.
void for_each_seed(std::size_t n, int threads, const ExecutorOptions& executor, const std::function<void(std::size_t)>& run,
                   const std::function<void(std::size_t)>& on_done) {
  if (executor.kind == ExecutorOptions::Kind::mpi) threads = 1;  // one pool of workers: runs take turns
  std::mutex done_mutex;
  auto one = [&](std::size_t i) {
    run(i);
    if (on_done) {
      std::lock_guard lock(done_mutex);
      on_done(i);
    }
  };
  if (threads == 1 || n == 1) {
    for (std::size_t i = 0; i < n; ++i) one(i);
  } else {
    with_threads(threads, [&] { tbb::parallel_for(std::size_t{0}, n, one); });
  }
}

/// Drives `search` for seed `seed`, through the journal when there is one: what it recorded is
/// replayed first (a finished run is only replayed), everything new is written as it happens.
ExecutionStats drive_journaled(AskTellSearch& search, const SearchSpace& space, const EvaluatorFactory& make_evaluator, std::uint64_t seed,
                               const ExecutorOptions& executor, Journal* journal) {
  if (!journal) return drive(search, make_evaluator, seed, executor);
  JournaledSearch j(search, space, *journal, seed);
  j.replay();
  const ExecutionStats st = drive(j, make_evaluator, seed, executor);
  journal->run_finished(seed);
  return st;
}

}  // namespace

std::vector<GuidedResult> run_guided_searches(const SearchSpace& space, const EvaluatorFactory& make_evaluator,
                                              const std::function<std::unique_ptr<Surrogate>()>& make_surrogate,
                                              const GuidedOptions& options, const ExecutorOptions& executor, Direction direction,
                                              std::span<const std::uint64_t> seeds, int threads,
                                              const std::function<void(std::size_t)>& on_done, Journal* journal,
                                              const ObserverFactory& observer) {
  options.validate();
  executor.validate();
  std::vector<GuidedResult> results(seeds.size());
  for_each_seed(seeds.size(), threads, executor, [&](std::size_t i) {
    GuidedOptions o = options;
    o.seed = seeds[i];
    const auto t0 = Clock::now();
    auto model = make_surrogate();
    GuidedSearch search(space, o, direction, model, observer ? observer(i) : nullptr, executor.mode == ExecutorOptions::Mode::async);
    const ExecutionStats st = drive_journaled(search, space, make_evaluator, o.seed, executor, journal);
    GuidedResult& r = results[i];
    r = search.take_guided_result();
    if (model) r.device = model->device();
    record_execution(r, st, executor.workers);
    r.wall_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    // Evaluation time in wall seconds: the local workers' (with several, more than the wall share).
    if (executor.kind != ExecutorOptions::Kind::simulated) r.seconds_evaluating = st.busy;
    const double evaluating_share = executor.workers == 1 ? r.seconds_evaluating : 0;
    r.seconds_engine = std::max(0.0, r.wall_seconds - r.seconds_scoring - st.seconds_training - evaluating_share);
  }, on_done);
  return results;
}

std::vector<SearchResult> run_searches(const SearchSpace& space, const EvaluatorFactory& make_evaluator, const SearchOptions& options,
                                       const ExecutorOptions& executor, Direction direction, std::span<const std::uint64_t> seeds,
                                       int threads, const std::function<void(std::size_t)>& on_done, Journal* journal,
                                       const ObserverFactory& observer) {
  options.validate();
  executor.validate();
  std::vector<SearchResult> results(seeds.size());
  for_each_seed(seeds.size(), threads, executor, [&](std::size_t i) {
    SearchOptions o = options;
    o.seed = seeds[i];
    const auto t0 = Clock::now();
    EvolutionSearch search(space, o, direction, observer ? observer(i) : nullptr);
    const ExecutionStats st = drive_journaled(search, space, make_evaluator, o.seed, executor, journal);
    results[i] = search.take_result();
    record_execution(results[i], st, executor.workers);
    results[i].wall_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  }, on_done);
  return results;
}

}  // namespace nas
