#pragma once
// Where integration tests find the real benchmark tables: $NAS_DATA_DIR, else the build-time
// default (../shared/datasets beside the checkout).
#include <cstdlib>
#include <string>

namespace nas::test {
inline std::string data_dir() {
  if (const char* e = std::getenv("NAS_DATA_DIR"); e && *e) return e;
  return NAS_TEST_DATA_DIR;
}
inline std::string nb201_csv() { return data_dir() + "/nasbench201/nb201.csv"; }
}  // namespace nas::test
