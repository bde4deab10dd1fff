#pragma once
// Scores of cells that cost no evaluation: zero-cost proxies (training/zero_cost.hpp computes
// them; a file of `nas zc` holds them). The engine holds this torch-free interface: the
// zero-training search, the zero-cost warm-up of an initial population, surrogate inputs.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "nas/core/genome.hpp"

namespace nas {

class CellScorer {
 public:
  virtual ~CellScorer() = default;
  /// The scores' names (e.g. "synflow", "nwot"), in the order of each row.
  virtual const std::vector<std::string>& names() const = 0;
  /// One row per cell, one value per name; NaN where a score is missing (not finite). A cell's
  /// scores do not depend on the other cells asked for. Thread-safe. Throws what computing a
  /// score throws (OptionError, DataError).
  virtual std::vector<std::vector<double>> scores(std::span<const Genome> cells) = 0;
};

/// The vote of several scores (NASLib's "vote" and Abdelfattah et al.'s): each cell's mean rank
/// over the scores, ranks taken among `rows` (0 = lowest score; a missing score ranks below every
/// present one; ties share their mean rank). Larger = better. One score: its ranks.
inline std::vector<double> vote(const std::vector<std::vector<double>>& rows) {
  std::vector<double> out(rows.size(), 0.0);
  if (rows.empty()) return out;
  const std::size_t k = rows.front().size();
  std::vector<std::size_t> order(rows.size());
  for (std::size_t j = 0; j < k; ++j) {
    auto key = [&](std::size_t i) { return std::isnan(rows[i][j]) ? -HUGE_VAL : rows[i][j]; };
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
    for (std::size_t a = 0; a < order.size();) {
      std::size_t b = a;
      while (b + 1 < order.size() && key(order[b + 1]) == key(order[a])) ++b;
      const double rank = (static_cast<double>(a) + static_cast<double>(b)) / 2;
      for (std::size_t i = a; i <= b; ++i) out[order[i]] += rank / static_cast<double>(k);
      a = b + 1;
    }
  }
  return out;
}

}  // namespace nas
