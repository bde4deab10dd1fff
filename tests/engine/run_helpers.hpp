#pragma once
// Short forms of nas::run() for tests: one search built by the test, one seed, or several seeds,
// always through the library's one entry point.
#include <memory>
#include <span>
#include <vector>

#include "nas/engine/ask_tell.hpp"
#include "nas/engine/guided.hpp"
#include "nas/engine/journal.hpp"
#include "nas/engine/registry.hpp"
#include "nas/engine/run.hpp"

namespace nas::test {

/// Forwards to a search the test built (and keeps, to inspect it afterwards).
class Borrowed final : public AskTellSearch {
 public:
  explicit Borrowed(AskTellSearch& s) : s_(s) {}
  std::vector<Candidate> ask(std::size_t n) override { return s_.ask(n); }
  void tell(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info = {}) override { s_.tell(id, e, info); }
  void tell_failure(std::uint64_t id, FailureKind k, const std::string& r, const EvaluationInfo& info = {}) override {
    s_.tell_failure(id, k, r, info);
  }
  bool finished() const override { return s_.finished(); }
  std::size_t in_flight() const override { return s_.in_flight(); }
  void stop() override { s_.stop(); }
  const SearchResult& result() const override { return s_.result(); }
  SearchResult take_result() override { return s_.take_result(); }
  Direction direction() const override { return s_.direction(); }
  void settle() override { s_.settle(); }
  void set_recorder(SearchRecorder* r) override { s_.set_recorder(r); }
  void begin_replay() override { s_.begin_replay(); }
  bool replay_event(std::string_view k) override { return s_.replay_event(k); }
  void end_replay() override { s_.end_replay(); }

 private:
  AskTellSearch& s_;
};

/// An evaluator the test owns, lent to one run.
class Lent final : public Evaluator {
 public:
  explicit Lent(Evaluator& e) : e_(e) {}
  Evaluation evaluate(const Genome& g) override { return e_.evaluate(g); }
  Direction direction() const override { return e_.direction(); }
  std::uint64_t queries() const override { return e_.queries(); }

 private:
  Evaluator& e_;
};

/// Runs the search `s` (built by the test over `space`) for `seed` under executor `x`.
inline SearchResult execute(const SearchSpace& space, AskTellSearch& s, const EvaluatorFactory& make_evaluator, std::uint64_t seed,
                            const ExecutorOptions& x, Journal* journal = nullptr) {
  RunOptions o;
  o.executor = x;
  o.seeds = {seed};
  o.direction = s.direction();
  o.journal = journal;
  return run(space, [&](const SearchContext&) { return std::make_unique<Borrowed>(s); }, make_evaluator, o)[0];
}

inline RunOptions inline_run(std::vector<std::uint64_t> seeds, Direction d, int threads = 1, SearchObserver* observer = nullptr) {
  RunOptions o;
  o.executor.kind = ExecutorOptions::Kind::inline_;
  o.seeds = std::move(seeds);
  o.direction = d;
  o.threads = threads;
  if (observer) o.observer = [observer](std::size_t) { return observer; };
  return o;
}

/// One random/REA search (o.algorithm, o.seed) on the calling thread over the test's evaluator.
inline SearchResult search_once(const SearchSpace& space, Evaluator& ev, const SearchOptions& o, SearchObserver* observer = nullptr) {
  const char* name = o.algorithm == Algorithm::random ? "random" : "rea";
  return run(space, search_factory(name, {o, {}, nullptr, {}}), [&] { return std::make_unique<Lent>(ev); },
             inline_run({o.seed}, ev.direction(), 1, observer))[0];
}

/// One random/REA search per seed, `threads` at a time (0 = all cores), each on its own evaluator.
inline std::vector<SearchResult> search_seeds(const SearchSpace& space, const EvaluatorFactory& make_evaluator, const SearchOptions& o,
                                              std::span<const std::uint64_t> seeds, int threads) {
  const char* name = o.algorithm == Algorithm::random ? "random" : "rea";
  const Direction d = make_evaluator(seeds.empty() ? 0 : seeds[0])->direction();
  return run(space, search_factory(name, {o, {}, nullptr, {}}), make_evaluator, inline_run({seeds.begin(), seeds.end()}, d, threads));
}

/// One guided search (o.seed) on the calling thread over the test's evaluator; `model` is moved
/// into the search.
inline SearchResult guided_once(const SearchSpace& space, Evaluator& ev, std::unique_ptr<Surrogate>& model, const GuidedOptions& o,
                                SearchObserver* observer = nullptr) {
  auto owned = std::make_shared<std::unique_ptr<Surrogate>>(std::move(model));
  SearchSettings s;
  s.guided = o;
  s.model = [owned] { return std::move(*owned); };
  return run(space, search_factory("guided", s), [&] { return std::make_unique<Lent>(ev); }, inline_run({o.seed}, ev.direction(), 1, observer))[0];
}

/// Guided searches, one per seed, under executor `x`, `threads` runs at a time.
inline std::vector<SearchResult> guided_runs(const SearchSpace& space, const EvaluatorFactory& make_evaluator, const ModelFactory& surrogate,
                                             const GuidedOptions& go, const ExecutorOptions& x, Direction d, std::span<const std::uint64_t> seeds,
                                             int threads = 1, Journal* journal = nullptr, SearchObserver* observer = nullptr) {
  RunOptions o;
  if (observer) o.observer = [observer](std::size_t) { return observer; };
  o.executor = x;
  o.seeds = {seeds.begin(), seeds.end()};
  o.direction = d;
  o.threads = threads;
  o.journal = journal;
  return run(space, search_factory("guided", {{}, go, surrogate, {}}), make_evaluator, o);
}

}  // namespace nas::test
