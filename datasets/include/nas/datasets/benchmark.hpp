#pragma once
// A tabular benchmark: one row per architecture, loaded once, looked up in O(1) by exact genome.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "nas/core/evaluator.hpp"
#include "nas/mutation/spaces.hpp"

namespace nas::datasets {

/// How to read a table.
struct TableSpec {
  std::string arch_column = "arch";      // parsed with the space's parse()
  /// Optional: the architecture string is these columns' fields joined by `arch_separator`
  /// (e.g. {"link", "ops"} and "|" give "0-1-2-3|gcn-gat-sage-gin"); overrides arch_column.
  std::vector<std::string> arch_columns;
  std::string arch_separator{'|'};  // "|"; a char list because GCC 12 warns falsely (-Wrestrict) on = "|"
  std::string index_column;              // optional integer id column ("index" for nb201)
  /// Numeric columns to load (each must be finite). "-name" loads column `name` negated, under
  /// the name "-name" (for a loss a file stores as -loss); see datasets/columns.hpp.
  std::vector<std::string> value_columns;
  bool complete = false;                 // the table must hold every architecture of the space
  /// Optional selection: only rows whose `filter_column` equals `filter_value` are loaded (e.g.
  /// dataset = cora). Throws DataError if no row matches, listing the values present.
  std::string filter_column, filter_value;
  /// More `column == value` conditions, all of which must hold too (e.g. space = micro).
  std::vector<std::pair<std::string, std::string>> filters;
  /// Optional expected row count after filtering (0 = no check); for complete spaces whose size
  /// the space itself does not know.
  std::size_t expected_rows = 0;
  /// Rows of one architecture (a benchmark that trained some networks twice): their values are
  /// averaged into the first row (true), or refused as a duplicate (false, the default).
  bool average_duplicates = false;
  /// A row with an empty field in a value column is left out (true; `dropped_lines` of the table
  /// lists them) or refused (false, the default).
  bool drop_incomplete_rows = false;
};

class TabularBenchmark {
 public:
  /// Loads `path`. Throws DataError naming file, line, column and value for: missing file, empty
  /// file, missing column, unparsable architecture, non-numeric/NaN value, duplicate
  /// architecture, wrong row count for a complete space.
  static std::shared_ptr<const TabularBenchmark> load(const SearchSpace& space, const std::string& path, const TableSpec& spec);

  const std::string& path() const noexcept { return path_; }
  std::size_t rows() const noexcept { return genomes_.size(); }
  bool complete() const noexcept { return complete_; }
  /// Row of an architecture, or nullopt if the table lacks it. O(1).
  std::optional<std::size_t> find(const Genome& g) const;
  const Genome& genome(std::size_t row) const { return genomes_[row]; }
  /// 1-based line of the row in the file (for messages).
  std::size_t line(std::size_t row) const { return lines_[row]; }
  /// The index column's value (or the row number if the table has none).
  long long index(std::size_t row) const { return indices_[row]; }
  /// Position of a loaded value column; throws OptionError listing the loaded ones.
  std::size_t column(const std::string& name) const;
  const std::vector<std::string>& columns() const noexcept { return columns_; }
  double value(std::size_t row, std::size_t column) const { return values_[column][row]; }
  const std::vector<double>& values(std::size_t column) const { return values_[column]; }
  /// Best value of a column under a direction.
  double optimum(std::size_t column, Direction d) const;
  /// Lines left out (TableSpec::drop_incomplete_rows) and rows averaged into another one
  /// (TableSpec::average_duplicates), for the loader's note.
  const std::vector<std::size_t>& dropped_lines() const noexcept { return dropped_; }
  std::size_t averaged_rows() const noexcept { return averaged_; }

 private:
  std::string path_;
  bool complete_ = false;
  std::vector<Genome> genomes_;
  std::vector<long long> indices_;
  std::vector<std::size_t> lines_;
  std::vector<std::string> columns_;
  std::vector<std::vector<double>> values_;
  std::unordered_map<Genome, std::size_t, GenomeHasher> row_of_;
  std::vector<std::size_t> dropped_;
  std::size_t averaged_ = 0;
};

/// One rung of a table's fidelities: an evaluation at `amount` of the table's resource (e.g. 12
/// epochs) reads these columns. A table's rungs are separate training runs (NB201's hp=12 and
/// hp=200), so each charges its whole amount, a promotion included.
struct TableFidelity {
  double amount = 0;
  std::size_t signal_column = 0, reported_column = 0;
};

/// Per-run evaluator over a shared table: counts its queries; throws UnknownArchitecture (naming
/// the architecture and the table) for an architecture the table lacks, never a default value.
class TableEvaluator final : public Evaluator {
 public:
  TableEvaluator(std::shared_ptr<const TabularBenchmark> table, const SearchSpace& space, std::size_t signal_column,
                 std::size_t reported_column, Direction direction = Direction::maximise);
  Evaluation evaluate(const Genome& g) override;
  /// The rung of `f`'s amount (set_fidelities); throws std::invalid_argument for another resource
  /// or an amount the table does not declare, UnknownArchitecture like evaluate().
  Evaluation evaluate_at(const Genome& g, const Fidelity& f) override;
  Direction direction() const override { return direction_; }
  std::uint64_t queries() const override { return queries_; }
  /// The table's rungs, ascending; the last is the full evaluation (evaluate() then reports its
  /// amount as spent). Without them the table answers at full fidelity only.
  void set_fidelities(std::string resource, std::vector<TableFidelity> rungs);

 private:
  Evaluation lookup(const Genome& g, std::size_t signal, std::size_t reported, double spent);
  std::shared_ptr<const TabularBenchmark> table_;
  const SearchSpace& space_;
  std::size_t signal_, reported_;
  Direction direction_;
  std::uint64_t queries_ = 0;
  std::string resource_;
  std::vector<TableFidelity> rungs_;
};

/// NAS-Bench-201 helpers. Datasets: cifar10, cifar100, imagenet16 (alias ImageNet16-120).
namespace nb201 {
/// <data_dir>/nasbench201/nb201.csv
std::string default_path(const std::string& data_dir);
/// Loads the complete table with all nine accuracy columns.
std::shared_ptr<const TabularBenchmark> load(const SearchSpace& space, const std::string& path);
/// Column for a dataset and a metric: `metric` is a full column name ("cifar10_valid_12ep") or a
/// suffix ("test_200ep", "valid_12ep", "test_12ep"). Throws OptionError otherwise.
std::string column_name(const std::string& dataset, const std::string& metric);
}  // namespace nb201

}  // namespace nas::datasets
