#pragma once
// Loaders for the NAS-Bench-101 and DARTS (NAS-Bench-301) samples of ../shared/datasets (NASLib's
// zero-cost subsets; see its README). They are samples, not complete spaces: a TableEvaluator over
// them throws UnknownArchitecture for any architecture they lack. Each throws DataError naming
// file, line, column and value for a malformed table.
#include <memory>
#include <string>

#include "nas/datasets/benchmark.hpp"

namespace nas::datasets {

namespace nb101 {
/// <data_dir>/nasbench101/naslib_zc_nb101_subset.csv
std::string default_path(const std::string& data_dir);
/// Every row; the architecture is `adj_upper_tri` + "|" + `ops` (the nb101 space's string form),
/// loaded column val_accuracy (108 epochs, percent). Rows are keyed by the unpruned cell, as
/// stored; several rows may be the same architecture after pruning (same canonical hash).
std::shared_ptr<const TabularBenchmark> load(const SearchSpace& space, const std::string& path);
}  // namespace nb101

namespace darts {
/// <data_dir>/darts/naslib_zc_nb301_subset.csv
std::string default_path(const std::string& data_dir);
/// Every row; the architecture is the `genotype` column, loaded column val_accuracy (percent).
std::shared_ptr<const TabularBenchmark> load(const SearchSpace& space, const std::string& path);
}  // namespace darts

}  // namespace nas::datasets
