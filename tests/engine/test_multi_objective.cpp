// Several objectives and constraints in the engine: violation, NSGA-II selection order, the
// guided search's scalarised targets, fronts and normalised hypervolume by hand; then searches on
// the NB201 table with accuracy against the benchmark network's parameters.
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>
#include <set>
#include <unordered_set>

#include "fake_surrogates.hpp"
#include "nb201_fixture.hpp"
#include "run_helpers.hpp"
#include "nas/datasets/network_cost.hpp"
#include "nas/engine/multi_objective.hpp"
#include "nas/engine/registry.hpp"

using namespace nas;

namespace {

QueryRecord rec(std::vector<double> objectives, double violation = 0) {
  QueryRecord q;
  q.signal = objectives.empty() ? 0 : objectives[0];
  q.objectives = std::move(objectives);
  q.violation = violation;
  return q;
}

MultiObjective acc_params() {
  MultiObjective mo;
  mo.directions = {Direction::maximise, Direction::minimise};
  return mo;
}

/// NB201 CIFAR-10 test accuracy (the signal, objective 1) and the benchmark network's parameters
/// (objective 2, also a metric "params" for constraints).
class AccParams final : public Evaluator {
 public:
  Evaluation evaluate(const Genome& g) override {
    Evaluation e = inner_->evaluate(g);
    const double params = static_cast<double>(datasets::nb201::network_cost(g, "cifar10").parameters);
    e.objectives = {e.signal, params};
    e.metrics = {{"params", params}};
    return e;
  }
  std::uint64_t queries() const override { return inner_->queries(); }

 private:
  std::unique_ptr<Evaluator> inner_ = test::nb201_table().evaluator();
};

SearchResult search(const std::string& algo, const MultiObjective& mo, std::uint64_t seed, std::size_t budget) {
  SearchSettings s;
  s.evolution.budget = budget;
  s.evolution.mo = mo;
  s.evolution.seed = seed;
  return run(test::nb201_table().space, search_factory(algo, s), [] { return std::make_unique<AccParams>(); },
             test::inline_run({seed}, Direction::maximise))[0];
}

}  // namespace

TEST_CASE("multi-objective: violation sums relative distances, a missing metric is never feasible") {
  MultiObjective mo;
  mo.constraints = {parse_constraint("params<=100"), parse_constraint("flops>10")};
  CHECK(mo.violation({{"params", 50}, {"flops", 20}}) == 0);
  CHECK(mo.violation({{"params", 150}, {"flops", 20}}) == Approx(0.5));
  CHECK(mo.violation({{"params", 150}, {"flops", 5}}) == Approx(0.5 + 0.5));
  CHECK(std::isinf(mo.violation({{"params", 50}})));
  CHECK(std::isinf(mo.violation({{"params", std::nan("")}, {"flops", 20}})));
  CHECK(acc_params().oriented({90, 5}) == std::vector<double>{90, -5});
  CHECK_THROWS_AS(acc_params().oriented({90}), std::invalid_argument);
}

TEST_CASE("multi-objective: selection order is feasibility, then rank, then crowding, then age") {
  const MultiObjective mo = acc_params();
  // 0, 1, 2 on the front (0 and 2 its extremes), 3 dominated by 1, 4 infeasible though best.
  const std::vector<QueryRecord> r{rec({90, 50}), rec({80, 20}), rec({70, 10}), rec({75, 30}), rec({99, 1}, 0.3)};
  const auto key = selection_order(r, {0, 1, 2, 3, 4}, mo, Direction::maximise);
  CHECK(key[0] < key[1]);  // an extreme (infinite crowding) before the interior member, both rank 0
  CHECK(key[2] < key[1]);
  CHECK(key[1] < key[3]);  // rank 0 before rank 1
  CHECK(key[3] < key[4]);  // every feasible member before an infeasible one
  // One objective with a constraint: feasible first, then the signal.
  MultiObjective one;
  one.constraints = {parse_constraint("params<=1")};
  const auto k1 = selection_order(r, {0, 1, 4}, one, Direction::maximise);
  CHECK(k1 == std::vector<double>{0, 1, 2});
  CHECK(selection_order(r, {0, 1, 4}, one, Direction::minimise) == std::vector<double>{1, 0, 2});
}

