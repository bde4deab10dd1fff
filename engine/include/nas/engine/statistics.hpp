#pragma once
// Aggregates over seeds, and the exact expectation of random search on a complete table.
#include <cstddef>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "nas/core/evaluator.hpp"
#include "nas/engine/search.hpp"

namespace nas {

struct MeanStd {
  double mean = 0, std = 0;  // std: sample standard deviation (n-1); 0 for n < 2
  std::size_t n = 0;
};
MeanStd mean_std(std::span<const double> v);

/// Shifts and scales v in place to mean 0 and population standard deviation 1 (all 0 when v is
/// constant; nothing when empty). Returns the mean and population standard deviation it used.
/// For scores whose scale means nothing (ranking losses), before they are combined.
std::pair<double, double> standardise(std::span<double> v);

/// Expected best of n values drawn uniformly *without replacement* from `values` (the whole
/// table): sum_k v_(k) * C(k-1, n-1) / C(N, n) over the sorted values (ascending for maximise,
/// descending for minimise), and its standard deviation. Requires 1 <= n <= values.size().
MeanStd expected_best_of_n(std::span<const double> values, std::size_t n, Direction d = Direction::maximise);

/// The same for a search on `signal` that reports `reported` (same length, row-aligned): the
/// expected reported value of the best-by-signal architecture among n drawn without replacement
/// (ties in signal: the incumbent is the first drawn, so tied rows count with their mean).
MeanStd expected_incumbent_of_n(std::span<const double> signal, std::span<const double> reported, std::size_t n,
                                Direction d = Direction::maximise);

// One path for every summary over seeds (nas search, nas sweep, the Python module): runs as
// best-so-far curves, direction-aware comparisons with the optimum.

/// Whether `value` is at `optimum` (within `tol`) for direction `d` (for a loss: at or below it).
bool reaches(double value, double optimum, Direction d, double tol = 1e-9);
/// The incumbent's reported value after each query: curve[i] after query i + 1.
std::vector<double> best_reported_curve(const SearchResult& r);
/// Mean/std over curves of the value after `queries` queries (a shorter curve counts with its
/// last value: its run ended, e.g. on an exhausted space); empty curves are left out.
MeanStd best_at(std::span<const std::vector<double>> curves, std::size_t queries);
/// Fraction of curves (empty ones count as misses) whose last value reaches `optimum`.
double hit_fraction(std::span<const std::vector<double>> curves, double optimum, Direction d, double tol = 1e-9);

/// The reported value of the incumbent at `seconds` on the executor's clock: among the results
/// finished by then at the run's full fidelity (the highest in its records, or unset), the best
/// signal (the earliest on ties). nullopt when there is none yet. Thread-safe (reads only).
std::optional<double> incumbent_at_time(const SearchResult& r, double seconds, Direction d);
/// Mean/std of incumbent_at_time over the runs that have one (n says how many).
MeanStd best_reported_at_time(std::span<const SearchResult> runs, double seconds, Direction d);

/// best_at / hit_fraction over the runs' best_reported_curve.
MeanStd best_reported_at(std::span<const SearchResult> runs, std::size_t queries);
double hit_fraction(std::span<const SearchResult> runs, double optimum, Direction d, double tol = 1e-9);

}  // namespace nas
