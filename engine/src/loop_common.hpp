#pragma once
// Pieces shared by the search loops (evolution_state.cpp). Internal to the engine.
#include <optional>
#include <vector>

#include "nas/core/evaluator.hpp"
#include "nas/engine/ask_tell.hpp"
#include "nas/engine/search.hpp"

namespace nas::detail {

/// The record of query number history.size()+1 with its incumbent: the best full-fidelity signal
/// so far under `d` (ties keep the earlier one), and that incumbent's reported value; NaN for both
/// until a full-fidelity result (`full`) arrives.
QueryRecord next_record(const std::vector<QueryRecord>& history, const Genome& g, const Evaluation& e, Direction d, bool full = true);

}  // namespace nas::detail
