// Multi-fidelity searches (SH, Hyperband, ASHA): bracket and rung sizes as the papers define them,
// promotions of the best 1/eta, incumbents from full-fidelity results only, pruned records, the
// time budget on the simulated clock, the per-epoch cost model, and NB201's two rungs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "fake_surrogates.hpp"
#include "nb201_fixture.hpp"
#include "nas/core/errors.hpp"
#include "nas/core/toy_space.hpp"
#include "nas/datasets/registry.hpp"
#include "nas/engine/executors.hpp"
#include "nas/engine/registry.hpp"
#include "nas/engine/run.hpp"
#include "nas/engine/rung_pair.hpp"

using namespace nas;

namespace {

const ToySpace& toy() {
  static const ToySpace space(8, 4);
  return space;
}

SearchSettings rungs(std::size_t budget, std::vector<double> r, double eta = 3) {
  SearchSettings s;
  s.evolution.budget = budget;
  s.fidelity.rungs = std::move(r);
  s.fidelity.eta = eta;
  return s;
}

/// One search told in ask order, one at a time (the sequential algorithm), on the toy objective.
SearchResult sequential(const std::string& name, const SearchSettings& s, std::uint64_t seed = 3) {
  RunOptions o;
  o.executor.kind = ExecutorOptions::Kind::inline_;
  o.seeds = {seed};
  return run(toy(), search_factory(name, s), [](std::uint64_t sd) { return std::make_unique<ToyEvaluator>(toy(), sd); }, o)[0];
}

double amount(const QueryRecord& q) { return q.fidelity ? q.fidelity->amount : -1; }

std::map<double, std::size_t> per_rung(const SearchResult& r, std::size_t from = 0, std::size_t to = SIZE_MAX) {
  std::map<double, std::size_t> n;
  for (std::size_t i = from; i < std::min(to, r.trajectory.size()); ++i) ++n[amount(r.trajectory[i])];
  return n;
}

/// Replays ASHA's rule over a trajectory told in ask order: each record is either the promotion
/// the rule allowed at that moment (the best unpromoted cell of the top 1/eta (eta = 3) of the
/// highest rung with one) or, when there was none, a new cell at the lowest rung. Returns the
/// number of promotions.
std::size_t asha_promotions(const SearchResult& r, const std::vector<double>& rs) {
  std::map<double, std::vector<std::pair<double, std::size_t>>> done;  // rung -> (signal, order)
  std::map<double, std::set<std::size_t>> promoted;                    // rung -> indices promoted from it
  std::size_t promotions = 0;
  for (std::size_t i = 0; i < r.trajectory.size(); ++i) {
    std::optional<std::pair<double, std::size_t>> expected;  // (from rung, record index)
    for (std::size_t k = rs.size() - 1; k-- > 0 && !expected;) {
      auto v = done[rs[k]];
      std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
      const auto n = static_cast<std::size_t>(std::floor(static_cast<double>(v.size()) / 3));
      for (std::size_t j = 0; j < n && !expected; ++j)
        if (!promoted[rs[k]].contains(v[j].second)) expected = std::pair{rs[k], v[j].second};
    }
    const auto& q = r.trajectory[i];
    if (expected) {
      INFO("record " << i);
      REQUIRE(amount(q) > expected->first);
      CHECK(q.arch == r.trajectory[expected->second].arch);
      promoted[expected->first].insert(expected->second);
      ++promotions;
    } else {
      CHECK(amount(q) == rs[0]);
    }
    done[amount(q)].emplace_back(q.signal, i);
  }
  return promotions;
}

}  // namespace

