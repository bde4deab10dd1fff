#pragma once
// Pieces shared by the search loops (search.cpp, guided.cpp). Internal to the engine.
#include <optional>
#include <vector>

#include "nas/core/evaluator.hpp"
#include "nas/engine/ask_tell.hpp"
#include "nas/engine/search.hpp"

namespace nas::detail {

/// The identity the loop deduplicates on: the canonical hash when `seen` is canonical (the
/// exact genome is always checked too), else a constant so only exact duplicates count.
inline ArchitectureHash identity(const SearchSpace& space, const EvaluatedSet& seen, const Genome& g) {
  return seen.canonical() ? space.canonical_hash(g) : ArchitectureHash{};
}

/// A uniformly random architecture not in `seen`. When rejection keeps failing (the space is
/// nearly exhausted) an enumerable space is scanned and one of the remaining ones drawn uniformly;
/// nullopt when nothing is left (or the space cannot be enumerated and rejection failed).
std::optional<Genome> fresh_random(const SearchSpace& space, const EvaluatedSet& seen, Rng& rng);

/// The record of query number history.size()+1 with its incumbent: the best signal so far under
/// `d` (ties keep the earlier one), and that incumbent's reported value.
QueryRecord next_record(const std::vector<QueryRecord>& history, const Genome& g, const Evaluation& e, Direction d);

}  // namespace nas::detail
