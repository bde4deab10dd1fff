// Torch-free encodings: graph batches, LAP tokens (Eigen), token cache, flat encodings.
#include "nas/predictor/encoding.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <Eigen/Dense>
#include <tbb/parallel_for.h>

namespace nas::predictor {

GraphBatch encode_graphs(const SearchSpace& space, std::span<const Genome> archs, int pad_nodes) {
  GraphBatch b;
  b.batch = static_cast<int>(archs.size());
  b.nodes = pad_nodes;
  b.features = static_cast<int>(space.graph_op_names().size());
  const auto N = static_cast<std::size_t>(pad_nodes), F = static_cast<std::size_t>(b.features);
  b.x.assign(archs.size() * N * F, 0.0f);
  b.adj.assign(archs.size() * N * N, 0.0f);
  b.node_mask.assign(archs.size() * N, 0.0f);
  // Each task writes its own rows: no sharing, same result whatever the thread count.
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, archs.size(), 256), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) {
      const GraphView g = space.graph_view(archs[i]);
      if (g.num_nodes > pad_nodes)
        throw std::invalid_argument("encode_graphs: graph with " + std::to_string(g.num_nodes) + " nodes > pad " + std::to_string(pad_nodes));
      const auto n = static_cast<std::size_t>(g.num_nodes);
      for (std::size_t v = 0; v < n; ++v) {
        b.x[(i * N + v) * F + static_cast<std::size_t>(g.ops[v])] = 1.0f;
        b.node_mask[i * N + v] = 1.0f;
        for (std::size_t w = 0; w < n; ++w) b.adj[(i * N + v) * N + w] = g.adj[v * n + w] ? 1.0f : 0.0f;
      }
    }
  });
  return b;
}

Matrix lap_tokens(const GraphView& g, int d_p, bool onehot, int num_ops) {
  const int n = g.num_nodes;
  const int d_f = onehot ? num_ops : 1;
  const int width = lap_token_width(d_p, onehot, num_ops);
  // Symmetric normalised Laplacian of the undirected graph.
  Eigen::MatrixXd S = Eigen::MatrixXd::Zero(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      if (g.edge(i, j)) { S(i, j) += 1.0; S(j, i) += 1.0; }
  Eigen::VectorXd dinv(n);
  for (int i = 0; i < n; ++i) {
    const double d = S.row(i).sum();
    dinv(i) = d > 0 ? 1.0 / std::sqrt(d) : 0.0;
  }
  const Eigen::MatrixXd L = Eigen::MatrixXd::Identity(n, n) - dinv.asDiagonal() * S * dinv.asDiagonal();
  Eigen::MatrixXd P = Eigen::MatrixXd::Zero(n, d_p);
  if (n > 1) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(L);  // eigenvalues ascending
    for (int k = 0; k < d_p && k + 1 < n; ++k) P.col(k) = es.eigenvectors().col(k + 1);
  }
  const int m = g.num_edges();
  Matrix t;
  t.rows = n + m;
  t.cols = width;
  t.data.assign(static_cast<std::size_t>(t.rows) * static_cast<std::size_t>(width), 0.0f);
  auto at = [&](int r, int c) -> float& { return t.data[static_cast<std::size_t>(r) * static_cast<std::size_t>(width) + static_cast<std::size_t>(c)]; };
  for (int v = 0; v < n; ++v) {
    if (onehot) at(v, g.ops[static_cast<std::size_t>(v)]) = 1.0f;
    else at(v, 0) = static_cast<float>(g.ops[static_cast<std::size_t>(v)]);
    for (int k = 0; k < d_p; ++k) {
      at(v, d_f + k) = static_cast<float>(P(v, k));
      at(v, d_f + d_p + k) = static_cast<float>(P(v, k));
    }
    at(v, d_f + 2 * d_p) = 1.0f;
    at(v, d_f + 2 * d_p + 1) = 0.0f;
    at(v, d_f + 2 * d_p + 2) = -1.0f;
    at(v, d_f + 2 * d_p + 3) = -1.0f;
  }
  int r = n;
  for (int u = 0; u < n; ++u)
    for (int v = 0; v < n; ++v) {
      if (!g.edge(u, v)) continue;
      at(r, 0) = 1.0f;
      for (int k = 0; k < d_p; ++k) {
        at(r, d_f + k) = static_cast<float>(P(u, k));
        at(r, d_f + d_p + k) = static_cast<float>(P(v, k));
      }
      at(r, d_f + 2 * d_p) = 0.0f;
      at(r, d_f + 2 * d_p + 1) = 1.0f;
      at(r, d_f + 2 * d_p + 2) = static_cast<float>(u);
      at(r, d_f + 2 * d_p + 3) = static_cast<float>(v);
      ++r;
    }
  return t;
}

