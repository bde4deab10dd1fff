#pragma once
// The Evaluator that trains: one query = one architecture trained from scratch at the chosen
// fidelity. The search sees (validation accuracy, test accuracy) like a table's (signal,
// reported) and the records get the training seconds and parameter count.
#include <functional>
#include <memory>
#include <unordered_map>

#include "nas/core/evaluator.hpp"
#include "nas/training/trainer.hpp"

namespace nas::training {

struct TrainingEvaluatorOptions {
  NetworkOptions network;
  TrainOptions train;
  std::size_t train_subset = 2000;  // training images per candidate (0 = all but validation)
  std::size_t valid_size = 1000;    // held out of the training data: the search signal
  std::size_t test_subset = 2000;   // of the test data: the reported value (0 = all)
  std::uint64_t split_seed = 0;     // the split is the same for every run of an experiment
  void validate() const;            // throws OptionError naming the field
};

/// Hooks for progress reporting; each is optional and called on the evaluating thread.
struct TrainingObserver {
  std::function<void(const Genome&)> on_start;
  std::function<void(const Genome&, const EpochLog&)> on_epoch;
  /// After a training (or a cache hit: `trained` false).
  std::function<void(const Genome&, const TrainResult&, bool trained)> on_result;
};

/// Not thread-safe (one per run, like every Evaluator); any number may share one ImageData.
class TrainingEvaluator final : public Evaluator {
 public:
  /// `space` must outlive the evaluator. The split is drawn here, once. Throws OptionError for a
  /// space without a network builder or options that do not fit the data.
  TrainingEvaluator(const SearchSpace& space, std::shared_ptr<const ImageData> data, TrainingEvaluatorOptions options,
                    std::uint64_t run_seed, TrainingObserver observer = {});
  /// Trains g (seeded from the run seed and g's canonical hash, so the same architecture gets the
  /// same result whatever the order of queries) and returns (valid, test) accuracy in percent.
  /// A canonically identical architecture already trained in this run is not trained again: its
  /// result is returned with cost 0. Throws TrainingFailed if training diverges.
  Evaluation evaluate(const Genome& g) override;
  std::uint64_t queries() const override { return queries_; }
  /// Trainings actually run (queries minus cache hits).
  std::uint64_t trainings() const { return trainings_; }
  const Split& split() const { return split_; }
  const TrainingEvaluatorOptions& options() const { return options_; }

 private:
  const SearchSpace& space_;
  std::shared_ptr<const ImageData> data_;
  TrainingEvaluatorOptions options_;
  std::uint64_t run_seed_;
  TrainingObserver observer_;
  Split split_;
  std::unordered_map<ArchitectureHash, std::pair<Evaluation, TrainResult>, ArchitectureHashHasher> done_;
  std::uint64_t queries_ = 0, trainings_ = 0;
};

}  // namespace nas::training
