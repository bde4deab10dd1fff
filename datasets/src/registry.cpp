#include "nas/datasets/registry.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nas/core/errors.hpp"
#include "nas/datasets/sample_space.hpp"
#include "nas/datasets/samples.hpp"
#include "nas/datasets/tables.hpp"

namespace nas::datasets {
namespace {

LoadedBenchmark start(std::string_view space, const BenchmarkRequest& r) {
  LoadedBenchmark b;
  b.space = make_space(space);
  b.benchmark = std::string(space);
  b.dataset = r.dataset;
  return b;
}

LoadedBenchmark load_nb201(const BenchmarkRequest& r) {
  auto b = start("nb201", r);
  b.table = nb201::load(*b.space, r.table);
  b.signal_column = b.table->column(nb201::column_name(r.dataset, r.signal));
  b.reported_column = b.table->column(nb201::column_name(r.dataset, r.reported));
  // Rungs: hp=12 (valid for the search, test reported) and hp=200, the search's own columns.
  // Only when the signal is the 200-epoch one: a 12-epoch signal has no higher rung to promote to.
  const auto& name = b.table->columns()[b.signal_column];
  if (name.size() > 6 && name.ends_with("_200ep")) {
    b.fidelity_resource = "epochs";
    b.fidelities = {{12, b.table->column(nb201::column_name(r.dataset, "valid_12ep")), b.table->column(nb201::column_name(r.dataset, "test_12ep"))},
                    {200, b.signal_column, b.reported_column}};
  }
  return b;
}

// NASLib's samples (CIFAR-10 validation accuracy only): 500 NB101 cells, 725 DARTS genotypes.
LoadedBenchmark load_sample(std::string_view space, const BenchmarkRequest& r) {
  auto b = start(space, r);
  b.table = space == "nb101" ? nb101::load(*b.space, r.table) : darts::load(*b.space, r.table);
  b.signal_column = b.table->column(r.signal);
  b.reported_column = b.table->column(r.reported);
  return b;
}

// NAS-Bench-Macro, CIFAR-10 (complete). "mean" and "seed0".."seed2" are short for test_acc_mean
// and test_acc_seedK; signal "seed" is the noisy mode: each query draws one seed's result.
LoadedBenchmark load_macro(const BenchmarkRequest& r) {
  auto b = start("macro", r);
  b.table = macro::load(*b.space, r.table);
  const auto column = [&](const std::string& v, bool is_signal) {
    if (v == "seed") {
      if (!is_signal) throw OptionError("--reported seed: the noisy mode is for the signal only; report mean or seedK");
      for (const char* c : {"test_acc_seed0", "test_acc_seed1", "test_acc_seed2"}) b.noisy_signal_columns.push_back(b.table->column(c));
      return b.table->column("test_acc_mean");
    }
    if (v == "mean") return b.table->column("test_acc_mean");
    if (v == "seed0" || v == "seed1" || v == "seed2") return b.table->column("test_acc_" + v);
    return b.table->column(v);
  };
  b.signal_column = column(r.signal, true);
  b.reported_column = column(r.reported, false);
  return b;
}

// NAS-Bench-Graph (complete per dataset): validation performance drives the search, test
// performance is reported. Proteins was trained on 5 ops only: its own space, graph-proteins.
LoadedBenchmark load_graph(std::string_view space, const BenchmarkRequest& r) {
  auto b = start(space, r);
  b.table = nbgraph::load(*b.space, r.table, r.dataset);
  b.signal_column = b.table->column(r.signal);
  b.reported_column = b.table->column(r.reported);
  return b;
}

// TransNAS-Bench-101 micro sample (~711 cells per task); the dataset is the task. room_layout's
// metric is a loss, loaded as the loss itself and minimised.
LoadedBenchmark load_transnas(const BenchmarkRequest& r) {
  auto b = start("transnas-micro", r);
  b.direction = transnas::direction(r.dataset);
  b.table = transnas::load_micro(*b.space, r.table, r.dataset);
  const std::string metric = transnas::metric_column(r.dataset);
  b.signal_column = b.table->column(r.signal.empty() ? metric : r.signal);
  b.reported_column = b.table->column(r.reported.empty() ? metric : r.reported);
  return b;
}

// Accel-NASBench's sample (MnasNet-style ImageNet networks); the dataset is the accelerator whose
// latency / throughput columns are loaded (the accuracy columns are the same for all).
LoadedBenchmark load_accel(const BenchmarkRequest& r) {
  LoadedBenchmark b;
  b.space = make_space("accel");
  b.benchmark = "accel";
  b.dataset = r.dataset;
  b.table = accel::load(*b.space, r.table, r.dataset);
  b.signal_column = b.table->column(r.signal);
  b.reported_column = b.table->column(r.reported);
  return b;
}

std::vector<BenchmarkInfo> make_registry() {
  std::vector<BenchmarkInfo> v;
  v.push_back({"nb201", "NAS-Bench-201 (15,625 cells, complete; CIFAR-10/100, ImageNet16-120)", {"cifar10", "cifar100", "imagenet16"},
               "test_200ep", "test_200ep", nb201::default_path, load_nb201, {12, 200}, "epochs",
               "the 200-epoch signal (--signal test_200ep): its rungs are valid_12ep and the signal"});
  v.push_back({"nb101", "NAS-Bench-101, NASLib's 500-cell sample (CIFAR-10 validation)", {"cifar10"}, "val_accuracy", "val_accuracy",
               nb101::default_path, [](const BenchmarkRequest& r) { return load_sample("nb101", r); }});
  v.push_back({"darts", "DARTS / NAS-Bench-301, NASLib's 725-genotype sample (CIFAR-10 validation)", {"cifar10"}, "val_accuracy",
               "val_accuracy", darts::default_path, [](const BenchmarkRequest& r) { return load_sample("darts", r); }});
  v.push_back({"macro", "NAS-Bench-Macro (6,561 networks, complete; CIFAR-10; --signal seed = noisy)", {"cifar10"}, "test_acc_mean",
               "test_acc_mean", macro::default_path, load_macro});
  {
    std::vector<std::string> graph_sets;
    for (const auto& d : nbgraph::dataset_names())
      if (d != "proteins") graph_sets.push_back(d);
    v.push_back({"graph", "NAS-Bench-Graph (26,206 GNNs per dataset, complete)", graph_sets, "valid_perf", "test_perf", nbgraph::default_path,
                 [](const BenchmarkRequest& r) { return load_graph("graph", r); }});
  }
  v.push_back({"graph-proteins", "NAS-Bench-Graph on proteins (its 5-op space)", {"proteins"}, "valid_perf", "test_perf", nbgraph::default_path,
               [](const BenchmarkRequest& r) { return load_graph("graph-proteins", r); }});
  v.push_back({"accel", "Accel-NASBench, its 5,125-network sample (ImageNet top-1; the dataset is the accelerator: latency, throughput)",
               accel::device_names(), "val_top1", "val_top1", accel::default_path, load_accel});
  // Signal and reported default to the task's own metric (differs per task): left empty here.
  v.push_back({"transnas-micro", "TransNAS-Bench-101 micro, NASLib's sample (~711 cells per task; the dataset is the task)",
               transnas::task_names(), "", "", transnas::default_path, load_transnas});
  return v;
}

}  // namespace

const std::vector<BenchmarkInfo>& benchmarks() {
  static const std::vector<BenchmarkInfo> registry = make_registry();
  return registry;
}

std::string benchmark_names() {
  std::string s;
  for (const auto& b : benchmarks()) s += (s.empty() ? "" : ", ") + b.name;
  return s;
}

const BenchmarkInfo& benchmark(std::string_view space) {
  for (const auto& b : benchmarks())
    if (b.name == space) return b;
  throw OptionError(fmt::format("--space {}: no benchmark table is registered for it; expected one of {}", space, benchmark_names()));
}

namespace {
// NAS-Bench-Graph's proteins results are of a 5-op space: --space graph --dataset proteins means it.
std::string_view effective(std::string_view space, const BenchmarkRequest& r) {
  return space == "graph" && r.dataset == "proteins" ? std::string_view("graph-proteins") : space;
}
}  // namespace

BenchmarkRequest complete_request(std::string_view asked, BenchmarkRequest r) {
  const std::string_view space = effective(asked, r);
  const BenchmarkInfo& b = benchmark(space);
  if (r.dataset.empty()) r.dataset = b.datasets.front();
  if (r.dataset == "ImageNet16-120" || r.dataset == "imagenet16-120") r.dataset = "imagenet16";  // NATS-Bench's name
  if (std::find(b.datasets.begin(), b.datasets.end(), r.dataset) == b.datasets.end()) {
    throw OptionError(fmt::format("--dataset {}: {} has {}; expected one of {}", r.dataset, b.name, b.datasets.size() == 1 ? "one dataset" : "these datasets",
                                  fmt::join(b.datasets, ", ")));
  }
  if (r.signal.empty()) r.signal = b.default_signal;
  if (r.reported.empty()) r.reported = b.default_reported;
  if (space == "transnas-micro") {
    if (r.signal.empty()) r.signal = transnas::metric_column(r.dataset);
    if (r.reported.empty()) r.reported = transnas::metric_column(r.dataset);
  }
  if (r.table.empty()) r.table = b.default_table(r.data_dir);
  return r;
}

LoadedBenchmark load_benchmark(std::string_view asked, const BenchmarkRequest& request) {
  const std::string_view space = effective(asked, request);
  const BenchmarkRequest r = complete_request(space, request);
  LoadedBenchmark b = benchmark(space).load(r);
  // A sampled table (NB101, DARTS, TransNAS): searches propose only the architectures it holds.
  if (!b.table->complete()) b.space = restrict_to_table(std::move(b.space), b.table);
  return b;
}

}  // namespace nas::datasets
