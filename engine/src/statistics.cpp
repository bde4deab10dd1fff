#include "nas/engine/statistics.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace nas {

MeanStd mean_std(std::span<const double> v) {
  MeanStd r;
  r.n = v.size();
  if (v.empty()) return r;
  double s = 0;
  for (double x : v) s += x;
  r.mean = s / static_cast<double>(v.size());
  if (v.size() > 1) {
    double q = 0;
    for (double x : v) q += (x - r.mean) * (x - r.mean);
    r.std = std::sqrt(q / static_cast<double>(v.size() - 1));
  }
  return r;
}

MeanStd expected_best_of_n(std::span<const double> values, std::size_t n, Direction d) {
  const std::size_t N = values.size();
  assert(n >= 1 && n <= N);
  std::vector<double> v(values.begin(), values.end());
  std::sort(v.begin(), v.end());
  if (d == Direction::minimise) std::reverse(v.begin(), v.end());
  // P(best is the k-th worst, 1-based) = C(k-1, n-1) / C(N, n); in logs for large N.
  const double log_total = std::lgamma(N + 1.0) - std::lgamma(n + 1.0) - std::lgamma(static_cast<double>(N - n) + 1.0);
  double m1 = 0, m2 = 0;
  for (std::size_t k = n; k <= N; ++k) {
    const double lp = std::lgamma(static_cast<double>(k)) - std::lgamma(static_cast<double>(n)) -
                      std::lgamma(static_cast<double>(k - n) + 1.0) - log_total;
    const double p = std::exp(lp);
    m1 += p * v[k - 1];
    m2 += p * v[k - 1] * v[k - 1];
  }
  return {m1, std::sqrt(std::max(0.0, m2 - m1 * m1)), n};
}

MeanStd best_reported_at(std::span<const SearchResult> runs, std::size_t queries) {
  std::vector<double> v;
  v.reserve(runs.size());
  for (const auto& r : runs)
    if (!r.trajectory.empty()) v.push_back(r.best_reported_at(queries));
  return mean_std(v);
}

double hit_fraction(std::span<const SearchResult> runs, double optimum, Direction d, double tol) {
  if (runs.empty()) return 0;
  std::size_t hits = 0;
  for (const auto& r : runs) {
    if (r.trajectory.empty()) continue;
    const double b = r.trajectory.back().best_reported;
    if (d == Direction::maximise ? b >= optimum - tol : b <= optimum + tol) ++hits;
  }
  return static_cast<double>(hits) / static_cast<double>(runs.size());
}

}  // namespace nas
