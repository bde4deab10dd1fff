#pragma once
// TransNAS-Bench-101 micro space (Duan et al., CVPR 2021). The benchmark string is
// "64-41414-1_00_210": "64-41414-" is the fixed macro skeleton every micro architecture shares
// (64 base channels, the 5-module stack "41414"); the cell follows, one digit per edge in
// NAS-Bench-201's edge order, '_' between target nodes: node 1 <- (0); node 2 <- (0, 1);
// node 3 <- (0, 1, 2). Digits, as in TransNAS-Bench-101 and NASLib's converter:
// 0 = zeroize (none), 1 = skip connection, 2 = ReLU-conv1x1-BN, 3 = ReLU-conv3x3-BN.
// 4^6 = 4,096 cells.
//
// Identity: the cell is NAS-Bench-201's (4 nodes, every node sums its incoming edges, the same
// none/skip/conv1x1/conv3x3 ops; only avg_pool is missing), so two cells compute the same function
// exactly when NAS-Bench-201's rule says so. canonical_hash() therefore reuses
// nb201::Cell::canonical_string() (NAS-Bench-201's to_unique_str with zero terms), via the
// identity map of op ids (TransNAS digit d == nb201::Op d for d in 0..3): 4,096 cells fall into
// 1,236 classes (tested). The benchmark sample itself holds at most one cell per string.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nas/mutation/nb201.hpp"
#include "nas/mutation/spaces.hpp"

namespace nas::transnas {

inline constexpr std::string_view kMicroPrefix = "64-41414-";
inline constexpr int kNumOps = 4;
inline constexpr int kNumEdges = 6;
inline constexpr int kNumCells = 4096;  // 4^6

/// Genome = the 6 op ids (0..3) in edge order: the same bytes as the nb201 genome of that cell.
class MicroSpace final : public SearchSpace {
 public:
  std::string_view name() const override { return "transnas-micro"; }
  Genome sample(Rng& rng) const override;
  /// Changes the op of one uniformly chosen edge to one of the 3 other ops, uniformly.
  Genome mutate(const Genome& parent, Rng& rng) const override;
  bool valid(const Genome& g) const override;
  /// md5 of NAS-Bench-201's canonical string of the cell (see the header comment).
  ArchitectureHash canonical_hash(const Genome& g) const override;
  /// "64-41414-a_bc_def".
  std::string format(const Genome& g) const override;
  /// Strict: the prefix must be "64-41414-" (a TransNAS macro string such as "64-1242-basic"
  /// is rejected as belonging to the macro space), then 6 digits 0..3 as "d_dd_ddd".
  Genome parse(std::string_view text) const override;
  /// NAS-Bench-201's graph view (edges as nodes, none edges and dead ends pruned). Labels: input,
  /// output, skip_connect, nor_conv_1x1, nor_conv_3x3.
  GraphView graph_view(const Genome& g) const override;
  const std::vector<std::string>& graph_op_names() const override;
  int max_graph_nodes() const override { return kNumEdges + 2; }
  std::vector<float> flat_encoding(const Genome& g) const override;
  std::size_t flat_encoding_size() const override { return kNumEdges * kNumOps; }
  std::optional<std::uint64_t> size() const override { return kNumCells; }
  /// Base-4 code, edge 0 most significant.
  Genome at(std::uint64_t index) const override;

  /// The NAS-Bench-201 cell with the same ops. Throws std::invalid_argument for an invalid genome.
  static nb201::Cell to_cell(const Genome& g);
};

}  // namespace nas::transnas
