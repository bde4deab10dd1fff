#pragma once
// The Evaluator that trains: one query = one architecture trained from scratch at the chosen
// fidelity. The search sees (validation accuracy, test accuracy) like a table's (signal,
// reported) and the records get the training seconds and parameter count.
#include <functional>
#include <memory>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

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
  /// Multi-fidelity searches: the rungs in epochs, ascending; the last is the full training, and
  /// the cosine schedule of every rung spans it (train.epochs is then the last rung). Empty: one
  /// fidelity, train.epochs.
  std::vector<double> rungs;
  /// Where a cell trained to a lower rung leaves its checkpoint (under seed_<run seed>/), so that
  /// a promotion goes on from it and pays only the extra epochs. "": every rung from scratch.
  std::string checkpoint_dir;
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
  /// Trains g to `f.amount` epochs (a rung of options().rungs): from the checkpoint of the highest
  /// lower rung where this run left one (which is then deleted), else from scratch, the schedule
  /// spanning the last rung; the result equals a straight training to that epoch (bit for bit on
  /// CPU). Below the last rung a checkpoint is left for a promotion. Evaluation::spent is the
  /// epochs trained here. Throws std::invalid_argument for a resource other than "epochs" or an
  /// amount that is not a rung; like evaluate() otherwise.
  Evaluation evaluate_at(const Genome& g, const Fidelity& f) override;
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
  std::string checkpoint(const ArchitectureHash& h, double epochs) const;
  std::unordered_map<ArchitectureHash, std::pair<Evaluation, TrainResult>, ArchitectureHashHasher> done_;
  std::map<std::pair<ArchitectureHash, double>, Evaluation> done_rungs_;  // canonical duplicates at a rung
  std::uint64_t queries_ = 0, trainings_ = 0;
};

}  // namespace nas::training