TEST_CASE("multi-objective: scalarised targets put dominating results above dominated and infeasible ones") {
  const std::vector<QueryRecord> r{rec({90, 10}), rec({80, 20}), rec({70, 30}), rec({95, 5}, 2.0), rec({60, 15})};
  for (const auto s : {MultiObjective::Scalarisation::parego, MultiObjective::Scalarisation::rank}) {
    MultiObjective mo = acc_params();
    mo.scalarisation = s;
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
      const auto t = scalarised_targets(r, mo, seed);
      INFO(scalarisation_name(s) << " seed " << seed);
      CHECK(t[0] > t[1]);  // 0 dominates 1, which dominates 2
      CHECK(t[1] >= t[2]);
      for (std::size_t i : {0, 1, 2, 4}) CHECK(t[3] < t[i]);  // infeasible: below all
    }
  }
  // One objective, minimised, with a constraint.
  MultiObjective one;
  one.directions = {Direction::minimise};
  one.constraints = {parse_constraint("x<=1")};
  const auto t = scalarised_targets(r, one, 0);
  CHECK(t[2] == -70);
  CHECK(t[3] < t[0]);
  // ParEGO's weights change with the seed: the order of two front members does too.
  MultiObjective mo = acc_params();
  const std::vector<QueryRecord> front{rec({90, 20}), rec({70, 10})};
  bool first = false, second = false;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    const auto w = scalarised_targets(front, mo, seed);
    first |= w[0] > w[1], second |= w[1] > w[0];
  }
  CHECK(first);
  CHECK(second);
}

TEST_CASE("multi-objective: a result's front skips infeasible, dominated and repeated points, hypervolume normalised") {
  SearchResult r;
  for (auto q : {rec({90, 50}), rec({80, 20}), rec({85, 60}), rec({99, 1}, 0.5), rec({80, 20}), rec({70, 10})}) r.trajectory.push_back(q);
  const MultiObjective mo = acc_params();
  CHECK(pareto_front(r, mo) == std::vector<std::size_t>{0, 1, 5});
  CHECK(pareto_front(r, mo, 2) == std::vector<std::size_t>{0, 1});
  HypervolumeReference ref{{100, 0}, {0, 100}};
  CHECK(ref.point() == std::vector<double>{-10, 110});
  // The ideal point alone covers (1 + 0.1)^2 of the normalised square.
  CHECK(normalised_hypervolume({{100, 0}}, mo, ref) == Approx(1.21));
  CHECK(normalised_hypervolume({{50, 50}}, mo, ref) == Approx(0.6 * 0.6));
  CHECK(normalised_hypervolume({}, mo, ref) == 0);
  // Points (0.9, 0.5), (0.8, 0.8), (0.7, 0.9) normalised: boxes from (-0.1, -0.1).
  const double want = 1.0 * 0.6 + 0.9 * (0.9 - 0.6) + 0.8 * (1.0 - 0.9);
  CHECK(front_hypervolume(r, mo, ref) == Approx(want));
}

TEST_CASE("multi-objective REA on NB201 (accuracy vs parameters): reproducible, fronts beat random search's") {
  const MultiObjective mo = acc_params();
  const auto& t = test::nb201_table();
  // The table's ranges for the normalisation.
  HypervolumeReference ref;
  double lo_p = 1e18, hi_p = 0;
  for (std::size_t r = 0; r < t.table->rows(); ++r) {
    const double p = static_cast<double>(datasets::nb201::network_cost(t.table->genome(r), "cifar10").parameters);
    lo_p = std::min(lo_p, p), hi_p = std::max(hi_p, p);
  }
  ref.best = {t.table->optimum(t.col, Direction::maximise), lo_p};
  ref.worst = {t.table->optimum(t.col, Direction::minimise), hi_p};
  double rea = 0, rnd = 0;
  constexpr int kSeeds = 12;
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const SearchResult a = search("rea", mo, seed, 150);
    const SearchResult b = search("random", mo, seed, 150);
    REQUIRE(a.trajectory.size() == 150);
    for (const auto& q : a.trajectory) REQUIRE(q.objectives.size() == 2);
    rea += front_hypervolume(a, mo, ref), rnd += front_hypervolume(b, mo, ref);
    if (seed == 0) {
      const SearchResult again = search("rea", mo, seed, 150);
      for (std::size_t i = 0; i < 150; ++i) REQUIRE(again.trajectory[i].arch == a.trajectory[i].arch);
    }
  }
  INFO("mean normalised HV: NSGA-II-style REA " << rea / kSeeds << ", random " << rnd / kSeeds);
  CHECK(rea > rnd);
}

