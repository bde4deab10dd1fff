#include "nas/study/experiment.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nas/datasets/network_cost.hpp"
#include "nas/datasets/noisy.hpp"
#include "nas/engine/pareto.hpp"
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
  // Said, not silent: rows a loader left out or merged (Accel-NASBench's incomplete and repeated rows).
  if (const auto& d = x.table->dropped_lines(); !d.empty())
    fmt::print(stderr, "note: {}: {} rows without a value in a loaded column left out (lines {}{})\n", x.table->path(), d.size(),
               fmt::join(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(d.size(), 8)), ", "), d.size() > 8 ? ", ..." : "");
  if (x.table->averaged_rows() > 0)
    fmt::print(stderr, "note: {}: {} repeated rows of an architecture averaged into its first row\n", x.table->path(), x.table->averaged_rows());
  x.eval_delay_ms = o.eval_delay_ms;
  return x;
}

std::vector<double> ObjectiveTable::point(std::size_t row) const {
  std::vector<double> p;
  p.reserve(objective_values.size());
  for (const auto& v : objective_values) p.push_back(v[row]);
  return p;
}

std::vector<double> metric_values(const Experiment& x, const std::string& name, const char* option, std::string* source) {
  const auto& cols = x.table->columns();
  const auto column = [&](const std::string& n) -> const std::vector<double>* {
    const auto it = std::find(cols.begin(), cols.end(), n);
    return it == cols.end() ? nullptr : &x.table->values(static_cast<std::size_t>(it - cols.begin()));
  };
  const auto found = [&](const std::vector<double>& v, const std::string& what) {
    if (source) *source = what;
    return v;
  };
  // A column in millions (params_M, zc_params, ...) as counts.
  const auto millions = [](std::vector<double> v) {
    for (auto& e : v) e *= 1e6;
    return v;
  };
  if (const auto* v = column(name)) return found(*v, name);
  std::string derived;
  if (x.benchmark == "nb201") {
    derived = "; derived: params, flops (of the benchmark network for the dataset)";
    try {
      if (const auto* v = column(datasets::nb201::column_name(x.dataset, name))) return found(*v, datasets::nb201::column_name(x.dataset, name));
    } catch (const OptionError&) {  // not a short name: a derived metric or nothing
    }
    if (name == "params" || name == "flops") {
      std::vector<double> v(x.table->rows());
      for (std::size_t r = 0; r < v.size(); ++r) {
        const auto cost = datasets::nb201::network_cost(x.table->genome(r), x.dataset);
        v[r] = name == "params" ? static_cast<double>(cost.parameters) : cost.flops;
      }
      return found(v, name + " (the " + x.dataset + " benchmark network's; flops are multiply-adds)");
    }
  }
  if (x.benchmark == "accel") {
    derived = "; derived: params (params_M x 1e6), flops (macs_M x 1e6), latency and throughput (of the --dataset accelerator)";
    for (const char* m : {"latency", "throughput"})
      if (name == m)
        if (const auto* v = column(fmt::format("{}_{}_mean", m, x.dataset))) return found(*v, fmt::format("{}_{}_mean", m, x.dataset));
    const char* from = name == "params" ? "params_M" : name == "flops" ? "macs_M" : nullptr;
    if (const auto* v = from ? column(from) : nullptr) return found(millions(*v), std::string(from) + " x 1e6");
  }
  if (x.benchmark == "darts" || x.benchmark == "nb101") {
    derived = "; derived: params (zc_params x 1e6), flops (zc_flops x 1e6): NASLib's counts";
    const char* from = name == "params" ? "zc_params" : name == "flops" ? "zc_flops" : nullptr;
    if (const auto* v = from ? column(from) : nullptr) return found(millions(*v), std::string(from) + " x 1e6 (NASLib's count)");
  }
  throw OptionError(fmt::format("{} {}: the {} table ({}) has no such column and the space derives no such metric; it has {}{}", option, name,
                                x.benchmark, x.table->path(), fmt::join(cols, ", "), derived.empty() ? "" : derived));
}

