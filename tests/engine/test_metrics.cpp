// Rank metrics and the closed-form expectation of random search.
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <vector>

#include "nas/engine/metrics.hpp"
#include "nas/engine/statistics.hpp"
#include "nas/core/rng.hpp"

using namespace nas;

TEST_CASE("Kendall tau-b (O(n log n)) equals the O(n^2) definition, ties included", "[metrics]") {
  Rng rng(99);
  for (int trial = 0; trial < 50; ++trial) {
    const std::size_t n = 2 + rng.below(300);
    const std::uint64_t levels = trial % 2 ? 5 : 1000000;  // many ties or almost none
    std::vector<double> x(n), y(n);
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = static_cast<double>(rng.below(levels));
      y[i] = trial % 3 ? static_cast<double>(rng.below(levels)) : x[i] + static_cast<double>(rng.below(3));
    }
    INFO("trial " << trial << " n " << n);
    REQUIRE(kendall_tau(x, y) == Approx(kendall_tau_bruteforce(x, y)).margin(1e-12));
  }
  const std::vector<double> a{1, 2, 3, 4}, b{4, 3, 2, 1}, c{1, 3, 2, 4};
  CHECK(kendall_tau(a, a) == Approx(1.0));
  CHECK(kendall_tau(a, b) == Approx(-1.0));
  CHECK(kendall_tau(a, c) == Approx(4.0 / 6.0));
  const std::vector<double> constant{1, 1, 1, 1};
  CHECK(kendall_tau(a, constant) == 0.0);
}

TEST_CASE("Spearman rho and top-fraction precision", "[metrics]") {
  const std::vector<double> a{1, 2, 3, 4, 5}, b{5, 6, 7, 8, 7};
  CHECK(spearman_rho(a, a) == Approx(1.0));
  CHECK(spearman_rho(a, b) == Approx(0.8207826817));  // scipy.stats.spearmanr
  std::vector<double> truth(1000), pred(1000);
  std::iota(truth.begin(), truth.end(), 0.0);
  pred = truth;
  CHECK(top_fraction_precision(pred, truth, 0.01) == 1.0);
  std::reverse(pred.begin(), pred.end());
  CHECK(top_fraction_precision(pred, truth, 0.01) == 0.0);
}

TEST_CASE("expected best-of-n without replacement matches enumeration", "[statistics]") {
  const std::vector<double> v{3, 1, 4, 1.5, 9, 2.6};
  // All C(6,3) = 20 subsets of size 3.
  double sum = 0;
  int count = 0;
  for (int i = 0; i < 6; ++i)
    for (int j = i + 1; j < 6; ++j)
      for (int k = j + 1; k < 6; ++k) {
        sum += std::max({v[static_cast<std::size_t>(i)], v[static_cast<std::size_t>(j)], v[static_cast<std::size_t>(k)]});
        ++count;
      }
  CHECK(expected_best_of_n(v, 3).mean == Approx(sum / count));
  CHECK(expected_best_of_n(v, 6).mean == Approx(9.0));
  CHECK(expected_best_of_n(v, 6).std == Approx(0.0).margin(1e-9));
  CHECK(expected_best_of_n(v, 1).mean == Approx((3 + 1 + 4 + 1.5 + 9 + 2.6) / 6));
  CHECK(expected_best_of_n(v, 2, Direction::minimise).mean < expected_best_of_n(v, 1).mean);
  const std::vector<double> s{1, 2, 3};
  CHECK(mean_std(s).mean == 2.0);
  CHECK(mean_std(s).std == Approx(1.0));
}

TEST_CASE("expected incumbent of n (signal != reported) matches enumeration, ties included", "[statistics]") {
  const std::vector<double> signal{3, 1, 4, 1, 9, 4}, reported{30, 10, 41, 12, 90, 47};
  // All C(6,3) subsets; the incumbent is the best signal, ties resolved by a uniformly random
  // order of drawing (average over both tied rows).
  double sum = 0;
  int count = 0;
  for (int i = 0; i < 6; ++i)
    for (int j = i + 1; j < 6; ++j)
      for (int k = j + 1; k < 6; ++k) {
        const int idx[3] = {i, j, k};
        double best = -1e9, rep = 0;
        int ties = 0;
        for (int t : idx) {
          const double sg = signal[static_cast<std::size_t>(t)];
          if (sg > best) { best = sg; rep = reported[static_cast<std::size_t>(t)]; ties = 1; }
          else if (sg == best) { rep += reported[static_cast<std::size_t>(t)]; ++ties; }
        }
        sum += rep / ties;
        ++count;
      }
  CHECK(expected_incumbent_of_n(signal, reported, 3).mean == Approx(sum / count));
  CHECK(expected_incumbent_of_n(signal, reported, 6).mean == Approx(90.0));
  CHECK(expected_incumbent_of_n(signal, signal, 3).mean == Approx(expected_best_of_n(signal, 3).mean));
}
