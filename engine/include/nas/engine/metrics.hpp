#pragma once
// Rank-correlation metrics for predictors (torch-free so the engine can compute online tau).
#include <cstddef>
#include <span>

namespace nas {

/// Kendall's tau-b of x and y (equal length >= 2), O(n log n) (Knight's algorithm); ties in x or
/// y handled as tau-b. Returns 0 when either side is constant.
double kendall_tau(std::span<const double> x, std::span<const double> y);
/// O(n^2) reference implementation of the same tau-b; for tests.
double kendall_tau_bruteforce(std::span<const double> x, std::span<const double> y);
/// Spearman's rho: Pearson correlation of average ranks.
double spearman_rho(std::span<const double> x, std::span<const double> y);
/// Of the `fraction` best items by truth, the share that are also in the `fraction` best by
/// prediction (precision@top-k, k = max(1, round(fraction * n))), larger = better for both.
double top_fraction_precision(std::span<const double> predicted, std::span<const double> truth, double fraction);

}  // namespace nas
