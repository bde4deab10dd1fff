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

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "nas/engine/guided.hpp"
#include "nas/engine/journal.hpp"
#include "nas/core/errors.hpp"

namespace nas {
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

/// What a worker reports for one candidate.
struct Outcome {
  Candidate candidate;
  bool ok = false;
  Evaluation evaluation;
  FailureKind kind = FailureKind::error;
  std::string reason;
  std::exception_ptr fatal;  // an exception that is not an EvaluationFailed: ends the run
  EvaluationInfo info;
};

/// Evaluates `c` with `ev`, sorting the outcome into result, survivable failure or fatal error.
void evaluate_into(Evaluator& ev, Outcome& out) {
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

/// Tells `search` an outcome; returns the fatal exception if there is one (and stops the search).
std::exception_ptr tell(AskTellSearch& search, const Outcome& o) {
  if (o.fatal) {
    search.stop();
    return o.fatal;
  }
  if (o.ok) search.tell(o.candidate.id, o.evaluation, o.info);
  else search.tell_failure(o.candidate.id, o.kind, o.reason, o.info);
  return nullptr;
}

ExecutionStats stats(double busy, double makespan, std::size_t workers, double training) {
  return {makespan > 0 ? busy / (static_cast<double>(workers) * makespan) : 0, makespan, training, busy};
}

ExecutionStats run_local(AskTellSearch& search, const EvaluatorFactory& make_evaluator, std::uint64_t seed, const ExecutorOptions& o) {
  const auto t0 = Clock::now();
  auto now = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  std::mutex m;
  std::condition_variable job_ready, outcome_ready;
  std::deque<Outcome> jobs, outcomes;
  bool closing = false;
  std::vector<std::thread> workers;
  workers.reserve(o.workers);
  for (std::size_t w = 0; w < o.workers; ++w)
    workers.emplace_back([&, w] {
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
          std::unique_lock lock(m);
          job_ready.wait(lock, [&] { return closing || !jobs.empty(); });
          if (jobs.empty()) return;
          job = std::move(jobs.front());
          jobs.pop_front();
        }
        job.info.worker = static_cast<int>(w);
        if (init_error) job.fatal = init_error;
        else evaluate_into(*ev, job);
        job.info.finished = now();
        {
          std::lock_guard lock(m);
          outcomes.push_back(std::move(job));
        }
        outcome_ready.notify_one();
      }
    });
  std::size_t in_flight = 0;
  double busy = 0;
  std::exception_ptr fatal;
  RetrainRunner retrainer;
  auto submit = [&](std::size_t n) {
    const auto cs = retrainer.ask(search, n, in_flight == 0);
    {
      std::lock_guard lock(m);
      for (const auto& c : cs) {
        Outcome job;
        job.candidate = c;
        job.info.submitted = now();
        jobs.push_back(std::move(job));
      }
    }
    in_flight += cs.size();
    for (std::size_t i = 0; i < cs.size(); ++i) job_ready.notify_one();  // one worker per job, no thundering herd
    return cs.size();
  };
  auto collect = [&] {
    std::unique_lock lock(m);
    outcome_ready.wait(lock, [&] { return !outcomes.empty(); });
    Outcome out = std::move(outcomes.front());
    outcomes.pop_front();
    --in_flight;
    busy += out.info.finished - out.info.submitted;
    return out;
  };
  try {
    if (o.mode == ExecutorOptions::Mode::sync) {
      while (!fatal) {
        const std::size_t n = submit(o.workers);
        if (n == 0) break;
        std::vector<Outcome> batch;
        for (std::size_t i = 0; i < n; ++i) batch.push_back(collect());
        // Told in ask order (ids grow in ask order), whatever order the workers finished in.
        std::sort(batch.begin(), batch.end(), [](const Outcome& a, const Outcome& b) { return a.candidate.id < b.candidate.id; });
        for (const auto& out : batch)
          if (auto f = tell(search, out); f && !fatal) fatal = f;
      }
    } else {
      submit(o.workers);
      while (in_flight > 0) {
        const Outcome out = collect();
        if (auto f = tell(search, out); f && !fatal) fatal = f;
        if (!fatal) submit(o.workers - in_flight);
      }
    }
  } catch (...) {
    if (!fatal) fatal = std::current_exception();
  }
  {
    std::lock_guard lock(m);
    closing = true;
    jobs.clear();
  }
  job_ready.notify_all();
  for (auto& t : workers) t.join();
  if (!fatal) {
    try {
      retrainer.poll(search, true);
    } catch (...) {
      fatal = std::current_exception();
    }
  }
  if (fatal) std::rethrow_exception(fatal);
  return stats(busy, now(), o.workers, retrainer.seconds_training());
}

