#pragma once
// NAS-Bench-201 cell: 4 nodes, 6 edges (0->1, 0->2, 1->2, 0->3, 1->3, 2->3), one of 5 ops per edge.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nas/mutation/spaces.hpp"

namespace nas::nb201 {

enum class Op : std::uint8_t { none = 0, skip_connect = 1, nor_conv_1x1 = 2, nor_conv_3x3 = 3, avg_pool_3x3 = 4 };
inline constexpr int kNumOps = 5;
inline constexpr int kNumEdges = 6;
inline constexpr int kNumCells = 15625;  // 5^6
/// Edge e goes from kEdgeFrom[e] to kEdgeTo[e], in the official string's order.
inline constexpr std::array<int, kNumEdges> kEdgeFrom{0, 0, 1, 0, 1, 2};
inline constexpr std::array<int, kNumEdges> kEdgeTo{1, 2, 2, 3, 3, 3};

std::string_view op_name(Op op);

/// A cell: the op on each edge. Every combination of ops is valid.
struct Cell {
  std::array<Op, kNumEdges> ops{};
  friend bool operator==(const Cell&, const Cell&) = default;

  /// Parses "|op~0|+|op~0|op~1|+|op~0|op~1|op~2|" exactly; throws ParseError with the column.
  static Cell parse(std::string_view text);
  /// The official string (inverse of parse).
  std::string str() const;
  /// Base-5 code in [0, 15625): ops[0] is the most significant digit. Not the official index.
  int code() const noexcept;
  static Cell from_code(int code);

  /// NAS-Bench-201's own isomorphism key (`CellStructure.to_unique_str(consider_zero=True)`):
  /// a `none` edge, or an edge reading node 1 when node 1 is zero, contributes a zero term;
  /// skip_connect passes its input's expression; other ops wrap it; a node is the sorted '+'-join
  /// of its terms. 6,466 classes over the 15,625 cells: the benchmark's published count.
  std::string canonical_string() const;
  /// Stricter algebraic identity (zero terms dropped, sums flattened as multisets): 4,930 classes.
  /// Offered for analysis; the engine's identity is canonical_string().
  std::string algebraic_string() const;

  /// Every cell that differs from this one in exactly one edge's op (6 x 4 = 24).
  std::vector<Cell> neighbours() const;
};

/// The SearchSpace implementation. Genome = the 6 op ids in edge order.
class Space final : public SearchSpace {
 public:
  std::string_view name() const override { return "nb201"; }
  Genome sample(Rng& rng) const override;
  /// Changes the op of one uniformly chosen edge to one of the 4 other ops, uniformly.
  Genome mutate(const Genome& parent, Rng& rng) const override;
  bool valid(const Genome& g) const override;
  ArchitectureHash canonical_hash(const Genome& g) const override;
  std::string format(const Genome& g) const override;
  Genome parse(std::string_view text) const override;
  /// Ops on nodes: input, one node per non-`none` edge, output; node for edge (i->j) reads every
  /// op node whose edge ends in i (or the input when i == 0); the output reads edges ending in 3.
  /// Op nodes not on an input->output path are pruned. Labels: input, output, skip_connect,
  /// nor_conv_1x1, nor_conv_3x3, avg_pool_3x3.
  GraphView graph_view(const Genome& g) const override;
  const std::vector<std::string>& graph_op_names() const override;
  int max_graph_nodes() const override { return kNumEdges + 2; }
  std::vector<float> flat_encoding(const Genome& g) const override;
  std::size_t flat_encoding_size() const override { return kNumEdges * kNumOps; }
  std::optional<std::uint64_t> size() const override { return kNumCells; }
  Genome at(std::uint64_t index) const override;

  static Genome to_genome(const Cell& c);
  static Cell to_cell(const Genome& g);
};

}  // namespace nas::nb201
