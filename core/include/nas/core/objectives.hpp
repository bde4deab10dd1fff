#pragma once
// Objectives and constraints of multi-objective searches, as users write them:
//   --objectives COL:max|min,...     e.g. cifar10_test_200ep:max,params:min
//   --constraint COL<=VALUE          (also <, >=, >), several allowed
// Parsing only: which columns exist is the benchmark's business (checked where the table is known).
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "nas/core/errors.hpp"
#include "nas/core/evaluator.hpp"

namespace nas {

struct Objective {
  std::string column;
  Direction direction = Direction::maximise;
  friend bool operator==(const Objective&, const Objective&) = default;
};

struct Constraint {
  enum class Op { le, lt, ge, gt };
  std::string column;
  Op op = Op::le;
  double bound = 0;
  /// Whether `value` meets the constraint (a NaN never does).
  bool holds(double value) const {
    switch (op) {
      case Op::le: return value <= bound;
      case Op::lt: return value < bound;
      case Op::ge: return value >= bound;
      case Op::gt: return value > bound;
    }
    return false;
  }
  /// As written back, the bound in the shortest form that reads back exactly: "params<=1e+06".
  std::string text() const {
    static constexpr const char* ops[] = {"<=", "<", ">=", ">"};
    return column + ops[static_cast<int>(op)] + format_bound();
  }

 private:
  std::string format_bound() const {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, bound);
    return std::string(buf, r.ptr);
  }
};

namespace detail {
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
// A table column's name: letters, digits, '_', '-', '.' (what the benchmarks' headers use).
inline bool column_name(std::string_view s) {
  if (s.empty()) return false;
  for (char ch : s)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.')) return false;
  return true;
}
}  // namespace detail

/// Parses "COL:max|min,..." (at least one; a column at most once). Throws OptionError naming
/// the item and what was expected.
inline std::vector<Objective> parse_objectives(std::string_view text) {
  std::vector<Objective> out;
  const std::string whole(text);
  if (detail::trim(text).empty()) throw OptionError("--objectives is empty: expected COLUMN:max|min,... (e.g. cifar10_test_200ep:max,params:min)");
  for (std::size_t a = 0; a <= text.size();) {
    const auto e = std::min(text.find(',', a), text.size());
    const auto item = detail::trim(text.substr(a, e - a));
    a = e + 1;
    const auto colon = item.find(':');
    const auto column = detail::trim(item.substr(0, colon));
    if (colon == std::string_view::npos || !detail::column_name(column))
      throw OptionError("--objectives '" + whole + "': item '" + std::string(item) + "' is not COLUMN:max or COLUMN:min");
    const auto dir = detail::trim(item.substr(colon + 1));
    Objective o{std::string(column), Direction::maximise};
    if (dir == "min") o.direction = Direction::minimise;
    else if (dir != "max")
      throw OptionError("--objectives '" + whole + "': direction '" + std::string(dir) + "' of " + o.column + " is not max or min");
    for (const auto& p : out)
      if (p.column == o.column) throw OptionError("--objectives '" + whole + "': " + o.column + " is given twice");
    out.push_back(std::move(o));
  }
  return out;
}

/// Parses "COL<=VALUE" (also <, >=, >; VALUE a finite number such as 1e6). Throws OptionError.
inline Constraint parse_constraint(std::string_view text) {
  const std::string whole(text);
  const auto bad = [&](const std::string& why) {
    return OptionError("--constraint '" + whole + "': " + why + " (expected COLUMN<=VALUE, COLUMN<VALUE, COLUMN>=VALUE or COLUMN>VALUE, e.g. params<=1e6)");
  };
  const auto at = text.find_first_of("<>");
  if (at == std::string_view::npos) throw bad("no comparison");
  Constraint c;
  c.column = std::string(detail::trim(text.substr(0, at)));
  if (c.column.empty()) throw bad("no column");
  if (!detail::column_name(c.column)) throw bad("'" + c.column + "' is not a column name");
  std::size_t len = 1;
  const bool eq = at + 1 < text.size() && text[at + 1] == '=';
  if (text[at] == '<') c.op = eq ? Constraint::Op::le : Constraint::Op::lt;
  else c.op = eq ? Constraint::Op::ge : Constraint::Op::gt;
  if (eq) len = 2;
  const auto value = detail::trim(text.substr(at + len));
  if (value.empty()) throw bad("no value");
  double v = 0;
  const auto r = std::from_chars(value.data(), value.data() + value.size(), v);
  if (r.ec != std::errc() || r.ptr != value.data() + value.size() || !std::isfinite(v))
    throw bad("'" + std::string(value) + "' is not a finite number");
  c.bound = v;
  return c;
}

}  // namespace nas
