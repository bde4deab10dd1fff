#include "nas/study/experiment.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <fmt/format.h>

#include "nas/datasets/noisy.hpp"
#include "nas/core/errors.hpp"

#ifndef NAS_SOURCE_DIR
#define NAS_SOURCE_DIR "."
#endif

namespace nas::study {
namespace fs = std::filesystem;

std::string data_dir(const ExperimentOptions& x) {
  if (!x.data_dir.empty()) return x.data_dir;
  if (const char* e = std::getenv("NAS_DATA_DIR"); e && *e) return e;
  if (fs::is_directory("../shared/datasets")) return "../shared/datasets";
  return std::string(NAS_SOURCE_DIR) + "/../shared/datasets";
}

Experiment load_experiment(const ExperimentOptions& o) {
  datasets::BenchmarkRequest r;
  r.dataset = o.dataset, r.signal = o.signal, r.reported = o.reported, r.table = o.table, r.data_dir = data_dir(o);
  Experiment x;
  static_cast<datasets::LoadedBenchmark&>(x) = datasets::load_benchmark(o.space, r);
  x.eval_delay_ms = o.eval_delay_ms;
  return x;
}

void check_run_fits(const SearchConfig& c, const Experiment& x) {
  if (c.fidelity.multi()) {
    if (x.fidelities.empty())
      throw OptionError(fmt::format("--algo {}: the {} table has rungs only with {}; this run's signal is {}", c.algo, x.benchmark,
                                    datasets::benchmark(x.benchmark).fidelity_note, x.signal_name()));
    for (double r : c.fidelity.rungs)
      if (std::none_of(x.fidelities.begin(), x.fidelities.end(), [&](const datasets::TableFidelity& f) { return f.amount == r; }))
        throw OptionError(fmt::format("--fidelities {}: the loaded {} table has no rung {}", rungs_text(c.fidelity.rungs), x.benchmark, r));
  }
  if (c.cost_model.rfind("epochs:", 0) == 0 && x.fidelities.empty())
    throw OptionError(fmt::format("--cost-model {}: the {} table{} declares no fidelities, so its evaluations do not say how many epochs they "
                                  "take (nb201 with its 200-epoch signal does); use fixed:, lognormal: or column:",
                                  c.cost_model, x.benchmark, x.benchmark == "nb201" ? " with this signal" : ""));
  check_run_budget(c, *x.space);
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
  Evaluation evaluate_at(const Genome& g, const Fidelity& f) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms_));
    return inner_->evaluate_at(g, f);
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
  else {
    auto t = std::make_unique<datasets::TableEvaluator>(table, *space, signal_column, reported_column, direction);
    if (!fidelities.empty()) t->set_fidelities(fidelity_resource, fidelities);
    e = std::move(t);
  }
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
  // Written beside and renamed over: a process killed mid-write (the crash tests do it at random)
  // leaves the old file or the new one, never a truncated config.toml that --resume would misread.
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  fs::path tmp = p;
  tmp += fmt::format(".tmp{}", static_cast<long>(::getpid()));
  const auto failed = [&](const std::string& why) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return std::runtime_error(fmt::format("{}: cannot write file{}", path, why));
  };
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw failed("");
  }
  std::error_code ec;
  fs::rename(tmp, p, ec);
  if (ec) throw failed(": " + ec.message());
}

}  // namespace nas::study
