// Minimise objectives end to end (TransNAS-Bench-101 room_layout is a loss), and random search
// on NAS-Bench-Macro against its closed-form expectation.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "../test_data.hpp"
#include "nas/datasets/benchmark.hpp"
#include "nas/datasets/tables.hpp"
#include "nas/engine/search.hpp"
#include "nas/engine/statistics.hpp"
#include "run_helpers.hpp"
#include "nas/mutation/macro.hpp"
#include "nas/mutation/transnas.hpp"

using namespace nas;
namespace ds = nas::datasets;
namespace fs = std::filesystem;

namespace {

std::vector<std::uint64_t> seeds(std::size_t n, std::uint64_t base = 0) {
  std::vector<std::uint64_t> s(n);
  std::iota(s.begin(), s.end(), base);
  return s;
}

// A complete synthetic loss table over the 4,096 TransNAS micro cells: the loss is the Hamming
// distance to a target cell plus a small, distinct tie-breaker, so the minimum is unique (the
// target, loss 0) and the landscape is one that evolution must be able to descend.
std::shared_ptr<const ds::TabularBenchmark> loss_table(const transnas::MicroSpace& space, Genome& target) {
  target = space.parse("64-41414-3_13_203");
  std::string csv = "arch,loss\n";
  for (std::uint64_t i = 0; i < *space.size(); ++i) {
    const Genome g = space.at(i);
    int d = 0;
    for (std::size_t e = 0; e < g.size(); ++e) d += g[e] != target[e];
    csv += space.format(g) + "," + std::to_string(d + (d ? 1e-4 * static_cast<double>(i % 997) : 0.0)) + "\n";
  }
  const fs::path dir = fs::temp_directory_path() / "nas_test_minimise";
  fs::create_directories(dir);
  const auto path = (dir / "loss.csv").string();
  std::ofstream(path, std::ios::binary) << csv;
  ds::TableSpec spec;
  spec.arch_column = "arch";
  spec.value_columns = {"loss", "-loss"};
  spec.complete = true;
  return ds::TabularBenchmark::load(space, path, spec);
}

}  // namespace

TEST_CASE("a minimise search finds the minimum of a loss table", "[engine][minimise]") {
  transnas::MicroSpace space;
  Genome target;
  const auto t = loss_table(space, target);
  const auto loss = t->column("loss");
  REQUIRE(t->optimum(loss, Direction::minimise) == 0.0);
  SearchOptions o;
  o.algorithm = Algorithm::rea;
  o.budget = 400;
  const auto runs = test::search_seeds(
      space, [&] { return std::make_unique<ds::TableEvaluator>(t, space, loss, loss, Direction::minimise); }, o, seeds(20), 0);
  for (const auto& r : runs) {
    REQUIRE(r.trajectory.size() == 400);
    // The incumbent only ever improves downwards.
    for (std::size_t q = 1; q < r.trajectory.size(); ++q) REQUIRE(r.trajectory[q].best_signal <= r.trajectory[q - 1].best_signal);
    CHECK(r.trajectory.back().best_reported == 0.0);
  }
  CHECK(hit_fraction(runs, 0.0, Direction::minimise) == 1.0);
  // Random search minimising is worse on average than REA, and both beat the worst.
  o.algorithm = Algorithm::random;
  const auto rs = test::search_seeds(
      space, [&] { return std::make_unique<ds::TableEvaluator>(t, space, loss, loss, Direction::minimise); }, o, seeds(20), 0);
  CHECK(best_reported_at(rs, 400).mean > best_reported_at(runs, 400).mean);
}

TEST_CASE("minimising a loss is maximising its negation, query for query", "[engine][minimise]") {
  transnas::MicroSpace space;
  Genome target;
  const auto t = loss_table(space, target);
  const auto loss = t->column("loss"), neg = t->column("-loss");
  for (auto algo : {Algorithm::random, Algorithm::rea}) {
    SearchOptions o;
    o.algorithm = algo;
    o.budget = 200;
    o.seed = 5;
    ds::TableEvaluator emin(t, space, loss, loss, Direction::minimise), emax(t, space, neg, neg, Direction::maximise);
    const auto a = test::search_once(space, emin, o), b = test::search_once(space, emax, o);
    REQUIRE(a.trajectory.size() == b.trajectory.size());
    for (std::size_t q = 0; q < a.trajectory.size(); ++q) {
      REQUIRE(a.trajectory[q].arch == b.trajectory[q].arch);
      REQUIRE(a.trajectory[q].best_signal == -b.trajectory[q].best_signal);
    }
  }
}

TEST_CASE("TransNAS room_layout loads as a loss that the engine minimises", "[engine][minimise][integration]") {
  transnas::MicroSpace space;
  const auto t = ds::transnas::load_micro(space, ds::transnas::default_path(test::data_dir()), "room_layout");
  const auto c = t->column(ds::transnas::metric_column("room_layout"));
  ds::TableEvaluator ev(t, space, c, c, ds::transnas::direction("room_layout"));
  CHECK(ev.direction() == Direction::minimise);
  // Evaluate every row in table order; the incumbent must end at the table's smallest loss.
  double best = 0;
  for (std::size_t r = 0; r < t->rows(); ++r) {
    const double v = ev.evaluate(t->genome(r)).signal;
    if (r == 0 || better(ev.direction(), v, best)) best = v;
  }
  CHECK(best == t->optimum(c, Direction::minimise));
  CHECK(best == Approx(0.6094988));  // -max(val_metric) in the file
}

TEST_CASE("random search on NAS-Bench-Macro matches the closed-form expectation (1000 seeds)", "[engine][macro][integration][statistics]") {
  macro::Space space;
  const auto t = ds::macro::load(space, ds::macro::default_path(test::data_dir()));
  const auto mean = t->column("test_acc_mean");
  SearchOptions o;
  o.algorithm = Algorithm::random;
  o.budget = 100;
  const auto runs = test::search_seeds(space, [&] { return std::make_unique<ds::TableEvaluator>(t, space, mean, mean); }, o, seeds(1000), 0);
  for (std::size_t n : {10, 25, 50, 100}) {
    const MeanStd m = best_reported_at(runs, n);
    const MeanStd e = expected_best_of_n(t->values(mean), n);
    const double se = m.std / std::sqrt(static_cast<double>(m.n));
    INFO("n=" << n << " measured " << m.mean << " expected " << e.mean << " se " << se);
    CHECK(std::abs(m.mean - e.mean) < 3 * se);
    CHECK(m.std == Approx(e.std).epsilon(0.15));
  }
  // The same for a minimise objective (the worst architecture), through the same code path.
  const auto worst = test::search_seeds(
      space, [&] { return std::make_unique<ds::TableEvaluator>(t, space, mean, mean, Direction::minimise); }, o, seeds(1000), 0);
  const MeanStd m = best_reported_at(worst, 50);
  const MeanStd e = expected_best_of_n(t->values(mean), 50, Direction::minimise);
  CHECK(std::abs(m.mean - e.mean) < 3 * m.std / std::sqrt(1000.0));
}
