#include "nas/datasets/tables.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "nas/core/errors.hpp"

namespace nas::datasets {

// default_path uses fmt: GCC 12 warns falsely (-Wrestrict) on std::string + literal.
namespace macro {
std::string default_path(const std::string& data_dir) { return fmt::format("{}/nas_bench_macro/nas_bench_macro_cifar10.csv", data_dir); }

std::vector<std::string> seed_columns() { return {"test_acc_seed0", "test_acc_seed1", "test_acc_seed2"}; }

std::shared_ptr<const TabularBenchmark> load(const SearchSpace& space, const std::string& path) {
  TableSpec spec;
  spec.arch_column = "arch";
  spec.complete = true;
  spec.value_columns = seed_columns();
  for (const char* c : {"test_acc_mean", "test_acc_std", "params", "flops"}) spec.value_columns.emplace_back(c);
  return TabularBenchmark::load(space, path, spec);
}
}  // namespace macro

namespace accel {
std::string default_path(const std::string& data_dir) { return fmt::format("{}/accel_nasbench/accel_nasbench_imagenet_mnasnet.csv", data_dir); }

const std::vector<std::string>& device_names() {
  static const std::vector<std::string> names{"zcu102", "vck190", "a100", "3090", "tpuv2", "tpuv3"};
  return names;
}

std::vector<std::string> device_columns(const std::string& device) {
  const auto& n = device_names();
  if (std::find(n.begin(), n.end(), device) == n.end())
    throw OptionError(fmt::format("--dataset: Accel-NASBench has no accelerator '{}'; expected one of {}", device, fmt::join(n, ", ")));
  std::vector<std::string> c;
  if (device == "zcu102" || device == "vck190") c.push_back("latency_" + device + "_mean");
  c.push_back("throughput_" + device + "_mean");
  return c;
}

std::shared_ptr<const TabularBenchmark> load(const SearchSpace& space, const std::string& path, const std::string& device) {
  TableSpec spec;
  spec.arch_column = "arch";
  spec.value_columns = {"val_top1", "val_top5", "train_time_s", "macs_M", "params_M"};
  for (auto& c : device_columns(device)) spec.value_columns.push_back(std::move(c));
  spec.average_duplicates = true;
  spec.drop_incomplete_rows = true;
  return TabularBenchmark::load(space, path, spec);
}
}  // namespace accel

namespace nbgraph {
std::string default_path(const std::string& data_dir) { return fmt::format("{}/nas_bench_graph/nas_bench_graph_light.csv", data_dir); }

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names{"cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins"};
  return names;
}

void check_dataset(const std::string& dataset) {
  const auto& n = dataset_names();
  if (std::find(n.begin(), n.end(), dataset) == n.end())
    throw OptionError(fmt::format("--dataset: unknown NAS-Bench-Graph dataset '{}'; expected one of {}", dataset, fmt::join(n, ", ")));
}

std::shared_ptr<const TabularBenchmark> load(const SearchSpace& space, const std::string& path, const std::string& dataset) {
  check_dataset(dataset);
  TableSpec spec;
  spec.arch_columns = {"link", "ops"};
  spec.index_column = "hash";
  spec.value_columns = {"valid_perf", "test_perf", "latency", "params"};
  spec.filter_column = "dataset";
  spec.filter_value = dataset;
  spec.complete = true;  // the space's size (26,206, or 2,021 for graph-proteins) is checked
  return TabularBenchmark::load(space, path, spec);
}
}  // namespace nbgraph

namespace transnas {
std::string default_path(const std::string& data_dir) { return fmt::format("{}/transnas101/naslib_zc_transnas101_subset.csv", data_dir); }

const std::vector<std::string>& task_names() {
  static const std::vector<std::string> names{"class_scene", "class_object", "jigsaw", "room_layout", "segmentsemantic", "normal", "autoencoder"};
  return names;
}

namespace {
void check_task(const std::string& task) {
  const auto& n = task_names();
  if (std::find(n.begin(), n.end(), task) == n.end())
    throw OptionError(fmt::format("--task: unknown TransNAS-Bench-101 task '{}'; expected one of {}", task, fmt::join(n, ", ")));
}
}  // namespace

Direction direction(const std::string& task) {
  check_task(task);
  return task == "room_layout" ? Direction::minimise : Direction::maximise;
}

std::string metric_column(const std::string& task) { return direction(task) == Direction::minimise ? "-val_metric" : "val_metric"; }

std::shared_ptr<const TabularBenchmark> load_micro(const SearchSpace& space, const std::string& path, const std::string& task) {
  TableSpec spec;
  spec.arch_column = "arch_str";
  // Always the file's column; for room_layout also the loss itself (the default signal there).
  spec.value_columns = {"val_metric"};
  if (direction(task) == Direction::minimise) spec.value_columns.push_back(metric_column(task));
  spec.filter_column = "task";
  spec.filter_value = task;
  spec.filters = {{"space", "micro"}};
  return TabularBenchmark::load(space, path, spec);
}
}  // namespace transnas

}  // namespace nas::datasets
