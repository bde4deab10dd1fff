#pragma once
// The torch-free surrogate interface the engine holds. Implementations live in predictor/.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "nas/core/genome.hpp"

namespace nas {

struct FitOptions {
  /// Training epochs; <= 0 means the model's own default.
  int epochs = 0;
  /// Continue from the current weights (true) or re-initialise them first (false).
  bool warm_start = false;
  /// Optional per-sample weights (same length as the targets), e.g. to favour recent cells.
  std::vector<double> sample_weights;
  /// Seed for initialisation, shuffling and interventions.
  std::uint64_t seed = 0;
  /// Multiplies the model's learning rate for this fit (e.g. < 1 to fine-tune a warm start).
  double learning_rate_scale = 1.0;
};

struct TrainingStats {
  std::size_t cells = 0;
  int epochs = 0;
  double seconds = 0;
  double final_loss = 0;
};

/// A learned ranker of architectures of one search space. `fit` and `score` must not run
/// concurrently on the same object; use clone() to train a copy on another thread.
class Surrogate {
 public:
  virtual ~Surrogate() = default;
  /// "carl", "tart", "gcn", "mlp", ...
  virtual std::string name() const = 0;
  /// The torch device the model lives on ("cpu", "cuda:0").
  virtual std::string device() const = 0;
  /// Trains on architectures and their true targets (larger target = better architecture).
  virtual TrainingStats fit(std::span<const Genome> archs, std::span<const double> targets, const FitOptions& options) = 0;
  /// One score per architecture in one batched pass; larger = predicted better. Only the order
  /// of scores is meaningful. Requires a prior fit() or load().
  virtual std::vector<double> score(std::span<const Genome> archs) = 0;
  /// Statistics of the last fit().
  virtual TrainingStats last_training() const = 0;
  /// An independent deep copy (weights and optimiser state).
  virtual std::unique_ptr<Surrogate> clone() const = 0;
  /// Checkpoint model and optimiser state; load() restores them into a surrogate built with the same options.
  virtual void save(const std::string& path) const = 0;
  virtual void load(const std::string& path) = 0;
};

}  // namespace nas
