#include "nas/datasets/noisy.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "nas/core/rng.hpp"

namespace nas::datasets {

NoisyTableEvaluator::NoisyTableEvaluator(std::shared_ptr<const TabularBenchmark> table, const SearchSpace& space,
                                         std::vector<std::size_t> seed_columns, std::size_t reported_column, std::uint64_t run_seed,
                                         Direction direction)
    : table_(std::move(table)), space_(space), seeds_(std::move(seed_columns)), reported_(reported_column), run_seed_(run_seed),
      direction_(direction) {
  if (seeds_.empty()) throw std::invalid_argument("NoisyTableEvaluator: no seed columns");
  for (auto c : seeds_)
    if (c >= table_->columns().size())
      throw std::invalid_argument(fmt::format("NoisyTableEvaluator: column position {} but {} has {} loaded columns", c, table_->path(),
                                              table_->columns().size()));
}

std::size_t NoisyTableEvaluator::draw(std::uint64_t q) const noexcept {
  // A fixed stream tag keeps these draws apart from the search's own derive_seed(seed, ...) uses.
  Rng rng(derive_seed(run_seed_, 0x6e6f697379ULL /* "noisy" */, q));
  return static_cast<std::size_t>(rng.below(seeds_.size()));
}

Evaluation NoisyTableEvaluator::evaluate(const Genome& g) {
  const auto row = table_->find(g);
  if (!row) throw UnknownArchitecture(fmt::format("{} has no row for architecture '{}'", table_->path(), space_.format(g)));
  const std::size_t column = seeds_[draw(queries_)];
  ++queries_;
  return make_evaluation(table_->value(*row, column), table_->value(*row, reported_));
}

}  // namespace nas::datasets
