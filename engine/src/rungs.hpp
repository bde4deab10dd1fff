#pragma once
// ASHA's promotion rule (Li et al. 2020), shared by --algo asha and guided search over rungs.
// Internal to the engine.
#include <algorithm>
#include <cmath>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "nas/engine/search.hpp"

namespace nas::detail {

/// The run is over: a record below the full fidelity `full` of a cell never evaluated higher up
/// is marked pruned (the search stopped that cell there).
inline void mark_pruned(SearchResult& r, double full) {
  std::unordered_map<Genome, double, GenomeHasher> highest;
  for (const auto& q : r.trajectory) {
    double& h = highest[q.arch];
    h = std::max(h, q.fidelity ? q.fidelity->amount : full);
  }
  for (auto& q : r.trajectory) q.pruned = q.pruned || (q.fidelity && q.fidelity->amount < full && q.fidelity->amount >= highest[q.arch]);
}

/// A rung's result: the cell, its signal oriented (larger is better) and when it came.
struct RungResult {
  double value;
  std::size_t cell, order;
};

/// The best `k` of `results`: by value, then the earlier result.
inline std::vector<RungResult> best_results(std::vector<RungResult> results, std::size_t k) {
  k = std::min(k, results.size());
  std::partial_sort(results.begin(), results.begin() + static_cast<std::ptrdiff_t>(k), results.end(),
                    [](const RungResult& a, const RungResult& b) { return a.value != b.value ? a.value > b.value : a.order < b.order; });
  results.resize(k);
  return results;
}

/// Results per rung and the cells promoted from each. A cell in the top 1/eta of its rung's
/// results (by value, larger is better; the earlier result on ties) and not yet promoted may go
/// one rung up; the highest rung with such a cell goes first, its best cell first.
class AshaLadder {
 public:
  AshaLadder(std::size_t rungs, double eta) : results_(rungs), promoted_(rungs), eta_(eta) {}
  /// Cell `cell`'s result at `rung`, oriented (larger is better).
  void add(std::size_t rung, std::size_t cell, double value) { results_[rung].push_back({value, cell, order_++}); }
  /// (cell, its rung) of the next promotion, or nullopt.
  std::optional<std::pair<std::size_t, std::size_t>> next() const {
    for (std::size_t k = results_.size() - 1; k-- > 0;) {
      const auto n = static_cast<std::size_t>(std::floor(static_cast<double>(results_[k].size()) / eta_));
      for (const auto& r : best_results(results_[k], n))
        if (!promoted_[k].contains(r.cell)) return std::pair{r.cell, k};
    }
    return std::nullopt;
  }
  void promoted(std::size_t cell, std::size_t rung) { promoted_[rung].insert(cell); }

 private:
  std::vector<std::vector<RungResult>> results_;
  std::vector<std::unordered_set<std::size_t>> promoted_;
  double eta_;
  std::size_t order_ = 0;
};

}  // namespace nas::detail
