#include "nas/engine/search.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <mutex>

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "loop_common.hpp"
#include "nas/mutation/errors.hpp"

namespace nas {

Algorithm parse_algorithm(std::string_view name) {
  if (name == "random") return Algorithm::random;
  if (name == "rea") return Algorithm::rea;
  throw OptionError(fmt::format("--algo: unknown algorithm '{}'; expected random or rea", name));
}

std::string_view algorithm_name(Algorithm a) { return a == Algorithm::random ? "random" : "rea"; }

void SearchOptions::validate() const {
  if (budget == 0) throw OptionError("budget: must be at least 1");
  if (algorithm == Algorithm::rea) {
    if (population_size < 2) throw OptionError(fmt::format("population_size: {} is too small; expected >= 2", population_size));
    if (tournament_size < 1 || tournament_size > population_size)
      throw OptionError(fmt::format("tournament_size: {} must be in [1, population_size = {}]", tournament_size, population_size));
  }
}

double SearchResult::best_reported_at(std::size_t queries) const {
  if (trajectory.empty() || queries == 0) return 0;
  const std::size_t i = std::min(queries, trajectory.size()) - 1;
  return trajectory[i].best_reported;
}

std::string SearchResult::brief() const {
  if (trajectory.empty()) return "no queries";
  const auto& last = trajectory.back();
  return fmt::format("{} queries, best signal {:.4f}, reported {:.4f}, {:.3f} s{}", trajectory.size(), last.best_signal,
                     last.best_reported, wall_seconds, stopped_by_observer ? " (stopped)" : space_exhausted ? " (space exhausted)" : "");
}

bool EvaluatedSet::contains(const Genome& g, const ArchitectureHash& h) const {
  return exact_.count(g) != 0 || (canonical_ && classes_.count(h) != 0);
}

void EvaluatedSet::insert(const Genome& g, const ArchitectureHash& h) {
  exact_.insert(g);
  if (canonical_) classes_.insert(h);
}

std::vector<Genome> generate_children(const SearchSpace& space, std::span<const Genome> parents, std::size_t per_parent,
                                      std::uint64_t seed, const EvaluatedSet& seen, std::vector<ArchitectureHash>* hashes,
                                      std::vector<std::size_t>* parent_of) {
  const std::size_t n = parents.size() * per_parent;
  std::vector<Genome> all(n);
  std::vector<ArchitectureHash> all_hashes(seen.canonical() || hashes ? n : 0);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 64), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) {
      Rng rng(derive_seed(seed, i / per_parent, i % per_parent));
      all[i] = space.mutate(parents[i / per_parent], rng);
      if (!all_hashes.empty()) all_hashes[i] = space.canonical_hash(all[i]);
    }
  });
  // Sequential, index-ordered dedup keeps the result independent of scheduling.
  EvaluatedSet batch(seen.canonical());
  std::vector<Genome> out;
  out.reserve(n);
  if (hashes) hashes->clear();
  if (parent_of) parent_of->clear();
  for (std::size_t i = 0; i < n; ++i) {
    const ArchitectureHash h = all_hashes.empty() ? ArchitectureHash{} : all_hashes[i];
    if (seen.contains(all[i], h) || batch.contains(all[i], h)) continue;
    batch.insert(all[i], h);
    out.push_back(all[i]);
    if (hashes) hashes->push_back(h);
    if (parent_of) parent_of->push_back(i / per_parent);
  }
  return out;
}

namespace detail {

std::optional<Genome> fresh_random(const SearchSpace& space, const EvaluatedSet& seen, Rng& rng) {
  for (int attempt = 0; attempt < 10000; ++attempt) {
    Genome g = space.sample(rng);
    if (!seen.contains(g, identity(space, seen, g))) return g;
  }
  if (auto n = space.size()) {
    std::vector<Genome> left;
    for (std::uint64_t i = 0; i < *n; ++i) {
      Genome g = space.at(i);
      if (!seen.contains(g, identity(space, seen, g))) left.push_back(g);
    }
    if (!left.empty()) return left[rng.below(left.size())];
  }
  return std::nullopt;
}

QueryRecord next_record(const std::vector<QueryRecord>& history, const Genome& g, const Evaluation& e, Direction d) {
  QueryRecord r;
  r.query = history.size() + 1;
  r.arch = g;
  r.signal = e.signal;
  r.reported = e.reported;
  r.cost_seconds = e.cost_seconds;
  r.parameters = e.parameters;
  const bool improves = history.empty() || better(d, e.signal, history.back().best_signal);
  r.best_signal = improves ? e.signal : history.back().best_signal;
  r.best_reported = improves ? e.reported : history.back().best_reported;
  return r;
}

}  // namespace detail

