#pragma once
// NAS-Bench-101 cell (google-research/nasbench): a DAG of up to 7 nodes, `input` first, `output`
// last, each interior node one of conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3; adjacency is
// strictly upper-triangular. Validity, pruning and identity follow the benchmark's `model_spec.py`
// and `graph_util.hash_module` exactly, so hashes compare with the published dataset.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nas/mutation/spaces.hpp"

namespace nas::nb101 {

inline constexpr int kNumVertices = 7;
inline constexpr int kMaxEdges = 9;
inline constexpr int kNumInterior = kNumVertices - 2;                      // op spots
inline constexpr int kNumEdgeSpots = kNumVertices * (kNumVertices - 1) / 2;  // 21
/// Interior ops, in the benchmark's `available_ops` order: the index is the op's hash label.
enum class Op : std::uint8_t { conv3x3 = 0, conv1x1 = 1, maxpool3x3 = 2 };
inline constexpr int kNumOps = 3;

/// "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3".
std::string_view op_name(Op op);

/// The cell as given (before pruning): 7 nodes, 21 upper-triangle bits, 5 interior ops.
struct Cell {
  /// adj[i][j] for i < j; entries on or below the diagonal are always false.
  std::array<std::array<bool, kNumVertices>, kNumVertices> adj{};
  std::array<Op, kNumInterior> ops{};  // ops of nodes 1..5
  friend bool operator==(const Cell&, const Cell&) = default;

  /// Parses "<21 bits>|<7 comma-separated ops>", e.g.
  /// "111101000110001110110|input,maxpool3x3,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,output".
  /// The bits are the row-major strict upper triangle (0->1, 0->2, ..., 0->6, 1->2, ..., 5->6), the
  /// sample tables' `adj_upper_tri`; the ops are the tables' `ops` column (input first, output last).
  /// Throws ParseError naming the column and the expectation. Accepts invalid (disconnected or
  /// too many edges) cells: validity is a separate question (valid()).
  static Cell parse(std::string_view text);
  /// Inverse of parse().
  std::string str() const;
  /// The 21 upper-triangle bits as '0'/'1' characters.
  std::string upper_tri() const;

  /// The benchmark's pruned cell (ModelSpec._prune): nodes that are not on an input->output path
  /// removed, surviving nodes kept in order.
  struct Pruned {
    int n = 0;                                                          // 0 if input and output are disconnected
    std::array<std::array<bool, kNumVertices>, kNumVertices> adj{};  // n x n used
    std::array<int, kNumVertices> labels{};                          // -1 input, -2 output, op index
    std::array<int, kNumVertices> original{};                        // node of the unpruned cell
    int edges() const noexcept;
  };
  Pruned pruned() const;
  /// The benchmark's validity: input connects to output and the pruned cell has <= 9 edges.
  bool valid() const;
  /// graph_util.hash_module of the pruned cell, 32 hex digits. Precondition: valid().
  std::string hash() const;
};

/// graph_util.hash_module for an n x n upper-triangular adjacency and labels (-1 input, -2
/// output, op index): per node md5(str((out_degree, in_degree, label))), then n rounds of
/// md5(sorted in-neighbour hashes + '|' + sorted out-neighbour hashes + '|' + own hash), then md5
/// of Python's str() of the sorted list of node hashes. Returns the 32-hex-digit digest.
std::string hash_module(int n, const std::array<std::array<bool, kNumVertices>, kNumVertices>& adj,
                        const std::array<int, kNumVertices>& labels);

/// The SearchSpace. Genome = 21 edge bits (0/1, upper-triangle order) then 5 op ids: the cell as
/// given, unpruned, so that format(parse(s)) == s; identity comes from canonical_hash().
class Space final : public SearchSpace {
 public:
  std::string_view name() const override { return "nb101"; }
  /// Rejection sampling as the benchmark does (random upper-triangular bits and random ops until
  /// valid): uniform over valid unpruned cells, hence not uniform over hash classes.
  Genome sample(Rng& rng) const override;
  /// The benchmark's regularised-evolution mutation (mutation_rate 1): each of the 21 edge bits
  /// flips with probability 1/7, each interior op changes (to one of the 2 others) with
  /// probability 1/5; retried until the child is valid and its genome differs from the parent's.
  Genome mutate(const Genome& parent, Rng& rng) const override;
  bool valid(const Genome& g) const override;
  /// The benchmark's hash of the pruned cell; hex() gives the published 32-digit string.
  ArchitectureHash canonical_hash(const Genome& g) const override;
  std::string format(const Genome& g) const override;
  Genome parse(std::string_view text) const override;
  /// The pruned cell itself: its nodes in order, labels input, output, conv3x3-bn-relu,
  /// conv1x1-bn-relu, maxpool3x3. At most 7 nodes.
  GraphView graph_view(const Genome& g) const override;
  const std::vector<std::string>& graph_op_names() const override;
  int max_graph_nodes() const override { return kNumVertices; }
  /// 21 edge bits then 5 x 3 one-hot ops, with the edges and ops of pruned-away nodes zeroed (so
  /// cells that differ only in dead nodes encode the same).
  std::vector<float> flat_encoding(const Genome& g) const override;
  std::size_t flat_encoding_size() const override { return kNumEdgeSpots + kNumInterior * kNumOps; }

  static Genome to_genome(const Cell& c);
  /// Throws std::invalid_argument for a genome that is not a cell encoding.
  static Cell to_cell(const Genome& g);
};

}  // namespace nas::nb101
