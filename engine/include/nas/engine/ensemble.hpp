#pragma once
// An uncertainty-aware surrogate: M surrogates trained on bootstrap resamples of the history (as
// sample weights, so every member sees the same cells) and an acquisition on the members' mean
// score and spread. It is itself a Surrogate, so guided search uses it unchanged. Torch-free: the
// members are any Surrogate (CARL, GCN, TART, MLP).
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "nas/core/surrogate.hpp"

namespace nas {

struct EnsembleOptions {
  std::size_t members = 1;  // 1 = no ensemble (the surrogate itself)
  enum class Acquisition {
    mean,  // the members' mean score: a bagged ranker
    ucb,   // mean + kappa x spread: favours candidates the members disagree on (optimism)
  };
  Acquisition acquisition = Acquisition::ucb;
  double kappa = 0.5;       // weight of the spread in UCB, in units of the score spread across candidates
  bool bootstrap = true;    // each member trains on a bootstrap resample (else: same data, other seed)
  void validate() const;    // throws OptionError naming the field
};
EnsembleOptions::Acquisition parse_acquisition(std::string_view s);  // mean | ucb; throws OptionError
std::string_view acquisition_name(EnsembleOptions::Acquisition a);

/// Scores: each member's scores are standardised over the batch (only their order is meaningful),
/// then the acquisition combines the per-candidate mean and standard deviation over members. A
/// batch of one candidate scores 0; members score in parallel. Thread safety: as any Surrogate
/// (one thread; clone() for another).
class EnsembleSurrogate final : public Surrogate {
 public:
  /// `make_member` builds one untrained member; it is called options.members times.
  EnsembleSurrogate(const std::function<std::unique_ptr<Surrogate>()>& make_member, EnsembleOptions options);
  std::string name() const override;
  std::string device() const override;
  /// Member i trains with seed derive_seed(options.seed, i + 1) on the history weighted by its
  /// bootstrap counts (times options.sample_weights, if any). The members train in parallel
  /// (oneTBB: as many at once as the arena has threads); the result is the same at any thread
  /// count. Seconds (the members' own) and epochs add up. Members must tolerate fits of
  /// different members running at once (each its own object; the torch surrogates do).
  TrainingStats fit(std::span<const Genome> archs, std::span<const double> targets, const FitOptions& options) override;
  std::vector<double> score(std::span<const Genome> archs) override;
  /// Per candidate: the members' mean and standard deviation of standardised scores (last score()).
  const std::vector<double>& last_mean() const { return mean_; }
  const std::vector<double>& last_spread() const { return spread_; }
  TrainingStats last_training() const override { return last_; }
  std::unique_ptr<Surrogate> clone() const override;
  /// Member i at path + ".member<i>".
  void save(const std::string& path) const override;
  void load(const std::string& path) override;

 private:
  EnsembleSurrogate(std::vector<std::unique_ptr<Surrogate>> members, EnsembleOptions options, TrainingStats last);
  std::vector<std::unique_ptr<Surrogate>> members_;
  EnsembleOptions options_;
  TrainingStats last_;
  std::vector<double> mean_, spread_;
};

}  // namespace nas
