// RunSummary: why a run ended, its incumbent and resources, from a SearchResult; and the one
// statistics path over best-so-far curves (direction-aware).
#include <catch2/catch.hpp>

#include <vector>

#include "nas/engine/statistics.hpp"
#include "nas/engine/summary.hpp"
#include "nas/mutation/nb201.hpp"

using namespace nas;

namespace {
SearchResult run_of(const SearchSpace& space, std::vector<double> signals) {
  SearchResult r;
  Rng rng(1);
  double best = -1e9;
  for (std::size_t i = 0; i < signals.size(); ++i) {
    QueryRecord q;
    q.query = i + 1;
    q.arch = space.sample(rng);
    q.signal = q.reported = signals[i];
    if (signals[i] > best) best = signals[i];
    q.best_signal = q.best_reported = best;
    r.trajectory.push_back(q);
  }
  return r;
}
}  // namespace

TEST_CASE("RunSummary: termination reason and message, incumbent, resources", "[summary]") {
  const nb201::Space space;
  SearchResult r = run_of(space, {1, 5, 3, 5});
  auto s = summarize(r, space, 4, {0, 2, "auto", "cpu"});
  CHECK(s.termination == Termination::budget_spent);
  CHECK(s.incumbent_query == 2);  // the first to reach the best signal
  CHECK(s.incumbent == space.format(r.trajectory[1].arch));
  CHECK(s.best_reported == 5);
  CHECK(s.brief().find("4/4 queries (budget spent), best reported 5.0000 (query 2: |") == 0);
  CHECK(s.report().find("threads: all cores requested, 2 used; device: auto requested, cpu used") != std::string::npos);

  r.space_exhausted = true;
  CHECK(summarize(r, space, 10).termination == Termination::space_exhausted);
  CHECK(summarize(r, space, 10).message.find("ran out of unevaluated architectures after 4 of 10") != std::string::npos);
  CHECK(summarize(r, space, 4).termination == Termination::budget_spent);  // exhausted exactly at the budget
  r.stopped_by_observer = true;
  CHECK(summarize(r, space, 10).termination == Termination::stopped);
  r.too_many_failures = true;
  r.failures.resize(3);
  const auto f = summarize(r, space, 10);
  CHECK(f.termination == Termination::too_many_failures);
  CHECK(f.failures == 3);
  CHECK(termination_name(f.termination) == "too_many_failures");

  const auto empty = summarize(SearchResult{}, space, 5);
  CHECK(empty.queries == 0);
  CHECK(empty.incumbent.empty());
  CHECK(empty.brief().find("0/5 queries") == 0);
}

TEST_CASE("statistics over best-so-far curves: a short run keeps its last value, hits respect the direction", "[summary][statistics]") {
  const std::vector<std::vector<double>> curves{{3, 2, 1}, {5, 4}, {}};
  CHECK(best_at(curves, 1).mean == Approx(4));
  CHECK(best_at(curves, 3).mean == Approx(2.5));  // {1, 4}: the second run ended at 2 queries
  CHECK(best_at(curves, 3).n == 2);
  CHECK(hit_fraction(curves, 1.0, Direction::minimise) == Approx(1.0 / 3));  // a loss: at or below the optimum
  CHECK(hit_fraction(curves, 4.0, Direction::maximise) == Approx(1.0 / 3));
  CHECK(reaches(0.9999999999, 1.0, Direction::maximise));
  CHECK_FALSE(reaches(1.1, 1.0, Direction::minimise));
}
