#include "experiment.hpp"

#include <chrono>
#include <thread>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "nas/datasets/noisy.hpp"
#include "nas/datasets/sample_space.hpp"
#include "nas/datasets/samples.hpp"
#include "nas/datasets/tables.hpp"
#include "nas/core/errors.hpp"

#ifndef NAS_SOURCE_DIR
#define NAS_SOURCE_DIR "."
#endif

namespace nas::app {
namespace fs = std::filesystem;

std::string data_dir(const cli::Args& args) {
  if (auto d = args.get("data-dir")) return *d;
  if (const char* e = std::getenv("NAS_DATA_DIR"); e && *e) return e;
  if (fs::is_directory("../shared/datasets")) return "../shared/datasets";
  return std::string(NAS_SOURCE_DIR) + "/../shared/datasets";
}

std::set<std::string> experiment_option_names() { return {"space", "dataset", "task", "data-dir", "table", "signal", "reported", "eval-delay-ms"}; }

Experiment load_experiment(const cli::Args& args) {
  Experiment x;
  x.space = make_space(args.str("space", "nb201"));
  const std::string space = std::string(x.space->name());
  if (space == "nb201") {
    x.dataset = args.str("dataset", "cifar10");
    const std::string path = args.str("table", datasets::nb201::default_path(data_dir(args)));
    x.table = datasets::nb201::load(*x.space, path);
    x.signal_column = x.table->column(datasets::nb201::column_name(x.dataset, args.str("signal", "test_200ep")));
    x.reported_column = x.table->column(datasets::nb201::column_name(x.dataset, args.str("reported", "test_200ep")));
  } else if (space == "nb101" || space == "darts") {
    // NASLib's samples (CIFAR-10 validation accuracy only): 500 NB101 cells, 725 DARTS genotypes.
    x.dataset = args.str("dataset", "cifar10");
    if (x.dataset != "cifar10")
      throw OptionError(fmt::format("--dataset {}: the {} sample has CIFAR-10 results only; expected cifar10", x.dataset, space));
    const bool nb101 = space == "nb101";
    const std::string dir = data_dir(args);
    const std::string path = args.str("table", nb101 ? datasets::nb101::default_path(dir) : datasets::darts::default_path(dir));
    x.table = nb101 ? datasets::nb101::load(*x.space, path) : datasets::darts::load(*x.space, path);
    x.signal_column = x.table->column(args.str("signal", "val_accuracy"));
    x.reported_column = x.table->column(args.str("reported", "val_accuracy"));
  } else if (space == "macro") {
    // NAS-Bench-Macro, CIFAR-10 (complete). Signal and reported: any loaded column; "mean" and
    // "seed0".."seed2" are short for test_acc_mean and test_acc_seedK; --signal seed is the noisy
    // mode: each query draws one seed's result (from the run's seed and the query index).
    x.dataset = args.str("dataset", "cifar10");
    if (x.dataset != "cifar10") throw OptionError(fmt::format("--dataset {}: NAS-Bench-Macro has CIFAR-10 results only; expected cifar10", x.dataset));
    x.table = datasets::macro::load(*x.space, args.str("table", datasets::macro::default_path(data_dir(args))));
    const auto column = [&](const std::string& option) {
      const std::string v = args.str(option, "test_acc_mean");
      if (v == "seed") {
        if (option != "signal") throw OptionError("--reported seed: the noisy mode is for the signal only; report mean or seedK");
        for (const char* c : {"test_acc_seed0", "test_acc_seed1", "test_acc_seed2"}) x.noisy_signal_columns.push_back(x.table->column(c));
        return x.table->column("test_acc_mean");
      }
      if (v == "mean") return x.table->column("test_acc_mean");
      if (v == "seed0" || v == "seed1" || v == "seed2") return x.table->column("test_acc_" + v);
      return x.table->column(v);
    };
    x.signal_column = column("signal");
    x.reported_column = column("reported");
  } else if (space == "graph" || space == "graph-proteins") {
    // NAS-Bench-Graph (complete per dataset): validation performance drives the search, test
    // performance is reported. Proteins was trained on 5 ops only, so it has its own space.
    x.dataset = args.str("dataset", "cora");
    datasets::nbgraph::check_dataset(x.dataset);
    if ((x.dataset == "proteins") != (space == "graph-proteins")) {
      if (space == "graph-proteins")
        throw OptionError(fmt::format("--space graph-proteins is the 5-op space of --dataset proteins, not of {}", x.dataset));
      x.space = make_space("graph-proteins");
    }
    x.table = datasets::nbgraph::load(*x.space, args.str("table", datasets::nbgraph::default_path(data_dir(args))), x.dataset);
    x.signal_column = x.table->column(args.str("signal", "valid_perf"));
    x.reported_column = x.table->column(args.str("reported", "test_perf"));
  } else if (space == "transnas-micro") {
    // TransNAS-Bench-101 micro sample (~711 cells per task): --task (or --dataset) picks the task;
    // room_layout's metric is a loss, loaded as the loss itself ("-val_metric") and minimised.
    const auto task = args.get("task");
    x.dataset = task ? *task : args.str("dataset", "class_scene");
    x.direction = datasets::transnas::direction(x.dataset);
    const std::string metric = datasets::transnas::metric_column(x.dataset);
    x.table = datasets::transnas::load_micro(*x.space, args.str("table", datasets::transnas::default_path(data_dir(args))), x.dataset);
    x.signal_column = x.table->column(args.str("signal", metric));
    x.reported_column = x.table->column(args.str("reported", metric));
  } else {
    throw OptionError(fmt::format("--space {}: no benchmark table is wired for this space yet", space));
  }
  // A sampled table (NB101, DARTS, TransNAS): searches propose only the architectures it holds.
  if (!x.table->complete()) x.space = datasets::restrict_to_table(std::move(x.space), x.table);
  x.eval_delay_ms = static_cast<int>(args.integer("eval-delay-ms", 0, 0, 3'600'000));
  return x;
}

namespace {
/// A table lookup that takes `ms` milliseconds, like a (very) short training: for crash tests,
/// executor studies and demos of the progress output.
class DelayedEvaluator final : public Evaluator {
 public:
  DelayedEvaluator(std::unique_ptr<Evaluator> inner, int ms) : inner_(std::move(inner)), ms_(ms) {}
  Evaluation evaluate(const Genome& g) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms_));
    return inner_->evaluate(g);
  }
  Direction direction() const override { return inner_->direction(); }
  std::uint64_t queries() const override { return inner_->queries(); }

 private:
  std::unique_ptr<Evaluator> inner_;
  int ms_;
};
}  // namespace

std::unique_ptr<Evaluator> Experiment::evaluator(std::uint64_t run_seed) const {
  std::unique_ptr<Evaluator> e;
  if (!noisy_signal_columns.empty())
    e = std::make_unique<datasets::NoisyTableEvaluator>(table, *space, noisy_signal_columns, reported_column, run_seed, direction);
  else
    e = std::make_unique<datasets::TableEvaluator>(table, *space, signal_column, reported_column, direction);
  if (eval_delay_ms > 0) e = std::make_unique<DelayedEvaluator>(std::move(e), eval_delay_ms);
  return e;
}

CostModel Experiment::column_cost(const std::string& name) const {
  const std::size_t col = table->column(name);
  return [this, col, name](const Genome& g, const Evaluation&, Rng&) {
    const auto row = table->find(g);
    if (!row) throw UnknownArchitecture(fmt::format("--cost-model column:{}: {} is not in the table", name, space->format(g)));
    return table->value(*row, col);
  };
}

void write_file(const std::string& path, const std::string& text) {
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error(fmt::format("{}: cannot write file", path));
}

}  // namespace nas::app
