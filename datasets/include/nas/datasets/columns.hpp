#pragma once
// Column helpers for tables whose layout is not "one arch column, plain numbers": an architecture
// string assembled from several columns (NAS-Bench-Graph keeps `link` and `ops` apart), rows
// selected by several conditions (TransNAS-Bench-101: space = micro and task = jigsaw), and value
// columns stored negated (a loss stored as -loss). Kept separate from TabularBenchmark so other
// loaders (and `nas space --table`) can use them on a raw CsvFile.
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nas/datasets/csv.hpp"

namespace nas::datasets {

/// Where a row's architecture string comes from: one column, or several joined by a separator.
struct ArchSource {
  std::vector<std::size_t> columns;
  std::string separator;
  /// Resolves column names against the header; throws DataError (listing the available columns)
  /// for a missing one. `names` must not be empty.
  static ArchSource resolve(const CsvFile& csv, const std::vector<std::string>& names, std::string separator);
  /// The fields of `row`, joined ("0-1-2-3" + "|" + "gcn-gat-sage-gin").
  std::string text(const CsvFile& csv, std::size_t row) const;
  /// Error-message prefix naming the file, line and the (first) column.
  std::string where(const CsvFile& csv, std::size_t row) const { return csv.where(row, columns.front()); }
};

/// A conjunction of `column == value` conditions on a CSV's rows.
class RowFilter {
 public:
  /// Adds a condition; throws DataError if the column is missing.
  void add(const CsvFile& csv, const std::string& column, std::string value);
  bool empty() const noexcept { return conditions_.empty(); }
  /// Index of the first condition `row` fails, or nullopt if it passes them all.
  std::optional<std::size_t> first_failure(const CsvFile& csv, std::size_t row) const;
  bool accepts(const CsvFile& csv, std::size_t row) const { return !first_failure(csv, row); }
  /// "task = jigsaw and space = micro".
  std::string describe() const;
  /// Column name and index of condition i.
  const std::string& column_name(std::size_t i) const { return conditions_[i].name; }
  std::size_t column(std::size_t i) const { return conditions_[i].column; }

 private:
  struct Condition {
    std::string name;
    std::size_t column;
    std::string value;
  };
  std::vector<Condition> conditions_;
};

/// A numeric column named "name", or "-name" for the column negated (e.g. TransNAS-Bench-101's
/// room_layout `val_metric` is stored as -loss; "-val_metric" reads the loss itself).
struct ValueColumn {
  std::string spec;    // as written, and the name the loaded table gives it
  std::size_t column;  // position in the CSV
  bool negate = false;
  /// Throws DataError (listing the available columns) for a missing column.
  static ValueColumn resolve(const CsvFile& csv, const std::string& spec);
  /// The finite value (negated if asked); throws DataError naming file, line, column and value.
  double read(const CsvFile& csv, std::size_t row) const;
};

}  // namespace nas::datasets
