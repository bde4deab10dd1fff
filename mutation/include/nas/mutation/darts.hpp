#pragma once
// DARTS genotype (the NAS-Bench-301 space): a normal and a reduction cell, each with 4
// intermediate nodes; node i (0..3, named i+2 in the genotype) has two inputs chosen among the
// cell inputs c_{k-2} (0), c_{k-1} (1) and earlier intermediate nodes (2..i+1), and one op per
// input. All four intermediate nodes are concatenated (normal_concat = reduce_concat = [2, 3, 4, 5]).
#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nas/mutation/spaces.hpp"

namespace nas::darts {

/// Ops in DARTS' PRIMITIVES order without `none` (which a genotype never contains); the id is
/// NASLib's compact op index.
enum class Op : std::uint8_t { max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, dil_conv_5x5 };
inline constexpr int kNumOps = 7;
inline constexpr int kNumNodes = 4;               // intermediate nodes per cell
inline constexpr int kNumEdges = 2 * kNumNodes;   // (op, input) pairs per cell
inline constexpr int kNumInputs = kNumNodes + 1;  // largest input id + 1 (0..4)

std::string_view op_name(Op op);

struct Edge {
  Op op{};
  std::uint8_t input = 0;
  friend bool operator==(const Edge&, const Edge&) = default;
  friend auto operator<=>(const Edge& a, const Edge& b) { return std::pair(a.input, a.op) <=> std::pair(b.input, b.op); }
};

/// Edges 2i and 2i+1 are the inputs of intermediate node i, in the genotype's order.
using CellEdges = std::array<Edge, kNumEdges>;

struct Genotype {
  CellEdges normal{}, reduce{};
  friend bool operator==(const Genotype&, const Genotype&) = default;

  /// Parses exactly the form NAS-Bench-301 / DARTS print:
  /// "Genotype(normal=[('sep_conv_3x3', 0), ('skip_connect', 1), ...8 pairs], normal_concat=[2, 3, 4, 5],
  ///  reduce=[...8 pairs], reduce_concat=[2, 3, 4, 5])" (one line; single quotes; ", " separators).
  /// Throws ParseError naming the column and what was expected. Checks each input is an earlier
  /// node (< i+2) and that a node's two inputs differ.
  static Genotype parse(std::string_view text);
  /// Inverse of parse(): byte-identical to the benchmark's string.
  std::string str() const;
  /// Same genotype with each node's two (op, input) pairs sorted by (input, op): the two inputs of
  /// a node are summed, so their order does not change the network.
  Genotype canonical() const;
  /// Inputs in range and distinct per node.
  bool valid() const;
};

/// The SearchSpace. Genome = 32 bytes: for the normal then the reduce cell, 8 x (op id, input).
class Space final : public SearchSpace {
 public:
  std::string_view name() const override { return "darts"; }
  /// Uniform: per node two distinct inputs (ordered) and two ops, all uniform; therefore also
  /// uniform over canonical classes (each class has exactly 2^8 orderings).
  Genome sample(Rng& rng) const override;
  /// One step: pick a cell, then with probability 1/2 change one edge's op to one of the 6 others,
  /// else change one edge's input to another earlier node that is not the node's other input
  /// (redrawn when the node has no such choice, as node 0 never does). The child's canonical hash
  /// always differs from the parent's.
  Genome mutate(const Genome& parent, Rng& rng) const override;
  bool valid(const Genome& g) const override;
  /// md5 of canonical().str(). Only node-input order is factored out; isomorphisms that permute
  /// intermediate nodes are not (the benchmark does not merge them either).
  ArchitectureHash canonical_hash(const Genome& g) const override;
  std::string format(const Genome& g) const override;
  Genome parse(std::string_view text) const override;
  /// One DAG for both cells, in canonical edge order (23 nodes): input; normal cell's c_{k-2} and
  /// c_{k-1} (both read the input); its 8 op nodes (an op node reads c_{k-2}/c_{k-1} or every op
  /// node of the intermediate node it takes as input: the sum is implicit); its `concat` node
  /// (reads all 8 op nodes); the reduction cell's c_{k-2} and c_{k-1} (both read the normal
  /// concat); its 8 op nodes; the output (reads the reduction cell's op nodes). Labels: input,
  /// output, the 7 ops, c_k-2, c_k-1, concat.
  GraphView graph_view(const Genome& g) const override;
  const std::vector<std::string>& graph_op_names() const override;
  int max_graph_nodes() const override { return 1 + 2 * (2 + kNumEdges) + 1 + 1; }
  /// Per cell, per edge in canonical order: one-hot op (7) then one-hot input (5).
  std::vector<float> flat_encoding(const Genome& g) const override;
  std::size_t flat_encoding_size() const override { return 2 * kNumEdges * (kNumOps + kNumInputs); }

  static Genome to_genome(const Genotype& c);
  /// Throws std::invalid_argument for a genome that is not a genotype encoding.
  static Genotype to_genotype(const Genome& g);
};

}  // namespace nas::darts
