#include "nas/engine/statistics.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
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

std::pair<double, double> standardise(std::span<double> v) {
  if (v.empty()) return {0.0, 0.0};
  double mu = 0, var = 0;
  for (double x : v) mu += x;
  mu /= static_cast<double>(v.size());
  for (double x : v) var += (x - mu) * (x - mu);
  const double sd = std::sqrt(var / static_cast<double>(v.size()));
  for (double& x : v) x = sd > 0 ? (x - mu) / sd : 0;
  return {mu, sd};
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

bool reaches(double value, double optimum, Direction d, double tol) {
  return d == Direction::maximise ? value >= optimum - tol : value <= optimum + tol;
}

std::vector<double> best_reported_curve(const SearchResult& r) {
  std::vector<double> c;
  c.reserve(r.trajectory.size());
  for (const auto& q : r.trajectory) c.push_back(q.best_reported);
  return c;
}

MeanStd best_at(std::span<const std::vector<double>> curves, std::size_t queries) {
  std::vector<double> v;
  v.reserve(curves.size());
  for (const auto& c : curves)
    if (!c.empty() && queries > 0 && !std::isnan(c[std::min(queries, c.size()) - 1])) v.push_back(c[std::min(queries, c.size()) - 1]);
  return mean_std(v);
}

double hit_fraction(std::span<const std::vector<double>> curves, double optimum, Direction d, double tol) {
  if (curves.empty()) return 0;
  std::size_t hits = 0;
  for (const auto& c : curves)
    if (!c.empty() && reaches(c.back(), optimum, d, tol)) ++hits;
  return static_cast<double>(hits) / static_cast<double>(curves.size());
}

namespace {
std::vector<std::vector<double>> curves_of(std::span<const SearchResult> runs) {
  std::vector<std::vector<double>> c;
  c.reserve(runs.size());
  for (const auto& r : runs) c.push_back(best_reported_curve(r));
  return c;
}
}  // namespace

MeanStd best_reported_at(std::span<const SearchResult> runs, std::size_t queries) { return best_at(curves_of(runs), queries); }

std::optional<double> incumbent_at_time(const SearchResult& r, double seconds, Direction d) {
  double top = 0;
  for (const auto& q : r.trajectory) top = std::max(top, q.fidelity ? q.fidelity->amount : std::numeric_limits<double>::infinity());
  const QueryRecord* best = nullptr;
  for (const auto& q : r.trajectory) {
    const bool full = !q.fidelity || q.fidelity->amount >= top;
    if (full && q.finished <= seconds && (!best || better(d, q.signal, best->signal) || (q.signal == best->signal && q.finished < best->finished)))
      best = &q;
  }
  if (!best) return std::nullopt;
  return best->reported;
}

MeanStd best_reported_at_time(std::span<const SearchResult> runs, double seconds, Direction d) {
  std::vector<double> v;
  for (const auto& r : runs)
    if (const auto x = incumbent_at_time(r, seconds, d)) v.push_back(*x);
  return mean_std(v);
}

double hit_fraction(std::span<const SearchResult> runs, double optimum, Direction d, double tol) {
  return hit_fraction(curves_of(runs), optimum, d, tol);
}

}  // namespace nas
