#pragma once
// Loaders for NAS-Bench-Macro, NAS-Bench-Graph and TransNAS-Bench-101 (micro) tables, in the
// formats of ../shared/datasets (see its README). Each throws DataError naming file, line and
// value for a malformed table, and OptionError naming the option for an unknown dataset/task.
#include <memory>
#include <string>
#include <vector>

#include "nas/datasets/benchmark.hpp"

namespace nas::datasets {

namespace macro {
/// <data_dir>/nas_bench_macro/nas_bench_macro_cifar10.csv
std::string default_path(const std::string& data_dir);
/// The complete table (6,561 rows, checked against the space) with columns test_acc_seed0..2,
/// test_acc_mean, test_acc_std, params, flops.
std::shared_ptr<const TabularBenchmark> load(const SearchSpace& space, const std::string& path);
/// The three per-seed accuracy columns.
std::vector<std::string> seed_columns();
}  // namespace macro

namespace accel {
/// <data_dir>/accel_nasbench/accel_nasbench_imagenet_mnasnet.csv
std::string default_path(const std::string& data_dir);
/// The accelerators measured: zcu102, vck190 (latency and throughput), a100, 3090, tpuv2, tpuv3
/// (throughput). The first is the default --dataset.
const std::vector<std::string>& device_names();
/// Columns of `device`: latency_<device>_mean (ms, where measured) and throughput_<device>_mean.
std::vector<std::string> device_columns(const std::string& device);
/// The sample (5,125 distinct networks) with val_top1, val_top5, train_time_s, macs_M, params_M
/// and the device's columns. A network trained twice (13 of them) gets the mean of its rows; a row
/// without the device's measurements is left out (the table's dropped_lines()). Throws
/// OptionError for an unknown device, DataError for a malformed file.
std::shared_ptr<const TabularBenchmark> load(const SearchSpace& space, const std::string& path, const std::string& device);
}  // namespace accel

namespace nbgraph {
/// <data_dir>/nas_bench_graph/nas_bench_graph_light.csv
std::string default_path(const std::string& data_dir);
/// cora, citeseer, pubmed, cs, physics, photo, computers, arxiv, proteins.
const std::vector<std::string>& dataset_names();
/// Throws OptionError listing dataset_names() for another name.
void check_dataset(const std::string& dataset);
/// Rows of one dataset; the architecture is "link|ops"; index = the benchmark's `hash` column.
/// The table must be complete for `space` (26,206 rows for "graph"; proteins needs the
/// "graph-proteins" space, 2,021 rows). Columns: valid_perf, test_perf, latency, params.
std::shared_ptr<const TabularBenchmark> load(const SearchSpace& space, const std::string& path, const std::string& dataset);
}  // namespace nbgraph

namespace transnas {
/// <data_dir>/transnas101/naslib_zc_transnas101_subset.csv
std::string default_path(const std::string& data_dir);
/// class_scene, class_object, jigsaw, room_layout, segmentsemantic, normal, autoencoder.
const std::vector<std::string>& task_names();
/// room_layout is an L2 loss (minimise); the other tasks' metrics are maximised.
Direction direction(const std::string& task);
/// Name of the loaded metric column: "val_metric", or "-val_metric" (the loss itself) for
/// room_layout, whose file column holds -loss.
std::string metric_column(const std::string& task);
/// Rows with space = micro and task = `task` (a sample: ~711 of the 4,096 cells), with the
/// column val_metric and, for room_layout, also "-val_metric" (the loss, to be minimised; the
/// maximise view val_metric = -loss remains for tools that assume "higher is better").
/// Throws OptionError for an unknown task.
std::shared_ptr<const TabularBenchmark> load_micro(const SearchSpace& space, const std::string& path, const std::string& task);
}  // namespace transnas

}  // namespace nas::datasets
