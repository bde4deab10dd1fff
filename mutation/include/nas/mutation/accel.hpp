#pragma once
// Accel-NASBench (Ahmad et al. 2024): MnasNet-style ImageNet networks of 7 blocks, each block an
// expansion ratio e in {1, 4, 6}, kernel k in {3, 5}, layers l in {1, 2, 3} (block 5: {1, 2, 3, 4},
// as MnasNet's sixth stage) and squeeze-excitation se in {0, 1} (36 choices per block, 48 in
// block 5: 36^6 x 48 networks). The benchmark string is the blocks'
// "e{e}k{k}l{l}se{se}" joined by '|', block 0 first. The published data is a sample of 5,125
// distinct networks: searches run over it through datasets/sample_space.hpp.
// Identity: every field changes the network (no two strings are one network), so the canonical
// hash is that of the string.
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "nas/mutation/spaces.hpp"

namespace nas::accel {

inline constexpr int kNumBlocks = 7;
inline constexpr int kFields = 4;  // e, k, l, se
inline constexpr std::array<std::array<int, 4>, kFields> kValues{{{1, 4, 6, 0}, {3, 5, 0, 0}, {1, 2, 3, 4}, {0, 1, 0, 0}}};
/// How many values field `field` of block `block` takes (l has 4 in block 5, 3 elsewhere).
inline constexpr int value_count(int block, int field) { return field == 0 ? 3 : field == 2 ? (block == 5 ? 4 : 3) : 2; }

/// Genome = 28 bytes: per block, the index of e, k, l and se in kValues.
class Space final : public SearchSpace {
 public:
  std::string_view name() const override { return "accel"; }
  /// Each field uniform and independent.
  Genome sample(Rng& rng) const override;
  /// Changes one uniformly chosen field of one block to one of its other values, uniformly.
  Genome mutate(const Genome& parent, Rng& rng) const override;
  bool valid(const Genome& g) const override;
  ArchitectureHash canonical_hash(const Genome& g) const override;
  std::string format(const Genome& g) const override;
  /// Parses "e6k3l1se0|e4k5l2se0|..." (7 blocks); throws ParseError naming the block and the field.
  Genome parse(std::string_view text) const override;
  /// Chain input -> block 0 -> ... -> block 6 -> output; a block's label is its choice
  /// ("e6k3l1se0", one of 48).
  GraphView graph_view(const Genome& g) const override;
  const std::vector<std::string>& graph_op_names() const override;
  int max_graph_nodes() const override { return kNumBlocks + 2; }
  /// One-hot per field: 7 x (3 + 2 + 3 + 2), block 5's l one wider.
  std::vector<float> flat_encoding(const Genome& g) const override;
  std::size_t flat_encoding_size() const override { return kNumBlocks * 10 + 1; }
};

}  // namespace nas::accel