TEST_CASE("successive halving: a bracket of eta^K cells, the best 1/eta of each complete rung go up", "[engine][fidelity]") {
  const auto r = sequential("sh", rungs(13, {1, 3, 9}));
  REQUIRE(r.trajectory.size() == 13);
  CHECK(per_rung(r) == std::map<double, std::size_t>{{1, 9}, {3, 3}, {9, 1}});
  // Rung 1's three are the best three of rung 0, by their rung-0 signal.
  std::vector<std::pair<double, std::string>> low;
  for (std::size_t i = 0; i < 9; ++i) low.emplace_back(r.trajectory[i].signal, toy().format(r.trajectory[i].arch));
  std::sort(low.begin(), low.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::set<std::string> top3{low[0].second, low[1].second, low[2].second}, promoted;
  for (std::size_t i = 9; i < 12; ++i) promoted.insert(toy().format(r.trajectory[i].arch));
  CHECK(promoted == top3);
  // The full-fidelity cell is the best of rung 1; until it is told there is no incumbent.
  for (std::size_t i = 0; i < 12; ++i) CHECK(std::isnan(r.trajectory[i].best_signal));
  CHECK(r.trajectory[12].best_signal == r.trajectory[12].signal);
  // Pruned: the six rung-0 cells and the two rung-1 cells that went no higher.
  std::size_t pruned = 0;
  for (const auto& q : r.trajectory) pruned += q.pruned;
  CHECK(pruned == 8);
  CHECK_FALSE(r.trajectory[12].pruned);
}

TEST_CASE("hyperband: brackets s = K..0 with ceil((K+1)/(s+1) eta^s) cells from rung K-s", "[engine][fidelity]") {
  // K = 2, eta = 3: s=2: 9,3,1 from rung 0; s=1: 5,1 from rung 1; s=0: 3 at rung 2. Then s=2 again.
  const auto r = sequential("hyperband", rungs(24, {1, 3, 9}));
  REQUIRE(r.trajectory.size() == 24);
  CHECK(per_rung(r, 0, 13) == std::map<double, std::size_t>{{1, 9}, {3, 3}, {9, 1}});
  CHECK(per_rung(r, 13, 19) == std::map<double, std::size_t>{{3, 5}, {9, 1}});
  CHECK(per_rung(r, 19, 22) == std::map<double, std::size_t>{{9, 3}});
  CHECK(per_rung(r, 22, 24) == std::map<double, std::size_t>{{1, 2}});
}

TEST_CASE("asha: a cell in its rung's top 1/eta is promoted at the next ask, the highest rung first", "[engine][fidelity]") {
  const auto r = sequential("asha", rungs(40, {1, 3, 9}));
  REQUIRE(r.trajectory.size() == 40);
  CHECK(asha_promotions(r, {1, 3, 9}) >= 10);
}

TEST_CASE("multi-fidelity searches refuse bad rungs and eta, naming the option", "[engine][fidelity]") {
  const SearchContext c{toy(), Direction::maximise, 0, nullptr, false, TrainerKind::in_thread};
  for (const char* name : {"sh", "hyperband", "asha"}) {
    CHECK_THROWS_WITH(search_factory(name, rungs(10, {12, 12}))(c), Catch::Contains("--fidelities 12,12") && Catch::Contains("ascending"));
    CHECK_THROWS_WITH(search_factory(name, rungs(10, {200}))(c), Catch::Contains("at least two rungs"));
    CHECK_THROWS_WITH(search_factory(name, rungs(10, {1, 3}, 1.5))(c), Catch::Contains("--eta 1.5") && Catch::Contains(">= 2"));
  }
  CHECK_THROWS_WITH(parse_rungs("12,x"), Catch::Contains("'x' is not a number"));
  CHECK(parse_rungs("12,200") == std::vector<double>{12, 200});
}

TEST_CASE("time budget (--time-budget): nothing is proposed once the simulated clock passes it, the run says so", "[engine][fidelity]") {
  for (const char* name : {"random", "asha"}) {
    RunOptions o;
    o.executor.kind = ExecutorOptions::Kind::simulated;
    o.executor.mode = ExecutorOptions::Mode::async;
    o.executor.workers = 2;
    o.executor.cost = parse_cost_model("fixed:10");
    o.time_budget = 35;
    o.seeds = {1};
    const auto r = run(toy(), search_factory(name, rungs(1000, {1, 3})), [](std::uint64_t s) { return std::make_unique<ToyEvaluator>(toy(), s); }, o)[0];
    INFO(name);
    CHECK(r.time_budget_reached);
    CHECK(r.trajectory.size() == 8);  // asked at 0, 10, 20 and 30; at 40 the budget has passed
    for (const auto& q : r.trajectory) CHECK(q.submitted < 35);
    CHECK(r.makespan == 40);
  }
  RunOptions bad;
  bad.time_budget = -1;
  CHECK_THROWS_WITH(bad.validate(), Catch::Contains("--time-budget -1"));
}

TEST_CASE("cost model epochs:S[,SIGMA]: f epochs cost f x S, a per-cell factor fixed by the cell", "[engine][fidelity]") {
  const auto plain = parse_cost_model("epochs:15");
  const auto noisy = parse_cost_model("epochs:15,0.5");
  Rng a(1), b(2);
  Evaluation e;
  e.spent = 12;
  const Genome g = toy().sample(a), h = toy().sample(b);
  CHECK(plain(g, e, a) == 180);
  const double x = noisy(g, e, a), y = noisy(g, e, b);
  CHECK(x == y);  // the cell's, not the query's
  e.spent = 24;
  CHECK(noisy(g, e, a) == Approx(2 * x));
  // Over many cells the factor has mean 1.
  double sum = 0;
  Rng r(9);
  for (int i = 0; i < 4000; ++i) sum += noisy(toy().sample(r), e, r) / (15 * 24);
  CHECK(sum / 4000 == Approx(1).epsilon(0.05));
  (void)h;
  e.spent = 0;
  CHECK_THROWS_WITH(plain(g, e, a), Catch::Contains("did not say how many epochs"));
  CHECK_THROWS_WITH(parse_cost_model("epochs:0"), Catch::Contains("SECONDS > 0"));
  CHECK_THROWS_WITH(parse_cost_model("epochs:x"), Catch::Contains("'x' is not a number"));
}

TEST_CASE("NB201 declares rungs 12 and 200 epochs: 12 reads valid_12ep, 200 the signal, each charges its whole schedule", "[engine][fidelity][data]") {
  datasets::BenchmarkRequest req;
  req.dataset = "cifar100";
  req.table = test::nb201_csv();
  const auto b = datasets::load_benchmark("nb201", req);
  REQUIRE(b.fidelities.size() == 2);
  CHECK(b.fidelity_resource == "epochs");
  CHECK(b.fidelities[0].amount == 12);
  CHECK(b.table->columns()[b.fidelities[0].signal_column] == "cifar100_valid_12ep");
  CHECK(b.fidelities[1].signal_column == b.signal_column);
  datasets::TableEvaluator ev(b.table, *b.space, b.signal_column, b.reported_column);
  ev.set_fidelities(b.fidelity_resource, b.fidelities);
  const Genome g = b.table->genome(7);
  const Evaluation low = ev.evaluate_at(g, {"epochs", 12}), high = ev.evaluate_at(g, {"epochs", 200}), full = ev.evaluate(g);
  CHECK(low.signal == b.table->value(7, b.table->column("cifar100_valid_12ep")));
  CHECK(low.reported == b.table->value(7, b.table->column("cifar100_test_12ep")));
  CHECK(low.spent == 12);
  CHECK(high.spent == 200);  // a promotion is a separate 200-epoch run
  CHECK(high.signal == full.signal);
  CHECK(full.spent == 200);
  CHECK_THROWS_WITH(ev.evaluate_at(g, {"epochs", 100}), Catch::Contains("no fidelity epochs 100") && Catch::Contains("12, 200"));
  // A 12-epoch signal has no higher rung: no fidelities declared.
  req.signal = "valid_12ep";
  CHECK(datasets::load_benchmark("nb201", req).fidelities.empty());
  CHECK(datasets::benchmark("nb101").fidelities.empty());
}

TEST_CASE("guided over rungs: new cells at the lowest rung, ASHA's promotions, the model learns full results and mapped low ones",
          "[engine][fidelity][guided]") {
  for (auto targets : {GuidedOptions::RungTargets::impute, GuidedOptions::RungTargets::lowest}) {
    INFO(rung_targets_name(targets));
    auto log = std::make_shared<test::RecordingSurrogate::Log>();
    SearchSettings s = rungs(60, {1, 9});
    s.guided.budget = 60;
    s.guided.initial_samples = 5;
    s.guided.children_per_parent = 10;
    s.guided.rung_targets = targets;
    s.model = [log] { return std::make_unique<test::RecordingSurrogate>(log, std::chrono::microseconds(0)); };
    const auto r = sequential("guided", s);
    REQUIRE(r.trajectory.size() == 60);
    std::map<std::string, double> low, full;
    std::size_t promotions = 0;
    for (const auto& q : r.trajectory) {
      REQUIRE(q.fidelity);
      const std::string a = toy().format(q.arch);
      if (q.fidelity->amount == 1) {
        CHECK_FALSE(low.contains(a));  // a cell starts once
        low[a] = q.signal;
        CHECK((std::isnan(q.best_signal) || q.best_signal != q.signal || full.contains(a)));
      } else {
        CHECK(q.fidelity->amount == 9);
        CHECK(low.contains(a));  // promoted, never started at the top
        full[a] = q.signal;
        ++promotions;
      }
    }
    // ASHA's rule decides every promotion (a better new cell displaces the top of its rung, so
    // more than a third of the cells may go up).
    CHECK(asha_promotions(r, {1, 9}) == promotions);
    CHECK(promotions >= low.size() / 3);
    // The incumbent is the best full-fidelity result.
    double best = -1e9;
    for (const auto& [a, v] : full) best = std::max(best, v);
    CHECK(r.trajectory.back().best_signal == best);
    // The last fit: full results as they are; the others, impute: one increasing affine map of
    // their low results; lowest: the low results themselves.
    REQUIRE(!log->fits.empty());
    const auto& archs = log->fits.back();
    const auto& y = log->targets.back();
    std::vector<std::pair<double, double>> mapped;
    for (std::size_t i = 0; i < archs.size(); ++i) {
      const std::string a = toy().format(archs[i]);
      REQUIRE(low.contains(a));
      if (targets == GuidedOptions::RungTargets::lowest) CHECK(y[i] == low[a]);
      else if (full.contains(a)) CHECK(y[i] == full[a]);
      else mapped.emplace_back(low[a], y[i]);
    }
    if (targets == GuidedOptions::RungTargets::impute) {
      REQUIRE(mapped.size() >= 3);
      const auto [x0, y0] = mapped[0];
      const auto [x1, y1] = mapped[1];
      const double slope = (y1 - y0) / (x1 - x0);
      CHECK(slope > 0);
      for (const auto& [x, v] : mapped) CHECK(v == Approx(y0 + slope * (x - x0)).margin(1e-9));
    }
  }
}

TEST_CASE("guided over rungs with a second model: one model learns the full results, the other every cell's lowest rung",
          "[engine][fidelity][guided]") {
  auto log = std::make_shared<test::RecordingSurrogate::Log>();
  SearchSettings s = rungs(60, {1, 9});
  s.guided.budget = 60;
  s.guided.initial_samples = 5;
  s.guided.children_per_parent = 10;
  s.guided.rung_targets = GuidedOptions::RungTargets::second_model;
  s.model = [log] { return std::make_unique<test::RecordingSurrogate>(log, std::chrono::microseconds(0)); };
  const auto r = sequential("guided", s);
  REQUIRE(r.trajectory.size() == 60);
  std::map<std::string, double> low, full;
  for (const auto& q : r.trajectory) (q.fidelity->amount == 1 ? low : full)[toy().format(q.arch)] = q.signal;
  CHECK(asha_promotions(r, {1, 9}) == full.size());
  // Each retrain: the full-fidelity model on the cells with a full result (once there are n0 = 5),
  // then the second model on every cell with its lowest-rung result.
  enum class Kind { full, low };
  std::vector<Kind> kinds;
  for (std::size_t f = 0; f < log->fits.size(); ++f) {
    const auto& archs = log->fits[f];
    const auto& y = log->targets[f];
    bool all_low = true, all_full = true;
    for (std::size_t i = 0; i < archs.size(); ++i) {
      const std::string a = toy().format(archs[i]);
      REQUIRE(low.contains(a));
      all_low = all_low && y[i] == low[a];
      all_full = all_full && full.contains(a) && y[i] == full[a];
    }
    INFO("fit " << f << " of " << archs.size() << " cells");
    REQUIRE(all_low != all_full);
    kinds.push_back(all_full ? Kind::full : Kind::low);
    if (all_full) {
      CHECK(archs.size() >= 5);
      // The next fit is the second model's, on more cells (the full ones among them).
      REQUIRE(f + 1 < log->fits.size());
      CHECK(log->fits[f + 1].size() > archs.size());
    }
  }
  REQUIRE(kinds.size() >= 4);
  CHECK(kinds.front() == Kind::low);  // the first fit: fewer than 5 full results yet
  CHECK(kinds.back() == Kind::low);
  const auto first_full = std::find(kinds.begin(), kinds.end(), Kind::full);
  REQUIRE(first_full != kinds.end());
  CHECK_FALSE(log->options[first_full - kinds.begin()].warm_start);  // the full model's first fit is cold
  CHECK(std::count(kinds.begin(), kinds.end(), Kind::full) >= 2);
  // The second model's training set grows with the cells told (every cell started is in some fit's).
  CHECK(log->fits.back().size() > log->fits.front().size());
  // The incumbent is the best full-fidelity result, and a second run repeats the first.
  double best = -1e9;
  for (const auto& [a, v] : full) best = std::max(best, v);
  CHECK(r.trajectory.back().best_signal == best);
  SearchSettings s2 = s;
  s2.model = [] { return std::make_unique<test::RecordingSurrogate>(std::make_shared<test::RecordingSurrogate::Log>(), std::chrono::microseconds(0)); };
  const auto r2 = sequential("guided", s2);
  REQUIRE(r2.trajectory.size() == r.trajectory.size());
  for (std::size_t i = 0; i < r.trajectory.size(); ++i) CHECK(r2.trajectory[i].arch == r.trajectory[i].arch);
}

TEST_CASE("the second-model surrogate blends standardised scores once the full model is fitted", "[engine][fidelity]") {
  auto log = std::make_shared<test::RecordingSurrogate::Log>();
  RungPairSurrogate pair(std::make_unique<test::RecordingSurrogate>(log, std::chrono::microseconds(0)), 3);
  std::vector<Genome> archs;
  for (std::uint8_t k = 0; k < 4; ++k) {
    const std::uint8_t bytes[2] = {k, 0};
    archs.emplace_back(std::span<const std::uint8_t>(bytes));
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // Two full results (< 3): the second model alone, its order.
  pair.fit_pair(archs, std::vector<double>{nan, 5, nan, 1}, std::vector<double>{1, 2, 3, 4}, {});
  CHECK_FALSE(pair.full_fitted());
  REQUIRE(log->fits.size() == 1);
  auto s = pair.score(archs);
  CHECK(std::is_sorted(s.begin(), s.end()));
  // Three full results, ordered against the lowest rung: the mean of the two standardised orders.
  pair.fit_pair(archs, std::vector<double>{9, 5, nan, 1}, std::vector<double>{1, 2, 3, 4}, {});
  CHECK(pair.full_fitted());
  REQUIRE(log->fits.size() == 3);
  CHECK(log->fits[1].size() == 3);
  s = pair.score(archs);
  CHECK(s[0] > s[1]);  // full: 9 > 5 outweighs lowest 1 < 2
  auto copy = pair.clone();
  CHECK(copy->score(archs) == s);
  CHECK(pair.name() == "recording+lowest-rung");
  CHECK_THROWS_AS(pair.fit_pair(archs, std::vector<double>{1, 2, 3, 4}, std::vector<double>{1, nan, 3, 4}, {}), std::invalid_argument);
  CHECK_THROWS_AS(pair.fit_pair(archs, std::vector<double>{1, 2}, std::vector<double>{1, 2, 3, 4}, {}), std::invalid_argument);
  CHECK_THROWS_AS(RungPairSurrogate(nullptr, 3), OptionError);
}
