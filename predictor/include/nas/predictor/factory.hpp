#pragma once
// Torch-free entry point to the LibTorch surrogates (CARL, TART, GCN ablation, MLP).
//
// Every model sees architectures through the space's graph_view() (CARL/GCN/TART) or
// flat_encoding() (MLP); none knows a particular benchmark. Targets are z-scored inside fit(),
// so only the order of scores is meaningful.
#include <cstdint>
#include <memory>
#include <string>

#include "nas/core/cell_scorer.hpp"
#include "nas/core/surrogate.hpp"
#include "nas/mutation/spaces.hpp"

namespace nas::predictor {

/// Every hyperparameter of every surrogate, with the defaults measured on NB201 (see the README
/// table in the closing note). Fields that a kind does not use are ignored by it.
struct PredictorOptions {
  // --- common ---
  std::string kind = "carl";     // carl | tart | gcn | mlp   (gcn = carl with lambda_r = lambda_i = 0)
  std::string device = "auto";   // auto | cpu | cuda | cuda:N  (auto = CUDA when available)
  std::uint64_t seed = 0;        // base seed; fit() derives its own from (seed, FitOptions::seed)
  // torch::set_num_threads at construction; 0 = hardware cores. 1 by default: these networks are
  // too small for intra-op threads (a 100-query CARL run on 2 cores: 4.88 s with 1, 6.24 s with 2).
  int torch_threads = 1;
  int epochs = 100;              // default epochs per fit (FitOptions::epochs overrides)
  int batch_size = 64;           // minibatch size (ranking pairs are formed inside a minibatch)
  double learning_rate = 3e-3;   // AdamW
  double weight_decay = 1e-4;    // AdamW (decoupled)
  int hidden = 64;               // GCN / MLP width
  int layers = 3;                // GCN message-passing layers (MLP hidden layers)
  std::string ranking_loss = "hinge";  // hinge | pairwise_logistic (hinge: same tau, better top-1% precision on NB201)
  double hinge_margin = 0.1;     // margin of the hinge ranking loss (in z-scored target units)
  double mse_weight = 0.1;       // weight of an MSE term added to every ranking loss (0 = none)
  // --- CARL ---
  std::string gcn_mode = "directed";  // directed (separate forward/backward messages) | sym (A+A^T+I normalised)
  double lambda_r = 0.5;         // weight of L_R (redundant path -> batch mean)
  double lambda_i = 0.5;         // weight of L_I (ranking of interventional samples)
  int interventions = 4;         // K in-batch permutations per step
  std::string intervention_combine = "sum";  // z_I = [z_C, z_R[pi]] (concat) | z_C + z_R[pi] (sum)
  double mask_budget = 0.5;      // target per-graph mean of the node and edge masks (CARL only)
  // Mask regularisers. Defaults favour ranking: the masks stay near the budget and vary little.
  // For explanations (nas explain) lambda_binary = 0.5, lambda_mask = 10 give near-binary,
  // discriminative masks at a cost in tau (NB201 C10, 100 cells: 0.748 vs 0.785).
  double lambda_binary = 0.0;    // weight of a 4a(1-a) penalty pushing masks to 0/1 (0 = off)
  double lambda_mask = 1.0;      // weight of the mask-budget penalty (0 = off; masks then collapse to 1)
  // --- TART ---
  int tart_dp = 3;               // Laplacian eigenvectors per token (d_p)
  bool tart_onehot = true;       // node features: true = one-hot (d_f = #ops), false = op id as one number (d_f = 1,
                                 // the paper's; measured worse and unstable on NB201: tau 0.57 +- 0.22 vs 0.75 +- 0.01 at 100 cells)
  double tart_learning_rate = 1e-3;  // TART's own rate (post-LN transformer diverges at learning_rate = 3e-3)
  int tart_d_model = 64;
  int tart_layers = 6;
  int tart_heads = 4;

  /// Throws nas::OptionError naming the first bad field and its value.
  void validate() const;
};

/// Builds a surrogate for `space` (the space must outlive it). Validates `options`, picks the
/// torch device once (throws OptionError if CUDA is asked for and absent), sets torch's thread
/// count. Thread safety: one surrogate per thread (clone() for another).
///
/// `features` (optional; shared with clones, so it must be thread-safe, as CellScorer promises):
/// per-cell scores, e.g. zero-cost proxies, given to the network as extra inputs beside the
/// architecture (CARL/GCN and TART: joined to the pooled embedding their score heads read; MLP:
/// to the flat encoding). Each cold fit fixes their standardisation from its cells (warm fits keep
/// it); a missing score (NaN) enters as the mean. fit() and score() throw std::invalid_argument if
/// a row is not names().size() wide, and what the scorer throws; a checkpoint records the feature
/// count and load() refuses one that differs (std::runtime_error).
std::unique_ptr<Surrogate> make_surrogate(const SearchSpace& space, const PredictorOptions& options,
                                          std::shared_ptr<CellScorer> features = nullptr);

/// Kinds accepted by PredictorOptions::kind.
const char* predictor_kinds();

}  // namespace nas::predictor
