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
      if (n == 0) continue;
      auto v = results_[k];
      std::partial_sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n), v.end(), [](const Result& a, const Result& b) {
        return a.value != b.value ? a.value > b.value : a.order < b.order;
      });
      for (std::size_t i = 0; i < n; ++i)
        if (!promoted_[k].contains(v[i].cell)) return std::pair{v[i].cell, k};
    }
    return std::nullopt;
  }
  void promoted(std::size_t cell, std::size_t rung) { promoted_[rung].insert(cell); }

 private:
  struct Result {
    double value;
    std::size_t cell, order;
  };
  std::vector<std::vector<Result>> results_;
  std::vector<std::unordered_set<std::size_t>> promoted_;
  double eta_;
  std::size_t order_ = 0;
};

}  // namespace nas::detail
