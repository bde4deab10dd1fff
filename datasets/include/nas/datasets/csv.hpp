#pragma once
// A strict CSV reader (RFC 4180 quoting, header row, '.' decimals). Every error names the file,
// the 1-based line, the column and the offending value.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nas::datasets {

class CsvFile {
 public:
  /// Reads and splits the whole file. Throws DataError for a missing/unreadable or empty file,
  /// an unterminated quote, or a row whose field count differs from the header's.
  static CsvFile read(const std::string& path);
  /// Same, from text already in memory; `path` is only used in messages.
  static CsvFile parse(std::string text, const std::string& path);

  const std::string& path() const noexcept { return path_; }
  const std::vector<std::string>& header() const noexcept { return header_; }
  std::size_t rows() const noexcept { return rows_.size(); }
  /// Field `col` of data row `row` (0-based; the header is not a row).
  std::string_view field(std::size_t row, std::size_t col) const { return rows_[row][col]; }
  /// 1-based line number of data row `row` in the file.
  std::size_t line(std::size_t row) const { return lines_[row]; }

  /// Index of column `name`; throws DataError listing the available columns.
  std::size_t column(std::string_view name) const;
  bool has_column(std::string_view name) const;
  /// The field as a finite double; throws DataError (file, line, column, value) otherwise.
  double number(std::size_t row, std::size_t col) const;
  /// The field as a non-negative integer; throws DataError otherwise.
  long long integer(std::size_t row, std::size_t col) const;
  /// "file:line: column 'c': " prefix for error messages about a field.
  std::string where(std::size_t row, std::size_t col) const;

 private:
  std::string path_;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<std::size_t> lines_;
};

/// The one CSV writer of the project (trajectories, retrains, failures, curves, predictor runs,
/// space listings): RFC 4180, a field is quoted when it holds a comma, quote or line break, with
/// quotes doubled; numbers are written in their shortest form that reads back exactly. Every row
/// must have the header's width (std::logic_error otherwise). Not thread-safe.
class CsvWriter {
 public:
  explicit CsvWriter(std::vector<std::string> header);
  /// One field of the current row.
  CsvWriter& operator<<(std::string_view text);
  CsvWriter& operator<<(const char* text) { return *this << std::string_view(text); }
  CsvWriter& operator<<(const std::string& text) { return *this << std::string_view(text); }
  CsvWriter& operator<<(double x);
  CsvWriter& operator<<(long long x);
  CsvWriter& operator<<(unsigned long long x);
  CsvWriter& operator<<(long x) { return *this << static_cast<long long>(x); }
  CsvWriter& operator<<(unsigned long x) { return *this << static_cast<unsigned long long>(x); }
  CsvWriter& operator<<(int x) { return *this << static_cast<long long>(x); }
  CsvWriter& operator<<(unsigned x) { return *this << static_cast<unsigned long long>(x); }
  CsvWriter& operator<<(bool b) { return *this << (b ? "true" : "false"); }
  /// Ends the current row (checks its width).
  CsvWriter& end_row();
  std::size_t rows() const noexcept { return rows_; }
  /// The text so far (header and finished rows).
  const std::string& str() const noexcept { return out_; }
  /// `text` as one field: quoted when needed.
  static std::string field(std::string_view text);

 private:
  void add(std::string_view formatted);
  std::size_t width_, in_row_ = 0, rows_ = 0;
  std::string out_;
};

}  // namespace nas::datasets
