#include "proposal.hpp"

#include <algorithm>
#include <numeric>

namespace nas::detail {

std::vector<Genome> Proposer::propose(std::uint64_t iteration, const EvolutionState& state, Rng& rng, std::vector<std::size_t>& parent_of) {
  const auto& history = state.history();
  if (o_.rank_whole_space && space_.size()) {
    if (all_.empty()) {
      all_.reserve(*space_.size());
      for (std::uint64_t i = 0; i < *space_.size(); ++i) all_.push_back(space_.at(i));
      all_hashes_.resize(all_.size());
      for (std::size_t i = 0; i < all_.size(); ++i) all_hashes_[i] = state.hash(all_[i]);
    }
    std::vector<Genome> out;
    parent_of.clear();  // no parents, so no reserved incumbent slots
    EvaluatedSet batch(o_.skip_canonical_duplicates);
    for (std::size_t i = 0; i < all_.size(); ++i)
      if (!state.seen().contains(all_[i], all_hashes_[i]) && !batch.contains(all_[i], all_hashes_[i])) {
        batch.insert(all_[i], all_hashes_[i]);
        out.push_back(all_[i]);
      }
    return out;
  }
  std::vector<Genome> parents;
  if (o_.incumbent_k > 0) parents.push_back(history[state.incumbent()].arch);  // parent 0
  if (o_.parent_selection == GuidedOptions::Parents::best) {
    std::vector<std::size_t> idx(history.size());
    std::iota(idx.begin(), idx.end(), 0);
    const std::size_t m = std::min(o_.parents_per_iteration, idx.size());
    std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(m), idx.end(),
                      [&](std::size_t a, std::size_t b) { return state.ahead(a, b); });
    for (std::size_t i = 0; i < m; ++i) parents.push_back(history[idx[i]].arch);
  } else {
    for (std::size_t i = 0; i < o_.parents_per_iteration; ++i) parents.push_back(history[state.tournament(rng, o_.tournament_size)].arch);
  }
  const SearchSpace& mutator = o_.mutation_steps == 2 ? static_cast<const SearchSpace&>(two_step_) : space_;
  auto children = generate_children(mutator, parents, o_.children_per_parent, derive_seed(o_.seed, iteration, 0xC41D), state.seen(), nullptr,
                                    &parent_of);
  if (o_.incumbent_k > 0 && o_.incumbent_radius == 2) {
    // Two-op mutations of the incumbent (parent 0), new to this batch too.
    EvaluatedSet batch = state.seen();
    for (const auto& c : children) batch.insert(c, state.hash(c));
    auto far = generate_children(two_step_, std::span(parents).first(1), 3 * o_.children_per_parent, derive_seed(o_.seed, iteration, 0x2AD2), batch);
    children.insert(children.end(), far.begin(), far.end());
    parent_of.resize(children.size(), 0);
  }
  return children;
}

}  // namespace nas::detail
