// Residual kriging: the GP carries true results to the cells next to them, is sure only near
// evaluated cells, calibrates an arbitrary (even reversed) score scale; expected improvement;
// refusals.
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "nas/core/rng.hpp"
#include "nas/engine/kriging.hpp"

using namespace nas;

namespace {

Genome cell(std::initializer_list<int> ops) {
  std::vector<std::uint8_t> b;
  for (int o : ops) b.push_back(static_cast<std::uint8_t>(o));
  return Genome(b);
}

// An additive landscape over 6 positions x 5 values that the "surrogate" knows exactly, plus a
// bump it does not know: +3 at X and +1.5 one position away from X (ops good only together).
const Genome X = cell({2, 2, 3, 1, 3, 3});
double additive(const Genome& g) {
  double s = 0;
  for (std::size_t p = 0; p < g.size(); ++p) s += 0.3 * static_cast<double>((g[p] * (p + 1)) % 5);
  return s;
}
double truth(const Genome& g) {
  const std::size_t d = genome_distance(g, X);
  return additive(g) + (d == 0 ? 3.0 : d == 1 ? 1.5 : 0.0);
}

}  // namespace

TEST_CASE("residual kriging corrects the surrogate next to evaluated cells and is unsure far from them", "[kriging]") {
  std::vector<Genome> archs;
  Rng rng(7);
  while (archs.size() < 40) {
    std::vector<std::uint8_t> b(6);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng.below(5));
    Genome g(b);
    if (genome_distance(g, X) >= 3) archs.push_back(g);
  }
  for (std::size_t p = 0; p < 5; ++p) {  // five of X's neighbours, not X
    Genome n = X;
    n[p] = static_cast<std::uint8_t>((n[p] + 1) % 5);
    archs.push_back(n);
  }
  std::vector<double> y, s;
  for (const auto& g : archs) y.push_back(truth(g)), s.push_back(10 * additive(g) + 5);
  ResidualKriging k;
  REQUIRE_FALSE(k.fitted());
  k.fit(archs, y, s);
  REQUIRE(k.fitted());
  const Genome far = cell({4, 4, 4, 4, 4, 4});
  REQUIRE(genome_distance(far, X) >= 5);
  const std::vector<Genome> queries{X, far};
  const auto post = k.predict(queries, std::vector<double>{10 * additive(X) + 5, 10 * additive(far) + 5});
  INFO("X: mean " << post.mean[0] << " sd " << post.sd[0] << " (additive " << additive(X) << ", truth " << truth(X) << "); far: mean "
                  << post.mean[1] << " sd " << post.sd[1] << "; length " << k.length() << " noise " << k.noise());
  CHECK(post.mean[0] > additive(X) + 0.75);          // the neighbours' surplus reaches X
  CHECK(std::abs(post.mean[1] - additive(far)) < 0.75);  // far away: the calibrated surrogate
  CHECK(post.sd[0] < post.sd[1]);
  // Reversed scores: the calibration's slope is negative and the means are the same.
  std::vector<double> neg;
  for (double v : s) neg.push_back(-v);
  ResidualKriging r;
  r.fit(archs, y, neg);
  const auto post_neg = r.predict(queries, std::vector<double>{-(10 * additive(X) + 5), -(10 * additive(far) + 5)});
  CHECK(post_neg.mean[0] == Approx(post.mean[0]).epsilon(1e-9));
  CHECK(post_neg.sd[1] == Approx(post.sd[1]).epsilon(1e-9));
}

TEST_CASE("expected improvement and the kriging refusals", "[kriging]") {
  CHECK(expected_improvement(1.0, 0.0, 0.5) == Approx(0.5));
  CHECK(expected_improvement(0.0, 0.0, 1.0) == 0.0);
  CHECK(expected_improvement(1.0, 1.0, 1.0) == Approx(0.3989422804));  // sd * phi(0)
  CHECK(expected_improvement(0.0, 2.0, 1.0) > expected_improvement(0.0, 1.0, 1.0));
  CHECK(genome_distance(cell({1, 2, 3}), cell({1, 0, 3})) == 1);
  CHECK(genome_distance(cell({1, 2, 3}), cell({1, 2})) == 3);
  ResidualKriging k;
  const std::vector<Genome> g{cell({1, 2}), cell({2, 2})};
  CHECK_THROWS_AS(k.predict(g, std::vector<double>{0, 1}), std::logic_error);
  CHECK_THROWS_AS(k.fit(g, std::vector<double>{1}, std::vector<double>{0, 1}), std::invalid_argument);
  CHECK_THROWS_AS(k.fit({}, {}, {}), std::invalid_argument);
  CHECK_THROWS_WITH(k.fit(g, std::vector<double>{1, std::nan("")}, std::vector<double>{0, 1}), Catch::Contains("target 1"));
  k.fit(g, std::vector<double>{1, 2}, std::vector<double>{0, 0});  // constant scores: the GP alone
  CHECK_THROWS_AS(k.predict(g, std::vector<double>{0}), std::invalid_argument);
  const auto p = k.predict(g, std::vector<double>{0, 0});
  CHECK(p.mean[1] > p.mean[0]);
}
