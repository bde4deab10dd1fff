#pragma once
// Internal (torch) interface between the surrogate driver (surrogate.cpp) and the networks
// (carl.cpp: CARL and its GCN ablation; tart.cpp: TART and the MLP). Never included outside src/.
#include <memory>

#include <torch/nn/module.h>
#include <torch/types.h>

#include "nas/core/rng.hpp"
#include "nas/predictor/factory.hpp"

namespace nas::predictor::detail {

/// One batch on the model's device. Which fields are defined depends on the model.
struct Inputs {
  torch::Tensor x, adj, mask;  // graph: [B,N,F] one-hot ops, [B,N,N] adjacency, [B,N] real-node mask
  torch::Tensor tokens, pad;   // TART: [B,T,W] LAP tokens, [B,T] bool, true = padding
  torch::Tensor flat;          // MLP: [B,D]
  torch::Tensor feat;          // every kind, with per-cell features (zero-cost scores): [B,K], z-scored
  std::int64_t size() const;
  Inputs select(const torch::Tensor& idx) const;  // rows idx (a long tensor on the same device)
};

/// A network with a training loss. `y` is z-scored, `w` per-sample weights with mean 1.
class Net : public torch::nn::Module {
 public:
  /// Scores [B]; used in eval mode under NoGradGuard.
  virtual torch::Tensor score(const Inputs& in) = 0;
  /// Scalar training loss of a minibatch; `rng` drives every random choice (permutations, sign
  /// flips) so the loss is a function of the seed only.
  virtual torch::Tensor loss(const Inputs& in, const torch::Tensor& y, const torch::Tensor& w, Rng& rng) = 0;
};

/// Ranking loss chosen by the options (pairwise logistic or hinge over pairs with y_i > y_j,
/// pair weight (w_i + w_j)/2), plus mse_weight * weighted MSE(s, y).
torch::Tensor ranking_loss(const torch::Tensor& s, const torch::Tensor& y, const torch::Tensor& w, const PredictorOptions& o);
/// Weighted mean squared error.
torch::Tensor weighted_mse(const torch::Tensor& s, const torch::Tensor& target, const torch::Tensor& w);
/// A random permutation of 0..n-1 from `rng`, as a long tensor on `device`.
torch::Tensor permutation(std::int64_t n, Rng& rng, torch::Device device);

/// `extra`: the width K of Inputs::feat (0 = none). CARL/GCN and TART add a linear embedding of the
/// features to the pooled embedding their score heads read; the MLP to its last hidden layer.
std::shared_ptr<Net> make_carl(const PredictorOptions& o, int features, int extra);
std::shared_ptr<Net> make_tart(const PredictorOptions& o, int token_width, int d_f, int extra);
std::shared_ptr<Net> make_mlp(const PredictorOptions& o, int inputs, int extra);

/// CARL's masks on a batch: node [B,N] (0 on padding), edge [B,N,N] (0 where no edge).
/// Throws std::invalid_argument if `net` is not a CARL network.
std::pair<torch::Tensor, torch::Tensor> carl_masks(Net& net, const Inputs& in);

}  // namespace nas::predictor::detail
