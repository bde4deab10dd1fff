#pragma once
// Where integration tests find the real benchmark tables: $NAS_DATA_DIR, else the build-time
// default (../shared/datasets beside the checkout).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace nas::test {
inline std::string data_dir() {
  if (const char* e = std::getenv("NAS_DATA_DIR"); e && *e) return e;
  return NAS_TEST_DATA_DIR;
}
inline std::string nb201_csv() { return data_dir() + "/nasbench201/nb201.csv"; }
/// Writes `text` to <tmp>/<folder>/<name> (folders per test file, so test binaries never collide)
/// and returns the path: small tables of a test's own.
inline std::string write_tmp(const std::string& folder, const std::string& name, const std::string& text) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / folder;
  std::filesystem::create_directories(dir);
  const std::filesystem::path p = dir / name;
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}
}  // namespace nas::test
