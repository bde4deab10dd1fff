#include "nas/datasets/sample_space.hpp"

#include <fmt/format.h>

#include "nas/core/errors.hpp"

namespace nas::datasets {
namespace {

class TableSpace final : public SearchSpace {
 public:
  TableSpace(std::unique_ptr<SearchSpace> inner, std::shared_ptr<const TabularBenchmark> table) : inner_(std::move(inner)), table_(std::move(table)) {
    // Listing a one-row table's identities is fine; a search's budget is checked against size().
    if (table_->rows() < 1) throw DataError(fmt::format("{}: no rows; expected at least one architecture", table_->path()));
  }
  std::string_view name() const override { return inner_->name(); }
  Genome sample(Rng& rng) const override { return table_->genome(static_cast<std::size_t>(rng.below(table_->rows()))); }
  Genome mutate(const Genome& parent, Rng& rng) const override {
    if (table_->rows() == 1) return parent;  // nothing else to mutate into: the search sees a duplicate and stops
    for (int i = 0; i < 64; ++i) {
      Genome child = inner_->mutate(parent, rng);
      if (table_->find(child)) return child;
    }
    for (;;) {
      Genome g = sample(rng);
      if (!(g == parent)) return g;
    }
  }
  bool valid(const Genome& g) const override { return inner_->valid(g) && table_->find(g).has_value(); }
  ArchitectureHash canonical_hash(const Genome& g) const override { return inner_->canonical_hash(g); }
  std::string format(const Genome& g) const override { return inner_->format(g); }
  Genome parse(std::string_view text) const override { return inner_->parse(text); }
  GraphView graph_view(const Genome& g) const override { return inner_->graph_view(g); }
  const std::vector<std::string>& graph_op_names() const override { return inner_->graph_op_names(); }
  int max_graph_nodes() const override { return inner_->max_graph_nodes(); }
  std::vector<float> flat_encoding(const Genome& g) const override { return inner_->flat_encoding(g); }
  std::size_t flat_encoding_size() const override { return inner_->flat_encoding_size(); }
  std::optional<std::uint64_t> size() const override { return table_->rows(); }
  Genome at(std::uint64_t index) const override { return table_->genome(static_cast<std::size_t>(index)); }

 private:
  std::unique_ptr<SearchSpace> inner_;
  std::shared_ptr<const TabularBenchmark> table_;
};

}  // namespace

std::unique_ptr<SearchSpace> restrict_to_table(std::unique_ptr<SearchSpace> inner, std::shared_ptr<const TabularBenchmark> table) {
  return std::make_unique<TableSpace>(std::move(inner), std::move(table));
}

}  // namespace nas::datasets
