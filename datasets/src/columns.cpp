#include "nas/datasets/columns.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace nas::datasets {

ArchSource ArchSource::resolve(const CsvFile& csv, const std::vector<std::string>& names, std::string separator) {
  if (names.empty()) throw std::invalid_argument("ArchSource::resolve: no architecture column named");
  ArchSource a;
  for (const auto& n : names) a.columns.push_back(csv.column(n));
  a.separator = std::move(separator);
  return a;
}

std::string ArchSource::text(const CsvFile& csv, std::size_t row) const {
  std::string s(csv.field(row, columns.front()));
  for (std::size_t i = 1; i < columns.size(); ++i) {
    s += separator;
    s += csv.field(row, columns[i]);
  }
  return s;
}

void RowFilter::add(const CsvFile& csv, const std::string& column, std::string value) {
  conditions_.push_back({column, csv.column(column), std::move(value)});
}

std::optional<std::size_t> RowFilter::first_failure(const CsvFile& csv, std::size_t row) const {
  for (std::size_t i = 0; i < conditions_.size(); ++i)
    if (csv.field(row, conditions_[i].column) != conditions_[i].value) return i;
  return std::nullopt;
}

std::string RowFilter::describe() const {
  std::vector<std::string> parts;
  for (const auto& c : conditions_) parts.push_back(fmt::format("{} = {}", c.name, c.value));
  return fmt::format("{}", fmt::join(parts, " and "));
}

ValueColumn ValueColumn::resolve(const CsvFile& csv, const std::string& spec) {
  // A column literally called "-x" wins over "x negated".
  const bool negate = spec.size() > 1 && spec[0] == '-' && !csv.has_column(spec);
  return {spec, csv.column(negate ? spec.substr(1) : spec), negate};
}

double ValueColumn::read(const CsvFile& csv, std::size_t row) const {
  const double v = csv.number(row, column);
  return negate ? -v : v;
}

}  // namespace nas::datasets
