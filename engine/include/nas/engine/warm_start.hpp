#pragma once
// Zero-cost scores in the search (issue 25): a run's ranked list of cells by a CellScorer's vote
// (core/cell_scorer.hpp), used for the initial population of guided search and REA
// (--zc-warmup N) and by the zero-training search `--algo zc`.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "nas/core/cell_scorer.hpp"
#include "nas/core/search_space.hpp"
#include "nas/engine/evolution_state.hpp"

namespace nas {

struct ZeroCostOptions {
  /// guided, rea: rank this many random cells by the scores' vote before the first evaluation; the
  /// initial population is taken from the top (0: random, as without scores). zc: the pool ranked
  /// (0: every cell of an enumerable space, else 100 per query of the budget).
  std::size_t warmup = 0;
  void validate() const;  // throws OptionError
};

/// `pool` distinct random cells (canonical classes; every cell of an enumerable space when pool
/// covers it), drawn from the run's seed, scored once and ordered by the vote, best first (ties:
/// draw order). Not thread-safe (one per run); the scorer is shared and thread-safe.
class WarmStart {
 public:
  WarmStart(const SearchSpace& space, std::shared_ptr<CellScorer> scorer, std::size_t pool, std::uint64_t seed);
  /// The best-ranked cell not yet proposed in `state`; nullopt once the list is used up. The
  /// first call draws and scores the pool (may throw what the scorer throws).
  std::optional<Genome> next(const EvolutionState& state);
  /// The ranked list (drawn and scored on first use).
  const std::vector<Genome>& ranked();

 private:
  const SearchSpace& space_;
  std::shared_ptr<CellScorer> scorer_;
  std::size_t pool_;
  std::uint64_t seed_;
  bool ready_ = false;
  std::vector<Genome> ranked_;
  std::size_t pos_ = 0;
};

struct SearchOptions;
struct SearchContext;
class AskTellSearch;
/// `--algo zc`: evaluates the cells of a WarmStart list in rank order (a zero-training baseline:
/// with budget 1, the best cell by the proxy or the vote), then random cells if the list runs out.
/// Throws OptionError without a scorer.
std::unique_ptr<AskTellSearch> make_zero_cost_search(const SearchOptions& o, const ZeroCostOptions& zc, std::shared_ptr<CellScorer> scorer,
                                                     const SearchContext& c);

}  // namespace nas
