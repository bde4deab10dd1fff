#include "nas/datasets/benchmark.hpp"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "nas/datasets/columns.hpp"
#include "nas/datasets/csv.hpp"
#include "nas/core/errors.hpp"

namespace nas::datasets {

std::shared_ptr<const TabularBenchmark> TabularBenchmark::load(const SearchSpace& space, const std::string& path, const TableSpec& spec) {
  const CsvFile csv = CsvFile::read(path);
  auto t = std::make_shared<TabularBenchmark>();
  t->path_ = path;
  t->complete_ = spec.complete;
  const ArchSource arch =
      ArchSource::resolve(csv, spec.arch_columns.empty() ? std::vector<std::string>{spec.arch_column} : spec.arch_columns, spec.arch_separator);
  const bool has_index = !spec.index_column.empty();
  const std::size_t index_col = has_index ? csv.column(spec.index_column) : 0;
  std::vector<ValueColumn> value_cols;
  for (const auto& c : spec.value_columns) value_cols.push_back(ValueColumn::resolve(csv, c));
  t->columns_ = spec.value_columns;
  t->values_.assign(value_cols.size(), std::vector<double>(csv.rows()));
  t->genomes_.reserve(csv.rows());
  t->indices_.reserve(csv.rows());
  t->row_of_.reserve(csv.rows() * 2);
  std::unordered_map<long long, std::size_t> index_rows;
  RowFilter filter;
  if (!spec.filter_column.empty()) filter.add(csv, spec.filter_column, spec.filter_value);
  for (const auto& [c, v] : spec.filters) filter.add(csv, c, v);
  const bool filtered = !filter.empty();
  // For the "no row" message: values of the first condition each rejected row fails.
  std::vector<std::string> filter_values_seen;
  std::size_t kept = 0;
  std::vector<std::vector<double>> sums(spec.average_duplicates ? value_cols.size() : 0);  // per kept row
  std::vector<std::size_t> counts;
  for (std::size_t r = 0; r < csv.rows(); ++r) {
    if (const auto fail = filter.first_failure(csv, r)) {
      const std::size_t last = filter.column(*fail);
      if (filter_values_seen.size() < 20 &&
          std::find(filter_values_seen.begin(), filter_values_seen.end(), csv.field(r, last)) == filter_values_seen.end())
        filter_values_seen.emplace_back(csv.field(r, last));
      continue;
    }
    if (spec.drop_incomplete_rows &&
        std::any_of(value_cols.begin(), value_cols.end(), [&](const ValueColumn& v) { return csv.field(r, v.column).empty(); })) {
      t->dropped_.push_back(csv.line(r));
      continue;
    }
    Genome g;
    const std::string text = arch.text(csv, r);
    try {
      g = space.parse(text);
    } catch (const ParseError& e) {
      throw DataError(fmt::format("{}: {}", arch.where(csv, r), e.what()));
    }
    const auto [it, fresh] = t->row_of_.emplace(g, kept);
    if (!fresh && spec.average_duplicates) {
      const std::size_t first = it->second;
      for (std::size_t c = 0; c < value_cols.size(); ++c) sums[c][first] += value_cols[c].read(csv, r);
      ++counts[first];
      ++t->averaged_;
      continue;
    }
    if (!fresh)
      throw DataError(fmt::format("{}: duplicate architecture '{}' (first seen on line {})", arch.where(csv, r), text,
                                  t->lines_[it->second]));
    const std::size_t k = kept++;
    t->lines_.push_back(csv.line(r));
    t->genomes_.push_back(g);
    if (has_index) {
      const long long idx = csv.integer(r, index_col);
      if (const auto [jt, ok] = index_rows.emplace(idx, r); !ok)
        throw DataError(fmt::format("{}: duplicate index {} (first seen on line {})", csv.where(r, index_col), idx, csv.line(jt->second)));
      t->indices_.push_back(idx);
    } else {
      t->indices_.push_back(static_cast<long long>(r));
    }
    for (std::size_t c = 0; c < value_cols.size(); ++c) t->values_[c][k] = value_cols[c].read(csv, r);
    if (spec.average_duplicates) {
      for (std::size_t c = 0; c < value_cols.size(); ++c) sums[c].push_back(t->values_[c][k]);
      counts.push_back(1);
    }
  }
  if (t->averaged_ > 0)
    for (std::size_t c = 0; c < value_cols.size(); ++c)
      for (std::size_t k = 0; k < kept; ++k) t->values_[c][k] = sums[c][k] / static_cast<double>(counts[k]);
  const std::string selection = filtered ? fmt::format(" with {}", filter.describe()) : "";
  if (filtered && kept == 0)
    throw DataError(fmt::format("{}: no row has {}; values present include: {}", path, filter.describe(),
                                fmt::join(filter_values_seen, ", ")));
  for (auto& v : t->values_) v.resize(kept);
  if (spec.complete) {
    if (const auto n = space.size(); n && *n != kept)
      throw DataError(fmt::format("{}: {} data rows{}, but the {} space has {} architectures and this table must be complete", path,
                                  kept, selection, space.name(), *n));
  }
  if (spec.expected_rows && spec.expected_rows != kept)
    throw DataError(fmt::format("{}: {} data rows{}, expected {}", path, kept, selection, spec.expected_rows));
  return t;
}

std::optional<std::size_t> TabularBenchmark::find(const Genome& g) const {
  const auto it = row_of_.find(g);
  if (it == row_of_.end()) return std::nullopt;
  return it->second;
}

std::size_t TabularBenchmark::column(const std::string& name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i] == name) return i;
  throw OptionError(fmt::format("unknown column '{}' in {}; available: {}", name, path_, fmt::join(columns_, ", ")));
}

