#pragma once
// Where the guided search's candidates come from each iteration: parents (the incumbent first,
// then by tournament from the aging population or the best cells so far) and their children,
// generated in parallel and deduplicated (search.hpp: generate_children); or, for an enumerable
// space with rank_whole_space, every architecture not yet proposed. Internal to the engine.
#include <cstdint>
#include <vector>

#include "nas/engine/evolution_state.hpp"
#include "nas/engine/guided.hpp"

namespace nas::detail {

/// A space whose mutate() applies the wrapped space's mutation twice (two-op mutations).
class TwoStep final : public SearchSpace {
 public:
  explicit TwoStep(const SearchSpace& s) : s_(s) {}
  std::string_view name() const override { return s_.name(); }
  Genome sample(Rng& r) const override { return s_.sample(r); }
  Genome mutate(const Genome& p, Rng& r) const override { return s_.mutate(s_.mutate(p, r), r); }
  bool valid(const Genome& g) const override { return s_.valid(g); }
  ArchitectureHash canonical_hash(const Genome& g) const override { return s_.canonical_hash(g); }
  std::string format(const Genome& g) const override { return s_.format(g); }
  Genome parse(std::string_view t) const override { return s_.parse(t); }
  GraphView graph_view(const Genome& g) const override { return s_.graph_view(g); }
  const std::vector<std::string>& graph_op_names() const override { return s_.graph_op_names(); }
  int max_graph_nodes() const override { return s_.max_graph_nodes(); }
  std::vector<float> flat_encoding(const Genome& g) const override { return s_.flat_encoding(g); }
  std::size_t flat_encoding_size() const override { return s_.flat_encoding_size(); }
  std::optional<std::uint64_t> size() const override { return s_.size(); }
  Genome at(std::uint64_t i) const override { return s_.at(i); }

 private:
  const SearchSpace& s_;
};

class Proposer {
 public:
  Proposer(const SearchSpace& space, const GuidedOptions& o) : space_(space), two_step_(space), o_(o) {}
  /// The candidates of `iteration`, none proposed before; `parent_of` receives, per candidate,
  /// the index of its parent (0: the incumbent when incumbent slots are on), or is cleared for
  /// whole-space ranking. Draws tournaments from `rng`.
  std::vector<Genome> propose(std::uint64_t iteration, const EvolutionState& state, Rng& rng, std::vector<std::size_t>& parent_of);

 private:
  const SearchSpace& space_;
  TwoStep two_step_;
  GuidedOptions o_;
  std::vector<Genome> all_;  // whole-space ranking: the space, enumerated once
  std::vector<ArchitectureHash> all_hashes_;
};

}  // namespace nas::detail