std::vector<std::shared_ptr<const Matrix>> TokenCache::get(const SearchSpace& space, std::span<const Genome> archs) {
  std::vector<std::shared_ptr<const Matrix>> out(archs.size());
  std::vector<ArchitectureHash> keys(archs.size());
  tbb::parallel_for(std::size_t{0}, archs.size(), [&](std::size_t i) { keys[i] = space.canonical_hash(archs[i]); });
  // Look up; among the misses keep one representative per canonical class (the first).
  std::vector<std::size_t> missing, rep(archs.size());
  {
    std::unordered_map<ArchitectureHash, std::size_t, ArchitectureHashHasher> first;
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < archs.size(); ++i) {
      if (auto it = map_.find(keys[i]); it != map_.end()) { out[i] = it->second; continue; }
      auto [f, inserted] = first.emplace(keys[i], i);
      if (inserted) missing.push_back(i);
      rep[i] = f->second;
    }
  }
  if (missing.empty()) return out;
  const int num_ops = static_cast<int>(space.graph_op_names().size());
  // The eigen-solves run in parallel outside the lock. Another thread may insert the same class
  // meanwhile; the first inserted copy wins, so results never depend on scheduling.
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, missing.size(), 64), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t k = r.begin(); k != r.end(); ++k) {
      const std::size_t i = missing[k];
      out[i] = std::make_shared<const Matrix>(lap_tokens(space.graph_view(archs[i]), d_p_, onehot_, num_ops));
    }
  });
  std::lock_guard lock(mu_);
  for (std::size_t i : missing) out[i] = map_.emplace(keys[i], out[i]).first->second;
  for (std::size_t i = 0; i < archs.size(); ++i)
    if (!out[i]) out[i] = out[rep[i]];
  return out;
}

std::size_t TokenCache::size() const {
  std::lock_guard lock(mu_);
  return map_.size();
}

TokenBatch pad_tokens(std::span<const std::shared_ptr<const Matrix>> seqs) {
  TokenBatch b;
  b.batch = static_cast<int>(seqs.size());
  for (const auto& s : seqs) {
    b.tokens = std::max(b.tokens, s->rows);
    if (b.width && b.width != s->cols) throw std::invalid_argument("pad_tokens: token widths differ");
    b.width = s->cols;
  }
  const auto T = static_cast<std::size_t>(b.tokens), W = static_cast<std::size_t>(b.width);
  b.data.assign(seqs.size() * T * W, 0.0f);
  b.pad.assign(seqs.size() * T, 1);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, seqs.size(), 512), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) {
      const Matrix& s = *seqs[i];
      std::copy(s.data.begin(), s.data.end(), b.data.begin() + static_cast<std::ptrdiff_t>(i * T * W));
      std::fill_n(b.pad.begin() + static_cast<std::ptrdiff_t>(i * T), s.rows, std::uint8_t{0});
    }
  });
  return b;
}

std::vector<float> encode_flat(const SearchSpace& space, std::span<const Genome> archs) {
  const std::size_t D = space.flat_encoding_size();
  std::vector<float> out(archs.size() * D);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, archs.size(), 256), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) {
      const auto f = space.flat_encoding(archs[i]);
      std::copy(f.begin(), f.end(), out.begin() + static_cast<std::ptrdiff_t>(i * D));
    }
  });
  return out;
}

}  // namespace nas::predictor
