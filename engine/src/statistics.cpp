#include "nas/engine/statistics.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>

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
  return expected_incumbent_of_n(values, values, n, d);
}

MeanStd expected_incumbent_of_n(std::span<const double> signal, std::span<const double> reported, std::size_t n, Direction d) {
  const std::size_t N = signal.size();
  assert(n >= 1 && n <= N && reported.size() == N);
  // Rows from worst to best signal; each carries the reported value (tied signals: their mean,
  // and the mean of squares for the variance).
  std::vector<std::size_t> idx(N);
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](auto a, auto b) { return d == Direction::maximise ? signal[a] < signal[b] : signal[a] > signal[b]; });
  std::vector<double> v(N), v2(N);
  for (std::size_t i = 0; i < N;) {
    std::size_t j = i;
    double s = 0, s2 = 0;
    while (j < N && signal[idx[j]] == signal[idx[i]]) {
      s += reported[idx[j]];
      s2 += reported[idx[j]] * reported[idx[j]];
      ++j;
    }
    for (std::size_t k = i; k < j; ++k) {
      v[k] = s / static_cast<double>(j - i);
      v2[k] = s2 / static_cast<double>(j - i);
    }
    i = j;
  }
  // P(best is the k-th worst, 1-based) = C(k-1, n-1) / C(N, n); in logs for large N.
  const double log_total = std::lgamma(N + 1.0) - std::lgamma(n + 1.0) - std::lgamma(static_cast<double>(N - n) + 1.0);
  double m1 = 0, m2 = 0;
  for (std::size_t k = n; k <= N; ++k) {
    const double lp = std::lgamma(static_cast<double>(k)) - std::lgamma(static_cast<double>(n)) -
                      std::lgamma(static_cast<double>(k - n) + 1.0) - log_total;
    const double p = std::exp(lp);
    m1 += p * v[k - 1];
    m2 += p * v2[k - 1];
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
