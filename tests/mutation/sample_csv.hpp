#pragma once
// Reads columns of the NASLib sample tables without the datasets module (test_mutation links the
// mutation module only). Enough CSV for these files: double-quoted fields, no embedded newlines.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

namespace nas::test {

inline std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> f(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') { f.back() += '"'; ++i; }
      else if (c == '"') quoted = false;
      else f.back() += c;
    } else if (c == '"') quoted = true;
    else if (c == ',') f.emplace_back();
    else if (c != '\r') f.back() += c;
  }
  return f;
}

/// The named columns of every data row of `path`.
inline std::vector<std::vector<std::string>> read_columns(const std::string& path, const std::vector<std::string>& names) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::string line;
  std::getline(in, line);
  const auto header = split_csv_line(line);
  std::vector<std::size_t> idx;
  for (const auto& n : names) {
    std::size_t k = 0;
    while (k < header.size() && header[k] != n) ++k;
    REQUIRE(k < header.size());
    idx.push_back(k);
  }
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto f = split_csv_line(line);
    REQUIRE(f.size() == header.size());
    std::vector<std::string> r;
    for (auto k : idx) r.push_back(f[k]);
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace nas::test
