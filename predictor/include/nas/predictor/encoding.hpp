#pragma once
// Torch-free input encodings of the surrogates: padded graph batches (CARL/GCN), LAP tokens
// (TART) and the token cache. Plain C++ (Eigen, oneTBB inside), so tests can check them without
// torch and the torch side does one copy per batch.
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "nas/core/graph_view.hpp"
#include "nas/mutation/spaces.hpp"

namespace nas::predictor {

/// B graphs padded to `nodes` nodes. Node features are one-hot over space.graph_op_names()
/// (which carries the input/output markers). Padding rows are all zero, mask 0.
struct GraphBatch {
  int batch = 0, nodes = 0, features = 0;
  std::vector<float> x;          // batch*nodes*features
  std::vector<float> adj;        // batch*nodes*nodes, adj[b][i][j] = 1 iff edge i->j
  std::vector<float> node_mask;  // batch*nodes, 1 = real node
};

/// Encodes `archs` (in parallel) padded to `pad_nodes` (>= every graph's num_nodes; throws
/// std::invalid_argument otherwise). Deterministic, independent of the thread count.
GraphBatch encode_graphs(const SearchSpace& space, std::span<const Genome> archs, int pad_nodes);

/// A row-major matrix of floats.
struct Matrix {
  int rows = 0, cols = 0;
  std::vector<float> data;
  float operator()(int r, int c) const { return data[static_cast<std::size_t>(r) * static_cast<std::size_t>(cols) + static_cast<std::size_t>(c)]; }
};

/// TART's Laplacian-eigenvector tokens of one graph: N node tokens, then one token per edge
/// (u->v, in row-major order of adj), each of width d_f + 2*d_p + 4:
///   node v:  [x_v, P_v, P_v, 1, 0, -1, -1]
///   edge uv: [A_uv, P_u, P_v, 0, 1,  u,  v]     (A_uv = 1 in the first slot, zeros in the rest of x)
/// P = eigenvectors 1..d_p (ascending eigenvalue, the first skipped) of the symmetric normalised
/// Laplacian I - D^-1/2 (A+A^T) D^-1/2 (an isolated node has D^-1/2 = 0); columns beyond n-1 are
/// zero. x_v = op id as one number (onehot = false, d_f = 1) or one-hot over `num_ops` (d_f = num_ops).
/// Eigenvector signs are arbitrary (TART flips them at random during training).
Matrix lap_tokens(const GraphView& g, int d_p, bool onehot, int num_ops);
/// Width of a token for these settings.
inline int lap_token_width(int d_p, bool onehot, int num_ops) { return (onehot ? num_ops : 1) + 2 * d_p + 4; }

/// Tokens computed once per distinct architecture (canonical hash). Thread-safe.
class TokenCache {
 public:
  TokenCache(int d_p, bool onehot) : d_p_(d_p), onehot_(onehot) {}
  /// Tokens of each arch (computed in parallel with oneTBB for the missing ones).
  std::vector<std::shared_ptr<const Matrix>> get(const SearchSpace& space, std::span<const Genome> archs);
  std::size_t size() const;
  int d_p() const { return d_p_; }
  bool onehot() const { return onehot_; }

 private:
  int d_p_;
  bool onehot_;
  mutable std::mutex mu_;
  std::unordered_map<ArchitectureHash, std::shared_ptr<const Matrix>, ArchitectureHashHasher> map_;
};

/// B token sequences padded to the longest one. pad[b*tokens+t] = 1 marks padding.
struct TokenBatch {
  int batch = 0, tokens = 0, width = 0;
  std::vector<float> data;        // batch*tokens*width
  std::vector<std::uint8_t> pad;  // batch*tokens
};
TokenBatch pad_tokens(std::span<const std::shared_ptr<const Matrix>> seqs);

/// Flat encodings (space.flat_encoding) of `archs` stacked row-major, computed in parallel.
std::vector<float> encode_flat(const SearchSpace& space, std::span<const Genome> archs);

}  // namespace nas::predictor