TEST_CASE("constrained search: an infeasible cell is recorded, never the incumbent") {
  MultiObjective mo;
  mo.directions = {Direction::maximise};
  mo.constraints = {parse_constraint("params<=500000")};
  for (const std::string algo : {"rea", "random", "local-search"}) {
    const SearchResult r = search(algo, mo, 3, 120);
    std::size_t infeasible = 0;
    double best = -1;
    for (const auto& q : r.trajectory) {
      const double params = q.metrics.at(0).second;
      CHECK((q.violation == 0) == (params <= 500000));
      infeasible += q.violation != 0;
      if (q.violation == 0) best = std::max(best, q.signal);
      if (!std::isnan(q.best_signal)) CHECK(q.best_signal <= best);
    }
    INFO(algo);
    CHECK(infeasible > 0);  // the constraint binds on NB201 (the best cells have ~1.5 M parameters)
    REQUIRE(r.incumbent());
    CHECK(r.incumbent()->violation == 0);
    CHECK(r.trajectory.back().best_signal == best);
  }
  // A search without objectives refuses them.
  SearchSettings s;
  s.evolution.mo = mo;
  CHECK_THROWS_WITH(search_factory("asha", s), Catch::Contains("has one objective and no constraints"));
}

TEST_CASE("multi-objective guided search: trains on scalarised targets and keeps its front") {
  const MultiObjective base = acc_params();
  for (const auto sc : {MultiObjective::Scalarisation::parego, MultiObjective::Scalarisation::rank}) {
    GuidedOptions o;
    o.budget = 60;
    o.seed = 5;
    o.mo = base;
    o.mo.scalarisation = sc;
    AccParams ev;
    std::unique_ptr<Surrogate> model = std::make_unique<test::RandomSurrogate>(1);
    const SearchResult r = test::guided_once(test::nb201_table().space, ev, model, o);
    REQUIRE(r.trajectory.size() == 60);
    CHECK(!pareto_front(r, base).empty());
    CHECK(!r.retrains.empty());
  }
}

namespace {
/// Two objectives, both maximised: the counts of 3x3 convolutions and of skip connections. The
/// front is every cell of only those two ops: 7 objective vectors (k, 6 - k).
class ConvSkip final : public Evaluator {
 public:
  explicit ConvSkip(const SearchSpace& space) : space_(space) {}
  Evaluation evaluate(const Genome& g) override {
    ++queries_;
    const std::string a = space_.format(g);
    auto count = [&](const std::string& op) {
      double n = 0;
      for (std::size_t p = a.find(op); p != std::string::npos; p = a.find(op, p + 1)) ++n;
      return n;
    };
    Evaluation e;
    e.objectives = {count("nor_conv_3x3"), count("skip_connect")};
    e.signal = e.reported = e.objectives[0];
    return e;
  }
  std::uint64_t queries() const override { return queries_; }

 private:
  const SearchSpace& space_;
  std::uint64_t queries_ = 0;
};
}  // namespace

TEST_CASE("Pareto local search: the budget exactly, no cell twice, the whole front of a known problem, reproducible") {
  const auto space = make_space("nb201");
  MultiObjective mo;
  mo.directions = {Direction::maximise, Direction::maximise};
  SearchSettings s;
  s.evolution.budget = 400;
  s.evolution.mo = mo;
  auto go = [&](std::uint64_t seed, std::size_t workers) {
    s.evolution.seed = seed;
    RunOptions ro = test::inline_run({seed}, Direction::maximise);
    if (workers > 1) {  // the simulated clock, asynchronous: results arrive out of ask order
      ro.executor.kind = ExecutorOptions::Kind::simulated;
      ro.executor.mode = ExecutorOptions::Mode::async;
      ro.executor.workers = workers;
      ro.executor.cost = parse_cost_model("lognormal:10,1");
    }
    return run(*space, search_factory("local-search", s), [&] { return std::make_unique<ConvSkip>(*space); }, ro)[0];
  };
  for (std::uint64_t seed : {1, 2, 3}) {
    const SearchResult r = go(seed, 1);
    REQUIRE(r.trajectory.size() == 400);
    std::unordered_set<Genome, GenomeHasher> cells;
    for (const auto& q : r.trajectory) cells.insert(q.arch);
    CHECK(cells.size() == 400);
    std::set<std::vector<double>> front;
    for (std::size_t i : pareto_front(r, mo)) front.insert(r.trajectory[i].objectives);
    INFO("seed " << seed << ": front of " << front.size() << " vectors");
    CHECK(front.size() == 7);
    for (const auto& v : front) CHECK(v[0] + v[1] == 6);
    const SearchResult again = go(seed, 1);
    for (std::size_t i = 0; i < 400; ++i) REQUIRE(again.trajectory[i].arch == r.trajectory[i].arch);
  }
  // Several evaluations in flight: still the budget exactly and no cell twice.
  const SearchResult w = go(4, 4);
  std::unordered_set<Genome, GenomeHasher> cells;
  for (const auto& q : w.trajectory) cells.insert(q.arch);
  CHECK(w.trajectory.size() == 400);
  CHECK(cells.size() == 400);
}
