#pragma once
// The guided search's retraining schedule (RetrainSchedule): when to retrain, on what, with which
// fit options, and the online Kendall tau of the ranking model. Internal to the engine.
#include <cstdint>
#include <utility>
#include <vector>

#include "nas/core/surrogate.hpp"
#include "nas/engine/guided.hpp"
#include "nas/engine/retrain_record.hpp"

namespace nas::detail {

/// A retrain the schedule decided on: the training set and the record begun. `asynchronous`:
/// train a copy of the model and let it rank when done; else train the model now.
struct RetrainJob {
  std::vector<Genome> archs;
  std::vector<double> targets;
  /// Over rungs with a second model (filled by the search, not the planner): per cell its
  /// full-fidelity result (NaN if none) and its lowest-rung result, oriented as `targets`.
  std::vector<double> full, low;
  FitOptions fit;
  RetrainRecord record;
  bool asynchronous = false;
};

class RetrainPlanner {
 public:
  /// `steady`: the search plans without waiting for an iteration's results (an "iteration" of the
  /// every-iteration schedule is then top_k new results).
  RetrainPlanner(const GuidedOptions& o, Direction d, bool steady) : o_(o), direction_(d), steady_(steady) {}
  /// The score the ranking model gave the result just told (NaN: not ranked by a model).
  void told(double predicted) { predicted_.push_back(predicted); }
  /// Whether the schedule retrains now, given the results so far.
  bool due(const std::vector<QueryRecord>& history) const;
  /// The next retrain on `history` (a window of it, weighted as the schedule says); the first is
  /// cold, `force_sync` makes it synchronous whatever the schedule.
  RetrainJob job(const std::vector<QueryRecord>& history, bool force_sync);
  /// Kendall tau between the ranking model's scores and the true signals of the cells evaluated
  /// since the last retrain started (model-ranked ones only), and how many; NaN below 2.
  std::pair<double, std::size_t> online_tau(const std::vector<QueryRecord>& history) const;

 private:
  double oriented(double signal) const { return direction_ == Direction::maximise ? signal : -signal; }
  GuidedOptions o_;
  Direction direction_;
  bool steady_;
  std::vector<double> predicted_;  // per history entry
  std::size_t last_start_ = 0;     // history size when the last retrain started
  double next_geometric_ = 0;
  std::uint64_t rounds_ = 0;
};

}  // namespace nas::detail
