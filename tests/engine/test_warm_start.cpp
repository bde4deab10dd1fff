// Zero-cost scores in the engine: the vote, the ranked list (WarmStart), the zero-training search
// (--algo zc) and the warm-up of guided search's and REA's initial population (--zc-warmup).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <set>

#include "fake_surrogates.hpp"
#include "nas/core/cell_scorer.hpp"
#include "nas/core/errors.hpp"
#include "nas/core/toy_space.hpp"
#include "nas/engine/registry.hpp"
#include "nas/engine/run.hpp"
#include "nas/engine/warm_start.hpp"

using namespace nas;

namespace {
const ToySpace& toy() {
  static const ToySpace space(8, 4);
  return space;
}

/// A proxy that is the toy objective itself (first score) and a useless constant (second), and
/// counts the cells it was asked for; cells whose first op is 3 have no first score (NaN).
class ToyScorer final : public CellScorer {
 public:
  explicit ToyScorer(std::uint64_t objective_seed) : eval_(toy(), objective_seed) {}
  const std::vector<std::string>& names() const override { return names_; }
  std::vector<std::vector<double>> scores(std::span<const Genome> cells) override {
    asked += cells.size();
    std::vector<std::vector<double>> out;
    for (const auto& g : cells) out.push_back({g[0] == 3 ? std::nan("") : eval_.value(g), 1.0});
    return out;
  }
  std::atomic<std::size_t> asked{0};

 private:
  ToyEvaluator eval_;
  std::vector<std::string> names_{"objective", "constant"};
};

SearchResult run_one(const std::string& algo, const SearchSettings& s, std::uint64_t seed) {
  RunOptions o;
  o.executor.kind = ExecutorOptions::Kind::inline_;
  o.seeds = {seed};
  return run(toy(), search_factory(algo, s), [](std::uint64_t) { return std::make_unique<ToyEvaluator>(toy(), 7); }, o)[0];
}
}  // namespace

TEST_CASE("vote: mean rank over the scores, ties share, a missing score ranks lowest", "[zc]") {
  const auto v = vote({{1, std::nan("")}, {3, 2}, {2, 5}});
  CHECK(v == std::vector<double>{0.0, 1.5, 1.5});
  CHECK(vote({{1}, {1}, {2}}) == std::vector<double>{0.5, 0.5, 2.0});
  CHECK(vote({}).empty());
}

TEST_CASE("WarmStart: a pool of distinct cells from the seed, best vote first, missing scores last, skips proposed cells", "[zc]") {
  auto scorer = std::make_shared<ToyScorer>(7);
  WarmStart w(toy(), scorer, 300, 11);
  const auto& list = w.ranked();
  REQUIRE(list.size() == 300);
  CHECK(scorer->asked == 300);
  std::set<std::string> distinct;
  for (const auto& g : list) distinct.insert(toy().format(g));
  CHECK(distinct.size() == 300);
  ToyEvaluator e(toy(), 7);
  // The constant second score does not change the order of the first.
  std::size_t missing_from = list.size();
  for (std::size_t i = 0; i < list.size(); ++i)
    if (list[i][0] == 3) {
      missing_from = std::min(missing_from, i);
    } else {
      CHECK(missing_from == list.size());  // no scored cell after a missing one
      if (i > 0) CHECK(e.value(list[i - 1]) >= e.value(list[i]));
    }
  CHECK(missing_from < list.size());
  // The same seed, the same list; another seed, another pool.
  WarmStart again(toy(), scorer, 300, 11), other(toy(), scorer, 300, 12);
  CHECK(again.ranked() == list);
  CHECK(other.ranked() != list);
  CHECK_THROWS_AS(WarmStart(toy(), nullptr, 10, 0), OptionError);
}

TEST_CASE("zero-cost: --algo zc evaluates the cells in the proxy's order, refuses without a scorer", "[zc]") {
  SearchSettings s;
  s.evolution.budget = 20;
  s.zc.warmup = 500;
  s.scorer = std::make_shared<ToyScorer>(7);  // a perfect proxy of the evaluator's objective (seed 7)
  const auto r = run_one("zc", s, 3);
  REQUIRE(r.trajectory.size() == 20);
  for (std::size_t i = 1; i < r.trajectory.size(); ++i) CHECK(r.trajectory[i - 1].signal >= r.trajectory[i].signal);
  WarmStart w(toy(), s.scorer, 500, 3);
  CHECK(r.trajectory[0].arch == w.ranked()[0]);
  s.scorer = nullptr;
  CHECK_THROWS_AS(run_one("zc", s, 3), OptionError);
}

TEST_CASE("zero-cost: --zc-warmup, guided's and REA's initial cells are the top of the ranked pool, off, nothing is scored", "[zc]") {
  auto scorer = std::make_shared<ToyScorer>(7);
  SearchSettings s;
  s.evolution.budget = s.guided.budget = 30;
  s.evolution.population_size = 8;
  s.guided.initial_samples = 6;
  s.guided.top_k = 3;
  s.model = [] { return std::unique_ptr<Surrogate>(std::make_unique<test::RandomSurrogate>(1)); };
  s.zc.warmup = 200;
  s.scorer = scorer;
  const auto top = WarmStart(toy(), scorer, 200, 5).ranked();
  auto first = [](const SearchResult& r, std::size_t n) {
    std::vector<Genome> v;
    for (std::size_t i = 0; i < n; ++i) v.push_back(r.trajectory[i].arch);
    return v;
  };
  const auto g = run_one("guided", s, 5);
  CHECK(first(g, 6) == std::vector<Genome>(top.begin(), top.begin() + 6));
  const auto rea = run_one("rea", s, 5);
  CHECK(first(rea, 8) == std::vector<Genome>(top.begin(), top.begin() + 8));
  // Reproducible: the same seed, the same trajectory.
  const auto g2 = run_one("guided", s, 5);
  CHECK(first(g2, 30) == first(g, 30));
  // Off: the scorer is never asked.
  const std::size_t before = scorer->asked;
  s.zc.warmup = 0;
  (void)run_one("guided", s, 5);
  (void)run_one("rea", s, 5);
  CHECK(scorer->asked == before);
  // On without a scorer: refused.
  s.zc.warmup = 10;
  s.scorer = nullptr;
  CHECK_THROWS_AS(run_one("rea", s, 5), OptionError);
}
