#include "nas/datasets/csv.hpp"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "nas/core/errors.hpp"

namespace nas::datasets {

namespace {
// Bounds that keep memory in check on a wrong file (a binary, a 1 GB line, millions of columns):
// the largest benchmark table is 16 MB, its longest record well under 4 KiB.
constexpr std::size_t kMaxFileBytes = std::size_t{512} << 20;
constexpr std::size_t kMaxRecordBytes = std::size_t{1} << 20;
constexpr std::size_t kMaxFields = 10000;
}  // namespace

CsvFile CsvFile::read(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw DataError(fmt::format("{}: is a folder; expected a CSV file", path));
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw DataError(fmt::format("{}: cannot open file (does it exist? pass --data-dir or --table)", path));
  const auto size = static_cast<std::size_t>(in.tellg());
  if (size > kMaxFileBytes)
    throw DataError(fmt::format("{}: {} bytes; a benchmark table is at most {} MiB here (the largest shipped is 16 MB): is this the right file?", path,
                                size, kMaxFileBytes >> 20));
  in.seekg(0);
  std::string text(size, '\0');  // read once, in place: memory is the file's size
  if (!in.read(text.data(), static_cast<std::streamsize>(size))) throw DataError(fmt::format("{}: read error", path));
  return parse(std::move(text), path);
}

CsvFile CsvFile::parse(std::string text, const std::string& path) {
  CsvFile f;
  f.path_ = path;
  if (text.empty()) throw DataError(fmt::format("{}: empty file; expected a header row and data rows", path));
  std::vector<std::string> fields;
  std::string cur;
  std::size_t line = 1, record_line = 1;
  bool quoted = false, header_done = false;
  std::size_t record_start = 0;  // byte offset where the current record began
  auto end_record = [&]() {
    fields.push_back(std::move(cur));
    cur.clear();
    if (fields.size() == 1 && fields[0].empty()) { fields.clear(); return; }  // blank line
    if (!header_done) {
      f.header_ = std::move(fields);
      header_done = true;
    } else {
      if (fields.size() != f.header_.size())
        throw DataError(fmt::format("{}:{}: {} fields, expected {} (as in the header)", path, record_line, fields.size(), f.header_.size()));
      f.rows_.push_back(std::move(fields));
      f.lines_.push_back(record_line);
    }
    fields.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i - record_start > kMaxRecordBytes)
      throw DataError(fmt::format("{}:{}: a record longer than {} KiB; not a benchmark table (binary data, or a missing line break?)", path,
                                  record_line, kMaxRecordBytes >> 10));
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') { cur += '"'; ++i; }
        else quoted = false;
      } else {
        if (c == '\n') ++line;
        cur += c;
      }
    } else if (c == '"' && cur.empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(cur));
      cur.clear();
      if (fields.size() > kMaxFields)
        throw DataError(fmt::format("{}:{}: more than {} fields in one record; not a benchmark table", path, record_line, kMaxFields));
    } else if (c == '\r' && (i + 1 == text.size() || text[i + 1] == '\n')) {
      // CRLF (or a final CR) ends the record; a CR inside quotes, or elsewhere, is data. (Found by
      // fuzz_csv: stripping a CR at the end of the field also ate one that was inside quotes.)
    } else if (c == '\n') {
      end_record();
      ++line;
      record_line = line;
      record_start = i + 1;
    } else {
      cur += c;
    }
  }
  if (quoted) throw DataError(fmt::format("{}:{}: unterminated quoted field", path, record_line));
  if (!cur.empty() || !fields.empty()) end_record();
  if (!header_done) throw DataError(fmt::format("{}: empty file; expected a header row", path));
  if (f.rows_.empty()) throw DataError(fmt::format("{}: header only, no data rows", path));
  return f;
}

std::size_t CsvFile::column(std::string_view name) const {
  for (std::size_t i = 0; i < header_.size(); ++i)
    if (header_[i] == name) return i;
  throw DataError(fmt::format("{}:1: missing column '{}'; the header has: {}", path_, name, fmt::join(header_, ", ")));
}

bool CsvFile::has_column(std::string_view name) const {
  for (const auto& h : header_)
    if (h == name) return true;
  return false;
}

std::string CsvFile::where(std::size_t row, std::size_t col) const {
  return fmt::format("{}:{}: column '{}'", path_, lines_[row], header_[col]);
}

double CsvFile::number(std::size_t row, std::size_t col) const {
  const auto s = field(row, col);
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size())
    throw DataError(fmt::format("{}: value '{}' is not a number", where(row, col), s));
  if (!std::isfinite(v)) throw DataError(fmt::format("{}: value '{}' is not a finite number", where(row, col), s));
  return v;
}

long long CsvFile::integer(std::size_t row, std::size_t col) const {
  const auto s = field(row, col);
  long long v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < 0)
    throw DataError(fmt::format("{}: value '{}' is not a non-negative integer", where(row, col), s));
  return v;
}

}  // namespace nas::datasets

namespace nas::datasets {

CsvWriter::CsvWriter(std::vector<std::string> header) : width_(header.size()) {
  if (header.empty()) throw std::logic_error("CsvWriter: no columns");
  for (const auto& h : header) add(field(h));
  in_row_ = width_;
  end_row();
  rows_ = 0;
}

std::string CsvWriter::field(std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(text);
  std::string q = "\"";
  for (char c : text) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

void CsvWriter::add(std::string_view formatted) {
  if (in_row_ == width_) throw std::logic_error(fmt::format("CsvWriter: more than {} fields in a row", width_));
  if (in_row_ > 0) out_ += ',';
  out_ += formatted;
  ++in_row_;
}

CsvWriter& CsvWriter::operator<<(std::string_view text) {
  add(field(text));
  return *this;
}
CsvWriter& CsvWriter::operator<<(double x) {
  add(fmt::format("{}", x));
  return *this;
}
CsvWriter& CsvWriter::operator<<(long long x) {
  add(fmt::format("{}", x));
  return *this;
}
CsvWriter& CsvWriter::operator<<(unsigned long long x) {
  add(fmt::format("{}", x));
  return *this;
}

CsvWriter& CsvWriter::end_row() {
  if (in_row_ != width_) throw std::logic_error(fmt::format("CsvWriter: a row of {} fields, the header has {}", in_row_, width_));
  out_ += '\n';
  in_row_ = 0;
  ++rows_;
  return *this;
}

}  // namespace nas::datasets
