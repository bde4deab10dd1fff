// Pareto vocabulary: dominance, ranks, crowding and hypervolume against hand-computed values and a
// brute-force count on integer grids.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <limits>

#include "nas/core/rng.hpp"
#include "nas/engine/pareto.hpp"

using namespace nas;
using pareto::Point;

TEST_CASE("pareto: dominance and non-dominated ranks") {
  CHECK(pareto::dominates({3, 1}, {2, 1}));
  CHECK_FALSE(pareto::dominates({3, 1}, {3, 1}));  // equal: neither dominates
  CHECK_FALSE(pareto::dominates({3, 1}, {1, 3}));
  // A, B, C and G (a copy of A) form the front; E is dominated by A only, D by E, F by everything.
  const std::vector<Point> pts{{3, 1}, {2, 2}, {1, 3}, {1, 1}, {2, 1}, {0, 0}, {3, 1}};
  CHECK(pareto::ranks(pts) == std::vector<std::size_t>{0, 0, 0, 2, 1, 3, 0});
  CHECK(pareto::front(pts) == std::vector<std::size_t>{0, 1, 2, 6});
  CHECK(pareto::ranks({}).empty());
  CHECK_THROWS_AS(pareto::ranks({{1, 2}, {1}}), std::invalid_argument);
  CHECK_THROWS_AS(pareto::ranks({{1, std::nan("")}}), std::invalid_argument);
}

TEST_CASE("pareto: crowding distance, extremes infinite, interior normalised gaps") {
  constexpr double inf = std::numeric_limits<double>::infinity();
  // Four points on the line x + y = 4: interior gaps (2/3 + 2/3) in each objective's order.
  const std::vector<Point> pts{{0, 4}, {1, 3}, {3, 1}, {4, 0}, {9, 9}};
  const auto d = pareto::crowding(pts, {0, 1, 2, 3});
  REQUIRE(d.size() == 4);
  CHECK(d[0] == inf);
  CHECK(d[3] == inf);
  CHECK(d[1] == Approx(3.0 / 4 + 3.0 / 4));
  CHECK(d[2] == Approx(3.0 / 4 + 3.0 / 4));
  CHECK(pareto::crowding(pts, {0, 4}) == std::vector<double>{inf, inf});
  CHECK_THROWS_AS(pareto::crowding(pts, {7}), std::invalid_argument);
}

TEST_CASE("pareto: hypervolume by hand and against a brute-force count") {
  CHECK(pareto::hypervolume({{3, 1}, {2, 2}, {1, 3}}, {0, 0}) == Approx(6.0));
  CHECK(pareto::hypervolume({{3, 1}, {2, 2}, {1, 3}, {1, 1}}, {0, 0}) == Approx(6.0));  // a dominated point adds nothing
  CHECK(pareto::hypervolume({{1, 2, 3}}, {0, 0, 0}) == Approx(6.0));
  CHECK(pareto::hypervolume({{2, 1, 1}, {1, 2, 1}}, {0, 0, 0}) == Approx(3.0));
  CHECK(pareto::hypervolume({{2, -1}}, {0, 0}) == 0.0);  // does not dominate the reference
  CHECK(pareto::hypervolume({}, {0, 0}) == 0.0);
  CHECK_THROWS_AS(pareto::hypervolume({{1, 2}}, {0, 0, 0}), std::invalid_argument);
  CHECK_THROWS_AS(pareto::hypervolume({{1, 2}}, {}), std::invalid_argument);
  // Integer points in [0, 6]^M: the volume is the number of unit cells whose upper corner some
  // point dominates (weakly), counted one by one.
  Rng rng(11);
  for (std::size_t m : {2u, 3u, 4u}) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<Point> pts(1 + rng.below(12), Point(m));
      for (auto& p : pts)
        for (auto& v : p) v = static_cast<double>(rng.below(7));
      std::size_t cells = 0;
      Point corner(m);
      std::function<void(std::size_t)> walk = [&](std::size_t k) {
        if (k == m) {
          for (const auto& p : pts) {
            bool covers = true;
            for (std::size_t j = 0; j < m && covers; ++j) covers = p[j] >= corner[j];
            if (covers) { ++cells; return; }
          }
          return;
        }
        for (int c = 1; c <= 6; ++c) corner[k] = c, walk(k + 1);
      };
      walk(0);
      INFO("M = " << m << ", trial " << trial);
      CHECK(pareto::hypervolume(pts, Point(m, 0.0)) == Approx(static_cast<double>(cells)));
    }
  }
}

TEST_CASE("pareto: the front (sorted filter) is rank 0 of the full sort, ties and copies included") {
  Rng rng(5);
  for (std::size_t m : {1u, 2u, 3u}) {
    for (int trial = 0; trial < 50; ++trial) {
      std::vector<Point> pts(1 + rng.below(60), Point(m));
      for (auto& p : pts)
        for (auto& v : p) v = static_cast<double>(rng.below(6));  // many ties and copies
      const auto r = pareto::ranks(pts);
      std::vector<std::size_t> want;
      for (std::size_t i = 0; i < r.size(); ++i)
        if (r[i] == 0) want.push_back(i);
      REQUIRE(pareto::front(pts) == want);
    }
  }
}
