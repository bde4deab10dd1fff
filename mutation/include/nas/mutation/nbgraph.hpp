#pragma once
// NAS-Bench-Graph (Qin et al., NeurIPS 2022 Datasets & Benchmarks): a GNN "cell" of 4 computing
// nodes. Node i (1..4) reads one earlier node link[i-1] (0 = the input, k = node k) and applies
// one op; the output sums the nodes that no other node reads. Ops, in the benchmark's own order
// (which its canonical sorting uses): gat, gcn, gin, cheb, sage, arma, graph, fc, skip.
//
// String form (the table keeps link and ops in two columns; we join them with '|'):
//   "0-1-2-3|gcn-gat-sage-gin"
//
// Which architectures exist. The benchmark trained one representative per class of equivalent
// (link, ops) pairs: its generator (THUMNLab/NAS-Bench-Graph, architecture.py) keeps a pair when
// it is a fixed point of its canonicalisation -- relabel the link into one of 9 patterns
// (0-0-0-0, 0-0-0-1, 0-0-1-1, 0-0-1-2, 0-0-1-3, 0-1-1-1, 0-1-1-2, 0-1-2-2, 0-1-2-3), move skip
// ops that are redundant to the front, and sort the ops of interchangeable nodes -- and drops
// the all-skip cell. Of the 9 x 9^4 = 59,049 (pattern, ops) pairs, 59,040 are not all-skip and
// 26,206 are fixed points: exactly the 26,206 rows per dataset. For proteins the benchmark used
// 5 ops only (gcn, sage, arma, fc, skip): 9 x 5^4 - 9 = 5,616 pairs, 2,021 fixed points, exactly
// the proteins rows. Space reimplements that canonicalisation (canonical()) and checked it:
// every one of the 24 x 9^4 raw (link, ops) pairs with any link (node i reading any earlier
// node) canonicalises into the 26,206 (tested).
//
// Genomes of this space are always canonical representatives, so exact identity is canonical
// identity and every valid genome is a row of the (complete) table.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nas/mutation/spaces.hpp"

namespace nas::nbgraph {

enum class Op : std::uint8_t { gat = 0, gcn = 1, gin = 2, cheb = 3, sage = 4, arma = 5, graph = 6, fc = 7, skip = 8 };
inline constexpr int kNumOps = 9;
inline constexpr int kNumNodes = 4;
inline constexpr int kNumLinkPatterns = 9;
/// The 9 canonical link patterns, in the benchmark's order (its hash uses the position).
inline constexpr std::array<std::array<std::uint8_t, kNumNodes>, kNumLinkPatterns> kLinkPatterns{{
    {0, 0, 0, 0}, {0, 0, 0, 1}, {0, 0, 1, 1}, {0, 0, 1, 2}, {0, 0, 1, 3}, {0, 1, 1, 1}, {0, 1, 1, 2}, {0, 1, 2, 2}, {0, 1, 2, 3}}};
inline constexpr int kNumArchs = 26206;          // all 9 ops
inline constexpr int kNumArchsProteins = 2021;   // gcn, sage, arma, fc, skip

std::string_view op_name(Op op);

/// Which ops a space allows: the benchmark's 9, or the 5 it trained on proteins.
enum class OpSet { all, proteins };

/// A raw (link, ops) pair; may or may not be canonical.
struct Arch {
  std::array<std::uint8_t, kNumNodes> link{};  // link[i] in [0, i]: node i+1 reads node link[i]
  std::array<Op, kNumNodes> ops{};
  friend bool operator==(const Arch&, const Arch&) = default;

  /// Parses "a-b-c-d|op-op-op-op" with link[i] in [0, i] and known op names; throws ParseError
  /// naming the column. Does not require the canonical form (see Space::parse).
  static Arch parse(std::string_view text);
  std::string str() const;
  /// The benchmark's representative of this architecture's class (its regularise, move-skip and
  /// sort steps). Idempotent on the result. Precondition: not all ops are skip.
  Arch canonical() const;
  bool is_canonical() const { return canonical() == *this; }
  /// Index of the link in kLinkPatterns, or -1 if the link is not one of the 9 patterns.
  int link_pattern() const noexcept;
  /// The benchmark's `hash` column: pattern index, then each op id, in base 10. Only for links
  /// that are one of the 9 patterns.
  long long benchmark_hash() const;
  bool all_skip() const noexcept;
};

/// Genome = 4 link bytes then 4 op ids, always a canonical representative. Enumerable, in
/// increasing benchmark hash order (so at(i) is the i-th row of the table sorted by `hash`).
class Space final : public SearchSpace {
 public:
  explicit Space(OpSet ops = OpSet::all);
  /// "graph" (9 ops) or "graph-proteins" (5 ops).
  std::string_view name() const override;
  OpSet op_set() const noexcept { return op_set_; }
  /// Uniform over the canonical representatives.
  Genome sample(Rng& rng) const override;
  /// One random raw change (one node's op to another allowed op, or one node's input to another
  /// earlier node), then canonicalised; redrawn while the result equals the parent or is the
  /// all-skip cell. Always returns a different valid genome.
  Genome mutate(const Genome& parent, Rng& rng) const override;
  /// Canonical, allowed ops only, not all-skip.
  bool valid(const Genome& g) const override;
  ArchitectureHash canonical_hash(const Genome& g) const override;
  std::string format(const Genome& g) const override;
  /// Parses the string and requires it to be a member of this space: a non-canonical string is
  /// rejected naming its canonical form; an op outside the op set is rejected naming the set.
  Genome parse(std::string_view text) const override;
  /// 6 nodes: input, the 4 op nodes (node i+1 reads link[i]), output reading every node that no
  /// node reads (as NAS-Bench-Graph sums them). Labels: input, output, then the 9 ops in order.
  GraphView graph_view(const Genome& g) const override;
  const std::vector<std::string>& graph_op_names() const override;
  int max_graph_nodes() const override { return kNumNodes + 2; }
  /// One-hot link (4 x 4) then one-hot ops (4 x 9).
  std::vector<float> flat_encoding(const Genome& g) const override;
  std::size_t flat_encoding_size() const override { return kNumNodes * kNumNodes + kNumNodes * kNumOps; }
  std::optional<std::uint64_t> size() const override { return archs_.size(); }
  Genome at(std::uint64_t index) const override;

  static Genome to_genome(const Arch& a);
  /// Throws std::invalid_argument for a malformed genome (length, link or op out of range).
  static Arch to_arch(const Genome& g);

 private:
  bool allowed(Op op) const noexcept;
  OpSet op_set_;
  std::vector<Op> ops_;            // allowed ops
  std::vector<Arch> archs_;        // canonical representatives, in benchmark hash order
  std::vector<std::int32_t> rank_; // by pattern*9^4 + op code: index in archs_, or -1
};

}  // namespace nas::nbgraph