ExecutionStats run_simulated(AskTellSearch& search, const EvaluatorFactory& make_evaluator, std::uint64_t seed, const ExecutorOptions& o) {
  auto ev = make_evaluator(seed);
  double now = 0, busy = 0;
  RetrainRunner retrainer(/*synchronous_only=*/true);  // retrains take no simulated time
  auto ask = [&](std::size_t n) { return retrainer.ask(search, n, false); };
  // The evaluation itself happens at submission (a table lookup takes no simulated time); its
  // outcome is delivered when its simulated duration has passed.
  auto start = [&](const Candidate& c, int worker) {
    Outcome out;
    out.candidate = c;
    evaluate_into(*ev, out);
    if (out.fatal) std::rethrow_exception(out.fatal);
    Rng rng(derive_seed(seed, c.id, 0xC057));
    const double d = o.cost(c.arch, out.ok ? out.evaluation : Evaluation{}, rng);
    if (!(d >= 0) || !std::isfinite(d))
      throw OptionError(fmt::format("cost model: {} simulated seconds for candidate {}; expected a finite value >= 0", d, c.id));
    out.info = {worker, now, now + d};
    busy += d;
    return out;
  };
  if (o.mode == ExecutorOptions::Mode::sync) {
    for (;;) {
      const auto cs = ask(o.workers);
      if (cs.empty()) break;
      std::vector<Outcome> batch;
      double end = now;
      for (std::size_t i = 0; i < cs.size(); ++i) {
        batch.push_back(start(cs[i], static_cast<int>(i)));
        end = std::max(end, batch.back().info.finished);
      }
      for (const auto& out : batch) tell(search, out);
      now = end;
    }
  } else {
    // Events ordered by (finish time, candidate id): ties broken by id, so the order is fixed.
    auto later = [](const Outcome& a, const Outcome& b) {
      return a.info.finished > b.info.finished || (a.info.finished == b.info.finished && a.candidate.id > b.candidate.id);
    };
    std::priority_queue<Outcome, std::vector<Outcome>, decltype(later)> events(later);
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
      Outcome out = events.top();
      events.pop();
      now = out.info.finished;
      free_workers.push(out.info.worker);
      tell(search, out);
      fill();
    }
  }
  return stats(busy, now, o.workers, retrainer.seconds_training());
}

}  // namespace

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
}

ExecutorOptions::Kind parse_executor_kind(std::string_view s) {
  if (s == "local") return ExecutorOptions::Kind::local;
  if (s == "simulated") return ExecutorOptions::Kind::simulated;
  throw OptionError(fmt::format("--executor {}: expected local or simulated", s));
}
ExecutorOptions::Mode parse_executor_mode(std::string_view s) {
  if (s == "sync") return ExecutorOptions::Mode::sync;
  if (s == "async") return ExecutorOptions::Mode::async;
  throw OptionError(fmt::format("--mode {}: expected sync or async", s));
}
std::string_view executor_kind_name(ExecutorOptions::Kind k) { return k == ExecutorOptions::Kind::local ? "local" : "simulated"; }
std::string_view executor_mode_name(ExecutorOptions::Mode m) { return m == ExecutorOptions::Mode::sync ? "sync" : "async"; }

ExecutionStats drive(AskTellSearch& search, const EvaluatorFactory& make_evaluator, std::uint64_t run_seed, const ExecutorOptions& options) {
  options.validate();
  return options.kind == ExecutorOptions::Kind::local ? run_local(search, make_evaluator, run_seed, options)
                                                      : run_simulated(search, make_evaluator, run_seed, options);
}

SearchResult execute(AskTellSearch& search, const EvaluatorFactory& make_evaluator, std::uint64_t run_seed, const ExecutorOptions& options) {
  const ExecutionStats st = drive(search, make_evaluator, run_seed, options);
  SearchResult r = search.take_result();
  r.utilisation = st.utilisation;
  r.makespan = st.makespan;
  return r;
}

namespace {

/// Calls run(i) for every seed, `threads` runs at a time (0 = as many as cores; 1 = one after
/// another). `on_done` is serialised.
void for_each_seed(std::size_t n, int threads, const std::function<void(std::size_t)>& run, const std::function<void(std::size_t)>& on_done) {
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
  for_each_seed(seeds.size(), threads, [&](std::size_t i) {
    GuidedOptions o = options;
    o.seed = seeds[i];
    const auto t0 = Clock::now();
    auto model = make_surrogate();
    GuidedSearch search(space, o, direction, model, observer ? observer(i) : nullptr, executor.mode == ExecutorOptions::Mode::async);
    const ExecutionStats st = drive_journaled(search, space, make_evaluator, o.seed, executor, journal);
    GuidedResult& r = results[i];
    r = search.take_guided_result();
    r.utilisation = st.utilisation;
    r.makespan = st.makespan;
    r.wall_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    // Evaluation time in wall seconds: the local workers' (with several, more than the wall share).
    if (executor.kind == ExecutorOptions::Kind::local) r.seconds_evaluating = st.busy;
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
  for_each_seed(seeds.size(), threads, [&](std::size_t i) {
    SearchOptions o = options;
    o.seed = seeds[i];
    const auto t0 = Clock::now();
    EvolutionSearch search(space, o, direction, observer ? observer(i) : nullptr);
    const ExecutionStats st = drive_journaled(search, space, make_evaluator, o.seed, executor, journal);
    results[i] = search.take_result();
    results[i].utilisation = st.utilisation;
    results[i].makespan = st.makespan;
    results[i].wall_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  }, on_done);
  return results;
}

}  // namespace nas
