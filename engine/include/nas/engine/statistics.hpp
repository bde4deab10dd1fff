#pragma once
// Aggregates over seeds, and the exact expectation of random search on a complete table.
#include <cstddef>
#include <span>
#include <vector>

#include "nas/core/evaluator.hpp"
#include "nas/engine/search.hpp"

namespace nas {

struct MeanStd {
  double mean = 0, std = 0;  // std: sample standard deviation (n-1); 0 for n < 2
  std::size_t n = 0;
};
MeanStd mean_std(std::span<const double> v);

/// Expected best of n values drawn uniformly *without replacement* from `values` (the whole
/// table): sum_k v_(k) * C(k-1, n-1) / C(N, n) over the sorted values (ascending for maximise,
/// descending for minimise), and its standard deviation. Requires 1 <= n <= values.size().
MeanStd expected_best_of_n(std::span<const double> values, std::size_t n, Direction d = Direction::maximise);

/// The same for a search on `signal` that reports `reported` (same length, row-aligned): the
/// expected reported value of the best-by-signal architecture among n drawn without replacement
/// (ties in signal: the incumbent is the first drawn, so tied rows count with their mean).
MeanStd expected_incumbent_of_n(std::span<const double> signal, std::span<const double> reported, std::size_t n,
                                Direction d = Direction::maximise);

/// Mean/std over runs of the incumbent's reported value after `queries` queries.
MeanStd best_reported_at(std::span<const SearchResult> runs, std::size_t queries);

/// Fraction of runs whose incumbent's reported value reaches `optimum` (within `tol`).
double hit_fraction(std::span<const SearchResult> runs, double optimum, Direction d, double tol = 1e-9);

}  // namespace nas
