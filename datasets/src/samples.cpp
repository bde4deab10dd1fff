#include "nas/datasets/samples.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace nas::datasets {

namespace {
// val_accuracy, and NASLib's zc_params and zc_flops (millions: the params and flops objectives)
// where the file's header has both; a table without them still loads.
std::vector<std::string> with_counts(const std::string& path) {
  std::ifstream in(path);
  std::string header;
  std::getline(in, header);
  std::vector<std::string> names;
  std::stringstream ss(header);
  for (std::string n; std::getline(ss, n, ',');) {
    if (!n.empty() && n.back() == '\r') n.pop_back();
    names.push_back(n);
  }
  const auto has = [&](const char* c) { return std::find(names.begin(), names.end(), c) != names.end(); };
  if (has("zc_params") && has("zc_flops")) return {"val_accuracy", "zc_params", "zc_flops"};
  return {"val_accuracy"};
}
}  // namespace

namespace nb101 {
std::string default_path(const std::string& data_dir) { return data_dir + "/nasbench101/naslib_zc_nb101_subset.csv"; }

std::shared_ptr<const TabularBenchmark> load(const SearchSpace& space, const std::string& path) {
  TableSpec spec;
  spec.arch_columns = {"adj_upper_tri", "ops"};  // joined by the default "|"
  spec.value_columns = with_counts(path);
  return TabularBenchmark::load(space, path, spec);
}
}  // namespace nb101

namespace darts {
std::string default_path(const std::string& data_dir) { return data_dir + "/darts/naslib_zc_nb301_subset.csv"; }

std::shared_ptr<const TabularBenchmark> load(const SearchSpace& space, const std::string& path) {
  TableSpec spec;
  spec.arch_column = "genotype";
  spec.value_columns = with_counts(path);
  return TabularBenchmark::load(space, path, spec);
}
}  // namespace darts

}  // namespace nas::datasets