double TabularBenchmark::optimum(std::size_t column, Direction d) const {
  const auto& v = values_[column];
  return d == Direction::maximise ? *std::max_element(v.begin(), v.end()) : *std::min_element(v.begin(), v.end());
}

TableEvaluator::TableEvaluator(std::shared_ptr<const TabularBenchmark> table, const SearchSpace& space, std::size_t signal_column,
                               std::size_t reported_column, Direction direction)
    : table_(std::move(table)), space_(space), signal_(signal_column), reported_(reported_column), direction_(direction) {}

Evaluation TableEvaluator::lookup(const Genome& g, std::size_t signal, std::size_t reported, double spent) {
  const auto row = table_->find(g);
  if (!row)
    throw UnknownArchitecture(fmt::format("{} has no row for architecture '{}'{}", table_->path(), space_.format(g),
                                          table_->complete() ? "" : " (the table is a sample of the space: it cannot evaluate architectures it lacks)"));
  ++queries_;
  Evaluation e = make_evaluation(table_->value(*row, signal), table_->value(*row, reported));
  e.spent = spent;
  return e;
}

Evaluation TableEvaluator::evaluate(const Genome& g) { return lookup(g, signal_, reported_, rungs_.empty() ? 0 : rungs_.back().amount); }

Evaluation TableEvaluator::evaluate_at(const Genome& g, const Fidelity& f) {
  if (f.resource == resource_)
    for (const auto& r : rungs_)
      if (r.amount == f.amount) return lookup(g, r.signal_column, r.reported_column, r.amount);
  std::string have;
  for (const auto& r : rungs_) have += fmt::format("{}{}", have.empty() ? "" : ", ", r.amount);
  throw std::invalid_argument(fmt::format("{}: no fidelity {} {}; the table has {}", table_->path(), f.resource, f.amount,
                                          rungs_.empty() ? std::string("none") : resource_ + " " + have));
}

void TableEvaluator::set_fidelities(std::string resource, std::vector<TableFidelity> rungs) {
  resource_ = std::move(resource);
  rungs_ = std::move(rungs);
}

namespace nb201 {

std::string default_path(const std::string& data_dir) { return data_dir + "/nasbench201/nb201.csv"; }

std::shared_ptr<const TabularBenchmark> load(const SearchSpace& space, const std::string& path) {
  TableSpec spec;
  spec.arch_column = "arch";
  spec.index_column = "index";
  spec.complete = true;
  for (const char* ds : {"cifar10", "cifar100", "imagenet16"})
    for (const char* m : {"valid_12ep", "test_12ep", "test_200ep"}) spec.value_columns.push_back(fmt::format("{}_{}", ds, m));
  return TabularBenchmark::load(space, path, spec);
}

std::string column_name(const std::string& dataset, const std::string& metric) {
  std::string ds = dataset;
  if (ds == "ImageNet16-120" || ds == "imagenet16-120") ds = "imagenet16";
  if (ds != "cifar10" && ds != "cifar100" && ds != "imagenet16")
    throw OptionError(fmt::format("--dataset: unknown NAS-Bench-201 dataset '{}'; expected cifar10, cifar100 or imagenet16", dataset));
  for (const char* m : {"valid_12ep", "test_12ep", "test_200ep"}) {
    if (metric == m) return ds + "_" + metric;
    if (metric == ds + "_" + m) return metric;
  }
  throw OptionError(fmt::format("unknown metric '{}' for {}; expected valid_12ep, test_12ep or test_200ep (or {}_<metric>)", metric, ds, ds));
}

}  // namespace nb201
}  // namespace nas::datasets