namespace {

class Run {
 public:
  Run(const SearchSpace& space, Evaluator& ev, const SearchOptions& o, SearchObserver* obs)
      : space_(space), ev_(ev), o_(o), obs_(obs), rng_(derive_seed(o.seed, 0xA11CE)), seen_(o.skip_canonical_duplicates) {}

  SearchResult go() {
    const auto t0 = std::chrono::steady_clock::now();
    if (o_.algorithm == Algorithm::random) {
      while (!done()) {
        auto g = fresh_random();
        if (!g) break;
        evaluate(*g);
      }
    } else {
      rea();
    }
    result_.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return std::move(result_);
  }

 private:
  bool done() const { return result_.trajectory.size() >= o_.budget || result_.stopped_by_observer || result_.space_exhausted; }

  ArchitectureHash hash(const Genome& g) const { return detail::identity(space_, seen_, g); }

  std::optional<Genome> fresh_random() {
    auto g = detail::fresh_random(space_, seen_, rng_);
    if (!g) result_.space_exhausted = true;
    return g;
  }

  void evaluate(const Genome& g) {
    const Evaluation e = ev_.evaluate(g);
    seen_.insert(g, hash(g));
    result_.trajectory.push_back(detail::next_record(result_.trajectory, g, e, ev_.direction()));
    population_.push_back(result_.trajectory.size() - 1);
    if (obs_ && !obs_->on_evaluation(result_.trajectory.back())) result_.stopped_by_observer = true;
  }

  void rea() {
    while (!done() && result_.trajectory.size() < o_.population_size) {
      auto g = fresh_random();
      if (!g) return;
      evaluate(*g);
    }
    std::vector<std::size_t> picks(population_.size());
    while (!done()) {
      // Tournament: S distinct members (partial Fisher-Yates over positions), best signal wins.
      picks.resize(population_.size());
      for (std::size_t i = 0; i < picks.size(); ++i) picks[i] = i;
      std::size_t parent = population_[0];
      bool first = true;
      for (std::size_t s = 0; s < o_.tournament_size; ++s) {
        std::swap(picks[s], picks[s + rng_.below(picks.size() - s)]);
        const std::size_t cand = population_[picks[s]];
        if (first || better(ev_.direction(), result_.trajectory[cand].signal, result_.trajectory[parent].signal)) parent = cand;
        first = false;
      }
      const Genome parent_arch = result_.trajectory[parent].arch;
      std::optional<Genome> child;
      for (std::size_t t = 0; t <= o_.max_mutation_retries && !child; ++t) {
        Genome c = space_.mutate(parent_arch, rng_);
        if (!seen_.contains(c, hash(c))) child = c;
      }
      if (!child) child = fresh_random();
      if (!child) return;
      evaluate(*child);
      population_.pop_front();  // aging: the oldest member dies, whatever its fitness
    }
  }

  const SearchSpace& space_;
  Evaluator& ev_;
  const SearchOptions& o_;
  SearchObserver* obs_;
  Rng rng_;
  EvaluatedSet seen_;
  std::deque<std::size_t> population_;
  SearchResult result_;
};

}  // namespace

SearchResult run_search(const SearchSpace& space, Evaluator& evaluator, const SearchOptions& options, SearchObserver* observer) {
  options.validate();
  return Run(space, evaluator, options, observer).go();
}

void with_threads(int threads, const std::function<void()>& fn) {
  if (threads < 0) throw OptionError(fmt::format("--threads: {} is negative", threads));
  tbb::task_arena arena(threads == 0 ? tbb::task_arena::automatic : threads);
  arena.execute(fn);
}

std::vector<SearchResult> run_searches(const SearchSpace& space, const EvaluatorFactory& make_evaluator,
                                       const SearchOptions& options, std::span<const std::uint64_t> seeds, int threads,
                                       const std::function<void(std::size_t)>& on_done) {
  options.validate();
  std::vector<SearchResult> results(seeds.size());
  std::mutex done_mutex;
  with_threads(threads, [&] {
    tbb::parallel_for(std::size_t{0}, seeds.size(), [&](std::size_t i) {
      SearchOptions o = options;
      o.seed = seeds[i];
      auto ev = make_evaluator(o.seed);
      results[i] = run_search(space, *ev, o);
      if (on_done) {
        std::lock_guard lock(done_mutex);
        on_done(i);
      }
    });
  });
  return results;
}

}  // namespace nas
