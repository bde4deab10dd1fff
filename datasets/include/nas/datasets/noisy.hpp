#pragma once
// An evaluator that answers with one training seed's result instead of the mean, because a real
// training run is noisy: NAS-Bench-Macro's per-seed mode (test_acc_seed{0,1,2}).
#include <cstdint>
#include <memory>
#include <vector>

#include "nas/datasets/benchmark.hpp"

namespace nas::datasets {

/// Per-run evaluator over a shared table. Query q (0-based, counting answered queries) draws
/// one of `seed_columns` uniformly from derive_seed(run_seed, q): the draw depends only on the
/// run's seed and the query's position, never on the thread or on other runs. The signal is the
/// drawn column's value; `reported` is a fixed column (e.g. the mean), so runs are compared on
/// the same scale. Throws UnknownArchitecture like TableEvaluator. Not thread-safe (one per run).
class NoisyTableEvaluator final : public Evaluator {
 public:
  /// `seed_columns` must be non-empty column positions of `table`; throws std::invalid_argument.
  NoisyTableEvaluator(std::shared_ptr<const TabularBenchmark> table, const SearchSpace& space, std::vector<std::size_t> seed_columns,
                      std::size_t reported_column, std::uint64_t run_seed, Direction direction = Direction::maximise);
  Evaluation evaluate(const Genome& g) override;
  Direction direction() const override { return direction_; }
  std::uint64_t queries() const override { return queries_; }
  /// Which entry of seed_columns query q draws (exposed for tests and logs).
  std::size_t draw(std::uint64_t q) const noexcept;

 private:
  std::shared_ptr<const TabularBenchmark> table_;
  const SearchSpace& space_;
  std::vector<std::size_t> seeds_;
  std::size_t reported_;
  std::uint64_t run_seed_;
  Direction direction_;
  std::uint64_t queries_ = 0;
};

}  // namespace nas::datasets
