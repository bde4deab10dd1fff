// The search loop on the real NAS-Bench-201 table: budget, no duplicates, determinism across
// thread counts, observers, and statistical correctness of random search and REA.
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>
#include <unordered_set>

#include "../test_data.hpp"
#include "nas/datasets/benchmark.hpp"
#include "nas/engine/search.hpp"
#include "nas/engine/statistics.hpp"
#include "nas/core/errors.hpp"
#include "run_helpers.hpp"
#include "nas/mutation/nb201.hpp"

using namespace nas;

namespace {

struct Fixture {
  nb201::Space space;
  std::shared_ptr<const datasets::TabularBenchmark> table = datasets::nb201::load(space, test::nb201_csv());
  std::size_t column(const std::string& ds) const { return table->column(ds + "_test_200ep"); }
  std::function<std::unique_ptr<Evaluator>()> factory(const std::string& ds) const {
    return [this, c = column(ds)] { return std::make_unique<datasets::TableEvaluator>(table, space, c, c); };
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

std::vector<std::uint64_t> seeds(std::size_t n, std::uint64_t base = 0) {
  std::vector<std::uint64_t> s(n);
  std::iota(s.begin(), s.end(), base);
  return s;
}

}  // namespace

TEST_CASE("budget is exact and no architecture is evaluated twice", "[engine][integration]") {
  const auto& f = fixture();
  for (auto algo : {Algorithm::random, Algorithm::rea})
    for (bool canonical : {false, true}) {
      SearchOptions o;
      o.algorithm = algo;
      o.budget = 300;
      o.seed = 17;
      o.skip_canonical_duplicates = canonical;
      auto ev = f.factory("cifar10")();
      const auto r = test::search_once(f.space, *ev, o);
      INFO(algorithm_name(algo) << " canonical=" << canonical);
      REQUIRE(r.trajectory.size() == 300);
      CHECK(ev->queries() == 300);
      std::unordered_set<Genome, GenomeHasher> exact;
      std::unordered_set<ArchitectureHash, ArchitectureHashHasher> classes;
      double best = -1;
      for (const auto& q : r.trajectory) {
        CHECK(exact.insert(q.arch).second);
        const bool fresh_class = classes.insert(f.space.canonical_hash(q.arch)).second;
        if (canonical) CHECK(fresh_class);
        best = std::max(best, q.signal);
        CHECK(q.best_signal == best);
      }
    }
}

TEST_CASE("a tiny space is exhausted cleanly rather than looping", "[engine][integration]") {
  const auto& f = fixture();
  SearchOptions o;
  o.algorithm = Algorithm::random;
  o.budget = 7000;
  o.skip_canonical_duplicates = true;  // only 6,466 classes exist
  auto ev = f.factory("cifar10")();
  const auto r = test::search_once(f.space, *ev, o);
  CHECK(r.space_exhausted);
  CHECK(r.trajectory.size() == 6466);
}

TEST_CASE("same seed, same trajectory at 1, 2 and 8 threads", "[engine][integration]") {
  const auto& f = fixture();
  for (auto algo : {Algorithm::random, Algorithm::rea}) {
    SearchOptions o;
    o.algorithm = algo;
    o.budget = 150;
    const auto s = seeds(16, 1000);
    const auto r1 = test::search_seeds(f.space, f.factory("cifar100"), o, s, 1);
    for (int threads : {2, 8}) {
      const auto rn = test::search_seeds(f.space, f.factory("cifar100"), o, s, threads);
      for (std::size_t i = 0; i < s.size(); ++i) {
        REQUIRE(rn[i].trajectory.size() == r1[i].trajectory.size());
        for (std::size_t q = 0; q < r1[i].trajectory.size(); ++q) {
          REQUIRE(rn[i].trajectory[q].arch == r1[i].trajectory[q].arch);
          REQUIRE(rn[i].trajectory[q].best_reported == r1[i].trajectory[q].best_reported);
        }
      }
    }
  }
  // Children generation is also independent of the thread count.
  Rng rng(5);
  std::vector<Genome> parents(300);
  for (auto& p : parents) p = f.space.sample(rng);
  EvaluatedSet seen(true);
  std::vector<Genome> c1, c2;
  with_threads(1, [&] { c1 = generate_children(f.space, parents, 50, 9, seen); });
  with_threads(2, [&] { c2 = generate_children(f.space, parents, 50, 9, seen); });
  CHECK(c1 == c2);
  std::unordered_set<ArchitectureHash, ArchitectureHashHasher> classes;
  for (const auto& c : c1) CHECK(classes.insert(f.space.canonical_hash(c)).second);
}

TEST_CASE("an observer sees every query and can stop the run", "[engine]") {
  const auto& f = fixture();
  struct StopAt : SearchObserver {
    std::size_t seen = 0;
    bool on_evaluation(const QueryRecord& r) override {
      ++seen;
      REQUIRE(r.query == seen);
      return seen < 42;
    }
  } obs;
  SearchOptions o;
  o.budget = 150;
  auto ev = f.factory("cifar10")();
  const auto r = test::search_once(f.space, *ev, o, &obs);
  CHECK(r.stopped_by_observer);
  CHECK(r.trajectory.size() == 42);
  CHECK(obs.seen == 42);
}

TEST_CASE("options are validated by name", "[engine]") {
  SearchOptions o;
  o.budget = 0;
  CHECK_THROWS_WITH(o.validate(), Catch::Contains("budget"));
  o.budget = 10;
  o.tournament_size = 100;
  CHECK_THROWS_WITH(o.validate(), Catch::Contains("tournament_size"));
  CHECK_THROWS_AS(parse_algorithm("bananas"), OptionError);
}

TEST_CASE("random search matches the closed-form expectation (1000 seeds, 3 standard errors)", "[engine][integration][statistics]") {
  const auto& f = fixture();
  SearchOptions o;
  o.algorithm = Algorithm::random;
  o.budget = 150;
  const auto runs = test::search_seeds(f.space, f.factory("cifar10"), o, seeds(1000), 0);
  for (std::size_t n : {10, 50, 150}) {
    const MeanStd m = best_reported_at(runs, n);
    const MeanStd e = expected_best_of_n(f.table->values(f.column("cifar10")), n);
    const double se = m.std / std::sqrt(static_cast<double>(m.n));
    INFO("n=" << n << " measured " << m.mean << " expected " << e.mean << " se " << se);
    CHECK(std::abs(m.mean - e.mean) < 3 * se);
    // The spread matches the exact one too (loosely: 15%).
    CHECK(m.std == Approx(e.std).epsilon(0.15));
  }
}

TEST_CASE("regularised evolution beats random search at 150 queries on all three datasets", "[engine][integration]") {
  const auto& f = fixture();
  for (const std::string ds : {"cifar10", "cifar100", "imagenet16"}) {
    SearchOptions o;
    o.budget = 150;
    o.algorithm = Algorithm::random;
    const auto rs = best_reported_at(test::search_seeds(f.space, f.factory(ds), o, seeds(100), 0), 150);
    o.algorithm = Algorithm::rea;
    const auto rea = best_reported_at(test::search_seeds(f.space, f.factory(ds), o, seeds(100), 0), 150);
    INFO(ds << ": REA " << rea.mean << " ± " << rea.std << ", random " << rs.mean << " ± " << rs.std);
    CHECK(rea.mean > rs.mean);
  }
}
