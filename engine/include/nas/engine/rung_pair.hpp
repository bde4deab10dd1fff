#pragma once
// The second-model surrogate of guided evolution over rungs (GuidedOptions::RungTargets::
// second_model): one model learns the full-fidelity results, a second model (an untrained copy of
// the first) learns every cell's lowest-rung result, and the ranking blends the two. The cheap rung
// covers every cell the search has seen; the full rung, only the promoted ones, but it is the
// fidelity the search is judged on. Torch-free: the two models are any Surrogate.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "nas/core/surrogate.hpp"

namespace nas {

/// Scores: each model's scores standardised over the batch (only their order is meaningful),
/// then averaged; until the full-fidelity model has been fitted (`min_full` cells with a full
/// result), the second model's scores alone. A batch of one scores 0. Thread safety: as any
/// Surrogate (one thread; clone() for another).
class RungPairSurrogate final : public Surrogate {
 public:
  /// `model` becomes the full-fidelity model; its clone() (taken now, before any fit) the
  /// lowest-rung one. Throws OptionError for a null model or min_full < 2.
  RungPairSurrogate(std::unique_ptr<Surrogate> model, std::size_t min_full);
  std::string name() const override;  // "<model>+lowest-rung"
  std::string device() const override;
  /// One retrain over rungs. full[i]: cell i's full-fidelity result (larger = better), NaN where
  /// it has none; low[i]: its lowest-rung result (never NaN). The second model learns (archs, low);
  /// the full-fidelity model learns the cells that have a full result, once there are at least
  /// min_full of them (its first fit is cold whatever options.warm_start says). Seeds:
  /// derive_seed(options.seed, 1) and (.., 2); sample weights follow their cells. The two fits run
  /// one after the other. Throws std::invalid_argument on mismatched lengths or a NaN low value.
  TrainingStats fit_pair(std::span<const Genome> archs, std::span<const double> full, std::span<const double> low,
                         const FitOptions& options);
  /// A single-fidelity fit: both models learn `targets` (as fit_pair with full = low = targets).
  TrainingStats fit(std::span<const Genome> archs, std::span<const double> targets, const FitOptions& options) override;
  std::vector<double> score(std::span<const Genome> archs) override;
  TrainingStats last_training() const override { return last_; }
  /// Whether the full-fidelity model ranks (has been fitted).
  bool full_fitted() const { return full_fitted_; }
  std::unique_ptr<Surrogate> clone() const override;
  /// The full-fidelity model at `path`, the second at path + ".lowest".
  void save(const std::string& path) const override;
  void load(const std::string& path) override;

 private:
  RungPairSurrogate(std::unique_ptr<Surrogate> full, std::unique_ptr<Surrogate> low, std::size_t min_full, bool full_fitted,
                    TrainingStats last);
  std::unique_ptr<Surrogate> full_, low_;
  std::size_t min_full_;
  bool full_fitted_ = false;
  TrainingStats last_;
};

}  // namespace nas
