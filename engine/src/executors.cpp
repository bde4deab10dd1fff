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

#include "drive.hpp"
#include "nas/engine/worker_pool.hpp"
#include "nas/core/errors.hpp"

namespace nas {

void evaluate_into(Evaluator& ev, WorkOutcome& out) noexcept {
  try {
    const Candidate& c = out.candidate;
    out.evaluation = c.fidelity ? ev.evaluate_at(c.arch, *c.fidelity) : ev.evaluate(c.arch);
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

/// A standard normal draw: Box-Muller with the project's generator (std:: distributions differ
/// between libraries).
double standard_normal(Rng& rng) {
  const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
}

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

/// Evaluates in submit(), on the driving thread: the reference loop, with no thread at all.
class InlinePool final : public WorkerPool {
 public:
  InlinePool(const EvaluatorFactory& make_evaluator, std::uint64_t seed) : make_(make_evaluator), seed_(seed) {}
  std::size_t capacity() const override { return 1; }
  void submit(const Candidate& c, std::uint64_t) override {
    Outcome out;
    out.candidate = c;
    out.worker = 0;
    try {
      if (!ev_) ev_ = make_(seed_);
      evaluate_into(*ev_, out);
    } catch (...) {
      out.fatal = std::current_exception();
    }
    out.finished = Clock::now();
    done_.push_back(std::move(out));
  }
  Outcome collect() override {
    if (done_.empty()) throw std::logic_error("inline pool: collect() with nothing submitted");
    Outcome out = std::move(done_.front());
    done_.pop_front();
    return out;
  }
  void cancel() override { done_.clear(); }

 private:
  const EvaluatorFactory& make_;
  std::uint64_t seed_;
  std::unique_ptr<Evaluator> ev_;
  std::deque<Outcome> done_;
};

/// W simulated workers on a virtual clock: the evaluation itself happens at submission (a table
/// lookup takes no simulated time); its outcome is delivered when its simulated duration has passed.
class SimulatedPool final : public WorkerPool {
 public:
  SimulatedPool(const EvaluatorFactory& make_evaluator, std::uint64_t seed, std::size_t workers, CostModel cost)
      : ev_(make_evaluator(seed)), seed_(seed), workers_(workers), cost_(std::move(cost)) {
    for (std::size_t w = 0; w < workers; ++w) free_.push(static_cast<int>(w));
  }
  std::size_t capacity() const override { return workers_; }
  void submit(const Candidate& c, std::uint64_t) override {
    if (free_.empty()) throw std::logic_error("simulated pool: more submitted than workers");
    Outcome out;
    out.candidate = c;
    evaluate_into(*ev_, out);
    double d = 0;
    if (!out.fatal) {
      Rng rng(derive_seed(seed_, c.id, 0xC057));
      Evaluation failed;  // a failure charges the time of its request (for a per-epoch model)
      failed.spent = c.fidelity ? c.fidelity->amount : 0;
      d = cost_(c.arch, out.ok ? out.evaluation : failed, rng);
      if (!(d >= 0) || !std::isfinite(d))
        throw OptionError(fmt::format("cost model: {} simulated seconds for candidate {}; expected a finite value >= 0", d, c.id));
    }
    out.worker = free_.top();
    free_.pop();
    out.finished_at = now_ + d;
    events_.push(std::move(out));
  }
  Outcome collect() override {
    if (events_.empty()) throw std::logic_error("simulated pool: collect() with nothing submitted");
    Outcome out = events_.top();
    events_.pop();
    now_ = out.finished_at;
    free_.push(out.worker);
    return out;
  }
  void cancel() override {
    while (!events_.empty()) free_.push(events_.top().worker), events_.pop();
  }
  std::optional<double> clock() const override { return now_; }

 private:
  // Events ordered by (finish time, candidate id): ties broken by id, so the order is fixed.
  struct Later {
    bool operator()(const Outcome& a, const Outcome& b) const {
      return a.finished_at > b.finished_at || (a.finished_at == b.finished_at && a.candidate.id > b.candidate.id);
    }
  };
  std::unique_ptr<Evaluator> ev_;
  std::uint64_t seed_;
  std::size_t workers_;
  CostModel cost_;
  double now_ = 0;
  std::priority_queue<Outcome, std::vector<Outcome>, Later> events_;
  std::priority_queue<int, std::vector<int>, std::greater<>> free_;
};

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
    return [mu, sigma](const Genome&, const Evaluation&, Rng& rng) { return std::exp(mu + sigma * standard_normal(rng)); };
  }
  if (kind == "epochs") {
    const auto comma = args.find(',');
    const double s = parse_number(spec, args.substr(0, comma));
    const double sigma = comma == std::string_view::npos ? 0 : parse_number(spec, args.substr(comma + 1));
    if (!(s > 0) || !(sigma >= 0)) throw OptionError(fmt::format("--cost-model {}: expected epochs:SECONDS_PER_EPOCH[,SIGMA] with SECONDS > 0, SIGMA >= 0", spec));
    const std::string text(spec);
    return [s, sigma, text](const Genome& g, const Evaluation& e, Rng&) {
      if (!(e.spent > 0))
        throw OptionError(fmt::format("--cost-model {}: the evaluator did not say how many epochs an evaluation took (a table without "
                                      "fidelities); use fixed:, lognormal: or column:", text));
      if (sigma == 0) return s * e.spent;
      // The cell's own speed, fixed by the cell (not the query, nor the run): a slow network is slow
      // at every rung and in every run. Mean 1, so S stays the mean seconds per epoch.
      Rng cell(derive_seed(g.exact_hash(), 0xE90C5));
      return s * e.spent * std::exp(sigma * standard_normal(cell) - sigma * sigma / 2);
    };
  }
  throw OptionError(fmt::format("--cost-model {}: expected fixed:SECONDS, lognormal:MEAN,SIGMA, epochs:SECONDS[,SIGMA] or column:NAME", spec));
}

void ExecutorOptions::validate() const {
  if (workers < 1 || workers > 100000) throw OptionError(fmt::format("--workers {}: expected 1..100000", workers));
  if (kind == Kind::simulated && !cost) throw OptionError("--executor simulated needs --cost-model");
  if (kind == Kind::inline_ && workers != 1)
    throw OptionError(fmt::format("--workers {}: --executor inline evaluates one candidate at a time on the search's thread; expected 1", workers));
  if (kind == Kind::mpi && !pool)
    throw OptionError("--executor mpi needs MPI workers: start nas with mpirun (or srun) and at least 2 ranks (rank 0 searches, the others evaluate)");
}

ExecutorOptions::Kind parse_executor_kind(std::string_view s) {
  if (s == "inline") return ExecutorOptions::Kind::inline_;
  if (s == "local") return ExecutorOptions::Kind::local;
  if (s == "simulated") return ExecutorOptions::Kind::simulated;
  if (s == "mpi") return ExecutorOptions::Kind::mpi;
  throw OptionError(fmt::format("--executor {}: expected inline, local, simulated or mpi", s));
}
ExecutorOptions::Mode parse_executor_mode(std::string_view s) {
  if (s == "sync") return ExecutorOptions::Mode::sync;
  if (s == "async") return ExecutorOptions::Mode::async;
  throw OptionError(fmt::format("--mode {}: expected sync or async", s));
}
std::string_view executor_kind_name(ExecutorOptions::Kind k) {
  switch (k) {
    case ExecutorOptions::Kind::inline_: return "inline";
    case ExecutorOptions::Kind::local: return "local";
    case ExecutorOptions::Kind::simulated: return "simulated";
    case ExecutorOptions::Kind::mpi: return "mpi";
  }
  return "?";
}
std::string_view executor_mode_name(ExecutorOptions::Mode m) { return m == ExecutorOptions::Mode::sync ? "sync" : "async"; }

std::unique_ptr<WorkerPool> make_inline_pool(const EvaluatorFactory& make_evaluator, std::uint64_t run_seed) {
  return std::make_unique<InlinePool>(make_evaluator, run_seed);
}

std::unique_ptr<WorkerPool> make_simulated_pool(const EvaluatorFactory& make_evaluator, std::uint64_t run_seed, std::size_t workers,
                                                CostModel cost) {
  return std::make_unique<SimulatedPool>(make_evaluator, run_seed, workers, std::move(cost));
}

namespace detail {

DriveStats drive(AskTellSearch& search, WorkerPool& pool, std::uint64_t seed, ExecutorOptions::Mode mode, std::size_t batch,
                 const DriveClock& clock) {
  const auto t0 = Clock::now();
  // The pool's own clock where it keeps one (simulated time), else the wall clock since the start;
  // a resumed run's goes on from where its journal stopped.
  auto now = [&] { return clock.offset + pool.clock().value_or(std::chrono::duration<double>(Clock::now() - t0).count()); };
  auto finished_at = [&](const Outcome& o) {
    return clock.offset + (o.finished_at >= 0 ? o.finished_at : std::chrono::duration<double>(o.finished - t0).count());
  };
  bool out_of_time = false;
  std::unordered_map<std::uint64_t, double> submitted;  // candidate id -> when it was handed to the pool
  std::size_t in_flight = 0;
  double busy = 0;
  std::exception_ptr fatal;
  auto submit = [&](std::size_t n) -> std::size_t {
    if (clock.time_budget > 0 && now() >= clock.time_budget) {
      out_of_time = true;
      return 0;
    }
    const auto cs = search.ask(n);
    for (const auto& c : cs) {
      submitted[c.id] = now();
      pool.submit(c, seed);
    }
    in_flight += cs.size();
    return cs.size();
  };
  // One outcome and when it ran.
  auto collect = [&] {
    Outcome out = pool.collect();
    --in_flight;
    const auto it = submitted.find(out.candidate.id);
    EvaluationInfo info{out.worker, it->second, finished_at(out)};
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
      search.settle();
    } catch (...) {
      fatal = std::current_exception();
    }
  }
  if (fatal) std::rethrow_exception(fatal);
  const double makespan = now() - clock.offset;
  const std::size_t workers = std::max<std::size_t>(1, pool.capacity());
  return {makespan > 0 ? busy / (static_cast<double>(workers) * makespan) : 0, makespan, busy, out_of_time};
}

}  // namespace detail
}  // namespace nas
