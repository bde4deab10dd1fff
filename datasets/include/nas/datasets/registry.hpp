#pragma once
// Every tabular benchmark, registered in one place (datasets/src/registry.cpp): name -> space,
// datasets, default table file, default signal and reported columns, direction, loader. The CLI,
// the Python module and embedders load benchmarks through it; adding a benchmark is one entry.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nas/core/evaluator.hpp"
#include "nas/datasets/benchmark.hpp"
#include "nas/mutation/spaces.hpp"

namespace nas::datasets {

/// What to load. Empty fields take the benchmark's defaults.
struct BenchmarkRequest {
  std::string dataset;   // e.g. cifar100; for TransNAS the task
  std::string signal;    // column (or the benchmark's short name for one) the search optimises
  std::string reported;  // column reported for the incumbent
  std::string data_dir;  // folder holding the benchmark folders (../shared/datasets layout)
  std::string table;     // the table file itself (overrides data_dir)
};

/// A loaded benchmark, ready to build evaluators from.
struct LoadedBenchmark {
  std::unique_ptr<SearchSpace> space;  // sampled tables: restricted to the architectures in the table
  std::shared_ptr<const TabularBenchmark> table;
  std::string benchmark;               // the registry name
  std::string dataset;
  std::size_t signal_column = 0, reported_column = 0;
  /// Non-empty in a noisy mode (NAS-Bench-Macro --signal seed): each query draws one of these.
  std::vector<std::size_t> noisy_signal_columns;
  Direction direction = Direction::maximise;
  /// The rungs a multi-fidelity search may use (ascending; the last is the full evaluation, the
  /// signal and reported columns above), in units of `fidelity_resource`. Empty: the table has
  /// one fidelity (or the request's signal is not its full one).
  std::string fidelity_resource;
  std::vector<TableFidelity> fidelities;
};

struct BenchmarkInfo {
  std::string name;                   // the --space name
  std::string description;            // one line for help texts
  std::vector<std::string> datasets;  // the first is the default
  std::string default_signal, default_reported;
  std::function<std::string(const std::string& data_dir)> default_table;  // the file under a data folder
  /// Loads it; `request` has dataset, signal and reported filled in (defaults applied) and a
  /// table path. Throws OptionError / DataError naming the option or the file.
  std::function<LoadedBenchmark(const BenchmarkRequest& request)> load;
  /// The fidelities the table declares (LoadedBenchmark::fidelities' amounts, known without
  /// loading it) and their resource; empty: one fidelity.
  std::vector<double> fidelities = {};
  std::string fidelity_resource = {};
  /// What a multi-fidelity search needs of the request (e.g. nb201: "the 200-epoch signal"),
  /// for messages; empty when it needs nothing.
  std::string fidelity_note = {};
};

/// All registered benchmarks, in help order. Thread-safe (built once).
const std::vector<BenchmarkInfo>& benchmarks();
/// The benchmark named `space`; throws OptionError listing the registered names otherwise.
const BenchmarkInfo& benchmark(std::string_view space);
/// "nb201, nb101, darts, ..." for messages.
std::string benchmark_names();
/// Fills the request's empty fields with the benchmark's defaults (dataset, signal, reported,
/// table = default_table(data_dir)) and checks the dataset. Throws OptionError.
BenchmarkRequest complete_request(std::string_view space, BenchmarkRequest request);
/// complete_request, then load. Throws OptionError or DataError (file, line, value).
LoadedBenchmark load_benchmark(std::string_view space, const BenchmarkRequest& request);

}  // namespace nas::datasets
