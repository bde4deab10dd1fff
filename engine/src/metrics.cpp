#include "nas/engine/metrics.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <unordered_set>
#include <vector>

namespace nas {
namespace {

// Number of tied pairs in a sorted sequence, given a predicate "same".
template <class Same>
double tied_pairs(std::size_t n, Same same) {
  double t = 0, run = 1;
  for (std::size_t i = 1; i < n; ++i) {
    if (same(i - 1, i)) { run += 1; }
    else { t += run * (run - 1) / 2; run = 1; }
  }
  return t + run * (run - 1) / 2;
}

// Merge sort counting exchanges (discordant swaps).
double merge_count(std::vector<double>& v, std::vector<double>& tmp, std::size_t lo, std::size_t hi) {
  if (hi - lo < 2) return 0;
  const std::size_t mid = (lo + hi) / 2;
  double swaps = merge_count(v, tmp, lo, mid) + merge_count(v, tmp, mid, hi);
  std::size_t i = lo, j = mid, k = lo;
  while (i < mid && j < hi) {
    if (v[j] < v[i]) { swaps += static_cast<double>(mid - i); tmp[k++] = v[j++]; }
    else tmp[k++] = v[i++];
  }
  while (i < mid) tmp[k++] = v[i++];
  while (j < hi) tmp[k++] = v[j++];
  std::copy(tmp.begin() + static_cast<long>(lo), tmp.begin() + static_cast<long>(hi), v.begin() + static_cast<long>(lo));
  return swaps;
}

std::vector<double> average_ranks(std::span<const double> x) {
  const std::size_t n = x.size();
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return x[a] < x[b]; });
  std::vector<double> r(n);
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && x[idx[j + 1]] == x[idx[i]]) ++j;
    const double avg = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (std::size_t k = i; k <= j; ++k) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

}  // namespace

double kendall_tau(std::span<const double> x, std::span<const double> y) {
  assert(x.size() == y.size());
  const std::size_t n = x.size();
  if (n < 2) return 0;
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return x[a] < x[b] || (x[a] == x[b] && y[a] < y[b]); });
  const double n0 = static_cast<double>(n) * static_cast<double>(n - 1) / 2;
  const double n1 = tied_pairs(n, [&](auto a, auto b) { return x[idx[a]] == x[idx[b]]; });
  const double n3 = tied_pairs(n, [&](auto a, auto b) { return x[idx[a]] == x[idx[b]] && y[idx[a]] == y[idx[b]]; });
  std::vector<double> ys(n), tmp(n);
  for (std::size_t i = 0; i < n; ++i) ys[i] = y[idx[i]];
  const double swaps = merge_count(ys, tmp, 0, n);  // ys is now sorted
  const double n2 = tied_pairs(n, [&](auto a, auto b) { return ys[a] == ys[b]; });
  const double denom = std::sqrt((n0 - n1) * (n0 - n2));
  if (denom == 0) return 0;
  return (n0 - n1 - n2 + n3 - 2 * swaps) / denom;
}

double kendall_tau_bruteforce(std::span<const double> x, std::span<const double> y) {
  const std::size_t n = x.size();
  double conc = 0, disc = 0, tx = 0, ty = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      const double dx = x[i] - x[j], dy = y[i] - y[j];
      if (dx == 0 && dy == 0) continue;
      if (dx == 0) { tx += 1; continue; }
      if (dy == 0) { ty += 1; continue; }
      (dx * dy > 0 ? conc : disc) += 1;
    }
  const double denom = std::sqrt((conc + disc + tx) * (conc + disc + ty));
  return denom == 0 ? 0 : (conc - disc) / denom;
}

double spearman_rho(std::span<const double> x, std::span<const double> y) {
  assert(x.size() == y.size());
  const std::size_t n = x.size();
  if (n < 2) return 0;
  const auto rx = average_ranks(x), ry = average_ranks(y);
  const double mean = (static_cast<double>(n) + 1) / 2;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) * (rx[i] - mean);
    syy += (ry[i] - mean) * (ry[i] - mean);
  }
  return sxx == 0 || syy == 0 ? 0 : sxy / std::sqrt(sxx * syy);
}

double top_fraction_precision(std::span<const double> predicted, std::span<const double> truth, double fraction) {
  assert(predicted.size() == truth.size());
  const std::size_t n = truth.size();
  if (n == 0) return 0;
  const auto k = std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(fraction * static_cast<double>(n))));
  auto top = [&](std::span<const double> v) {
    std::vector<std::size_t> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    std::partial_sort(idx.begin(), idx.begin() + static_cast<long>(k), idx.end(), [&](auto a, auto b) { return v[a] > v[b] || (v[a] == v[b] && a < b); });
    idx.resize(k);
    return idx;
  };
  const auto tp = top(predicted), tt = top(truth);
  std::unordered_set<std::size_t> s(tt.begin(), tt.end());
  std::size_t hit = 0;
  for (auto i : tp) hit += s.count(i);
  return static_cast<double>(hit) / static_cast<double>(k);
}

}  // namespace nas
