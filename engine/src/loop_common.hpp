#pragma once
// Pieces shared by the search loops (evolution_state.cpp). Internal to the engine.
#include <optional>
#include <vector>

#include "nas/core/evaluator.hpp"
#include "nas/engine/ask_tell.hpp"
#include "nas/engine/search.hpp"

namespace nas::detail {

/// The record of query number history.size()+1 with its incumbent: the best signal so far under
/// `d` (ties keep the earlier one), and that incumbent's reported value.
QueryRecord next_record(const std::vector<QueryRecord>& history, const Genome& g, const Evaluation& e, Direction d);

}  // namespace nas::detail