void attach_objectives(Experiment& x, const SearchConfig& c) {
  const MultiObjective& mo = c.search.mo;
  if (!mo.active()) return;
  auto t = std::make_shared<ObjectiveTable>();
  t->mo = mo;
  std::string first_source;
  for (const auto& o : c.objective_list) {
    std::string source;
    t->objective_values.push_back(metric_values(x, o.column, "--objectives", &source));
    t->objective_names.push_back(o.column);
    t->objective_sources.push_back(source);
  }
  for (const auto& k : mo.constraints) {
    t->constraint_values.push_back(metric_values(x, k.column, "--constraint"));
    t->constraint_names.push_back(k.column);
  }
  const std::size_t rows = x.table->rows();
  std::vector<char> feasible(rows, 1);
  for (std::size_t j = 0; j < mo.constraints.size(); ++j) {
    std::size_t meets = 0;
    for (std::size_t r = 0; r < rows; ++r) {
      const bool ok = mo.constraints[j].holds(t->constraint_values[j][r]);
      meets += ok;
      feasible[r] = feasible[r] && ok;
    }
    const auto [lo, hi] = std::minmax_element(t->constraint_values[j].begin(), t->constraint_values[j].end());
    if (meets == 0)
      throw OptionError(fmt::format("--constraint {}: no cell of the {} table ({} rows) meets it; its {} runs from {:g} to {:g}", mo.constraints[j].text(),
                                    x.benchmark, rows, mo.constraints[j].column, *lo, *hi));
  }
  t->feasible_rows = static_cast<std::size_t>(std::count(feasible.begin(), feasible.end(), 1));
  if (t->feasible_rows == 0)
    throw OptionError(fmt::format("--constraint {}: each holds somewhere, but no cell of the {} table meets them all", c.constraint, x.benchmark));
  const std::size_t k = t->objective_values.size();
  if (k > 0) {
    t->reference.best.resize(k), t->reference.worst.resize(k);
    for (std::size_t j = 0; j < k; ++j) {
      const auto [lo, hi] = std::minmax_element(t->objective_values[j].begin(), t->objective_values[j].end());
      const bool max = mo.directions[j] == Direction::maximise;
      t->reference.best[j] = max ? *hi : *lo, t->reference.worst[j] = max ? *lo : *hi;
    }
    std::vector<std::size_t> rows_in;
    std::vector<pareto::Point> pts;
    for (std::size_t r = 0; r < rows; ++r)
      if (feasible[r]) rows_in.push_back(r), pts.push_back(mo.oriented(t->point(r)));
    std::vector<std::vector<double>> front_points;
    for (std::size_t f : pareto::front(pts)) t->front.push_back(rows_in[f]), front_points.push_back(t->point(rows_in[f]));
    t->front_hypervolume = normalised_hypervolume(front_points, mo, t->reference);
    // The first objective is the signal: a column of the table becomes the signal column; a
    // derived one is put in the signal by the evaluator.
    x.direction = mo.directions[0];
    const auto& cols = x.table->columns();
    const auto it = std::find(cols.begin(), cols.end(), t->objective_sources[0]);
    if (it != cols.end()) {
      const auto col = static_cast<std::size_t>(it - cols.begin());
      if (!x.noisy_signal_columns.empty() && col != x.signal_column)
        throw OptionError(fmt::format("--objectives {}: with --signal seed (noisy draws) the first objective must be the signal", c.objectives));
      x.signal_column = col;
    }
  }
  x.objectives = std::move(t);
}

Experiment load_experiment(const SearchConfig& c) {
  Experiment x = load_experiment(c.experiment);
  attach_objectives(x, c);
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

/// Adds a run's objectives and constrained metrics to the table's answer (the same row).
class ObjectiveEvaluator final : public Evaluator {
 public:
  ObjectiveEvaluator(std::unique_ptr<Evaluator> inner, const Experiment& x) : inner_(std::move(inner)), x_(x) {}
  Evaluation evaluate(const Genome& g) override { return annotate(g, inner_->evaluate(g)); }
  Evaluation evaluate_at(const Genome& g, const Fidelity& f) override { return annotate(g, inner_->evaluate_at(g, f)); }
  Direction direction() const override { return x_.direction; }
  std::uint64_t queries() const override { return inner_->queries(); }

 private:
  Evaluation annotate(const Genome& g, Evaluation e) const {
    const ObjectiveTable& t = *x_.objectives;
    const auto row = x_.table->find(g);
    if (!row) throw UnknownArchitecture(fmt::format("{} is not in the table {}", x_.space->format(g), x_.table->path()));
    e.objectives = t.point(*row);
    for (std::size_t k = 0; k < t.objective_names.size(); ++k) e.metrics.emplace_back(t.objective_names[k], e.objectives[k]);
    for (std::size_t k = 0; k < t.constraint_names.size(); ++k)
      if (std::none_of(e.metrics.begin(), e.metrics.end(), [&](const auto& m) { return m.first == t.constraint_names[k]; }))
        e.metrics.emplace_back(t.constraint_names[k], t.constraint_values[k][*row]);
    // A first objective that is not a table column (derived) is the signal itself.
    if (!e.objectives.empty() && t.objective_sources[0] != x_.table->columns()[x_.signal_column]) e.signal = e.reported = e.objectives[0];
    return e;
  }
  std::unique_ptr<Evaluator> inner_;
  const Experiment& x_;
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
  if (objectives) e = std::make_unique<ObjectiveEvaluator>(std::move(e), *this);
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
