#pragma once
// Genomes that are a fixed number of positions, each holding one of `values` choices (NAS-Bench-201
// edges, TransNAS micro edges, NAS-Bench-Macro layers): the shared mutation and validity rules.
#include <algorithm>
#include <cstdint>

#include "nas/core/genome.hpp"
#include "nas/core/rng.hpp"

namespace nas {

/// Changes one uniformly chosen position to one of the other `values - 1` choices, uniformly.
/// Requires values >= 2 and a valid parent.
inline Genome mutate_one_choice(const Genome& parent, Rng& rng, std::size_t values) {
  Genome child = parent;
  const auto pos = static_cast<std::size_t>(rng.below(parent.size()));
  auto k = static_cast<std::uint8_t>(rng.below(values - 1));
  if (k >= child[pos]) ++k;  // skip the current choice
  child[pos] = k;
  return child;
}

/// True when `g` has `length` positions, each below `values`.
inline bool valid_choices(const Genome& g, std::size_t length, std::size_t values) {
  return g.size() == length && std::all_of(g.bytes().begin(), g.bytes().end(), [&](std::uint8_t b) { return b < values; });
}

}  // namespace nas
