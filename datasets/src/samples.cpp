#include "nas/datasets/samples.hpp"

namespace nas::datasets {

namespace nb101 {
std::string default_path(const std::string& data_dir) { return data_dir + "/nasbench101/naslib_zc_nb101_subset.csv"; }

std::shared_ptr<const TabularBenchmark> load(const SearchSpace& space, const std::string& path) {
  TableSpec spec;
  spec.arch_columns = {"adj_upper_tri", "ops"};  // joined by the default "|"
  spec.value_columns = {"val_accuracy"};
  return TabularBenchmark::load(space, path, spec);
}
}  // namespace nb101

namespace darts {
std::string default_path(const std::string& data_dir) { return data_dir + "/darts/naslib_zc_nb301_subset.csv"; }

std::shared_ptr<const TabularBenchmark> load(const SearchSpace& space, const std::string& path) {
  TableSpec spec;
  spec.arch_column = "genotype";
  spec.value_columns = {"val_accuracy"};
  return TabularBenchmark::load(space, path, spec);
}
}  // namespace darts

}  // namespace nas::datasets
