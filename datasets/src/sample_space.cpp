#include "nas/datasets/sample_space.hpp"

#include <cmath>
#include <limits>
#include <mutex>

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
    // The sample is too sparse for a mutation to land in it: the table row nearest to a mutated
    // child (fewest differing one-hot features; ties drawn at random), so that the step stays a
    // small one, as the peers' projection onto the table does, instead of a random row.
    return nearest_row(inner_->mutate(parent, rng), parent, rng);
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
  Genome nearest_row(const Genome& child, const Genome& parent, Rng& rng) const {
    std::call_once(encoded_once_, [&] {
      width_ = inner_->flat_encoding_size();
      encoded_.reserve(table_->rows() * width_);
      for (std::size_t r = 0; r < table_->rows(); ++r) {
        const auto e = inner_->flat_encoding(table_->genome(r));
        encoded_.insert(encoded_.end(), e.begin(), e.end());
      }
    });
    const std::vector<float> c = inner_->flat_encoding(child);
    double best = std::numeric_limits<double>::infinity();
    std::vector<std::size_t> ties;
    for (std::size_t r = 0; r < table_->rows(); ++r) {
      const float* row = encoded_.data() + r * width_;
      double d = 0;
      for (std::size_t k = 0; k < width_ && d <= best; ++k) d += std::abs(row[k] - c[k]);
      if (d > best) continue;
      if (table_->genome(r) == parent) continue;
      if (d < best) best = d, ties.clear();
      ties.push_back(r);
    }
    return table_->genome(ties[static_cast<std::size_t>(rng.below(ties.size()))]);
  }

  std::unique_ptr<SearchSpace> inner_;
  std::shared_ptr<const TabularBenchmark> table_;
  // The table's flat encodings, row-major, built on the first fallback (thread-safe through call_once).
  mutable std::once_flag encoded_once_;
  mutable std::size_t width_ = 0;
  mutable std::vector<float> encoded_;
};

}  // namespace

std::unique_ptr<SearchSpace> restrict_to_table(std::unique_ptr<SearchSpace> inner, std::shared_ptr<const TabularBenchmark> table) {
  return std::make_unique<TableSpace>(std::move(inner), std::move(table));
}

}  // namespace nas::datasets
