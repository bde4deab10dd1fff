#include "nas/study/results.hpp"

#include <filesystem>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nas/study/experiment.hpp"
#include "nas/study/plot.hpp"
#include "nas/datasets/csv.hpp"
#include "nas/core/errors.hpp"

namespace nas::study {

void write_trajectory(const std::string& out, std::uint64_t seed, const SearchResult& r, const SearchSpace& space, bool with_costs,
                      bool with_timing) {
  std::vector<std::string> header{"query", "arch", "signal", "reported", "best_signal", "best_reported"};
  if (with_costs) header.insert(header.end(), {"train_seconds", "params"});
  if (with_timing) header.insert(header.end(), {"worker", "submitted", "finished"});
  // Multi-fidelity / multi-objective columns only where a record has them: a single-objective,
  // full-fidelity run's file is as it always was.
  bool fidelity = false, objectives = false, metrics = false;
  for (const auto& q : r.trajectory) fidelity |= q.fidelity.has_value() || q.pruned, objectives |= !q.objectives.empty(), metrics |= !q.metrics.empty();
  if (fidelity) header.insert(header.end(), {"fidelity", "pruned"});
  if (objectives) header.push_back("objectives");
  if (metrics) header.insert(header.end(), {"metrics", "feasible"});
  datasets::CsvWriter csv(header);
  for (const auto& q : r.trajectory) {
    csv << q.query << space.format(q.arch) << q.signal << q.reported << q.best_signal << q.best_reported;
    if (with_costs) csv << q.cost_seconds << static_cast<long long>(q.parameters);
    if (with_timing) csv << q.worker << q.submitted << q.finished;
    if (fidelity) csv << (q.fidelity ? fmt::format("{}:{}", q.fidelity->resource, q.fidelity->amount) : std::string("full")) << q.pruned;
    if (objectives) csv << fmt::format("{}", fmt::join(q.objectives, ";"));
    if (metrics) {
      std::string m;
      for (const auto& [k, v] : q.metrics) m += (m.empty() ? "" : ";") + fmt::format("{}={}", k, v);
      csv << m << (q.violation == 0);
    }
    csv.end_row();
  }
  if (!r.failures.empty()) {
    datasets::CsvWriter f({"candidate", "arch", "kind", "reason", "worker", "submitted", "finished"});
    for (const auto& x : r.failures)
      (f << x.candidate << space.format(x.arch) << failure_kind_name(x.kind) << x.reason << x.worker << x.submitted << x.finished).end_row();
    write_file(fmt::format("{}/trajectories/seed_{}_failures.csv", out, seed), f.str());
  }
  write_file(fmt::format("{}/trajectories/seed_{}.csv", out, seed), csv.str());
}

void write_front(const std::string& out, std::uint64_t seed, const SearchResult& r, const SearchSpace& space, const ObjectiveTable& t) {
  std::vector<std::string> header{"query", "arch"};
  header.insert(header.end(), t.objective_names.begin(), t.objective_names.end());
  datasets::CsvWriter csv(header);
  for (std::size_t i : pareto_front(r, t.mo)) {
    const QueryRecord& q = r.trajectory[i];
    csv << q.query << space.format(q.arch);
    for (double v : q.objectives) csv << v;
    csv.end_row();
  }
  write_file(fmt::format("{}/pareto/seed_{}.csv", out, seed), csv.str());
}

namespace {
double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? std::nan("") : s / static_cast<double>(v.size());
}
double std_of(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}
}  // namespace

nlohmann::ordered_json objectives_json(std::span<const SearchResult> runs, const ObjectiveTable& t, std::span<const std::size_t> budgets, bool print) {
  using J = nlohmann::ordered_json;
  J j;
  auto& obj = j["objectives"] = J::array();
  for (std::size_t k = 0; k < t.objective_names.size(); ++k)
    obj.push_back({{"column", t.objective_names[k]}, {"reads", t.objective_sources[k]}, {"direction", t.mo.directions[k] == Direction::maximise ? "max" : "min"}});
  auto& con = j["constraints"] = J::array();
  for (const auto& c : t.mo.constraints) con.push_back(c.text());
  j["feasible_table_rows"] = t.feasible_rows;
  const bool several = t.objective_names.size() >= 2;
  if (several) {
    j["hypervolume_reference"] = {{"normalisation", "per objective (v - worst) / (best - worst) over the whole table: 1 = best, 0 = worst"},
                                  {"point_normalised", -t.reference.margin},
                                  {"point", t.reference.point()},
                                  {"best", t.reference.best},
                                  {"worst", t.reference.worst}};
    j["table_front"] = {{"size", t.front.size()}, {"hypervolume", t.front_hypervolume}};
  }
  // The best feasible value of each objective in the table (what a constrained search aims at).
  std::vector<double> table_best(t.objective_names.size(), std::nan(""));
  for (std::size_t k = 0; k < table_best.size(); ++k) {
    bool any = false;
    for (std::size_t r = 0; r < t.objective_values[k].size(); ++r) {
      bool ok = true;
      for (std::size_t c = 0; c < t.mo.constraints.size(); ++c) ok = ok && t.mo.constraints[c].holds(t.constraint_values[c][r]);
      if (!ok) continue;
      const double v = t.objective_values[k][r];
      if (!any || better(t.mo.directions[k], v, table_best[k])) table_best[k] = v, any = true;
    }
  }
  j["table_best_feasible"] = table_best;
  if (print) {
    fmt::print("\nobjectives: {}", fmt::join(t.objective_names, ", "));
    if (!t.mo.constraints.empty()) {
      std::vector<std::string> texts;
      for (const auto& c : t.mo.constraints) texts.push_back(c.text());
      fmt::print("; constraints: {} ({} of the table's cells feasible)", fmt::join(texts, ", "), t.feasible_rows);
    }
    fmt::print("\n");
    if (several) fmt::print("table front: {} cells, normalised hypervolume {:.4f} (reference: 10% of each range beyond the worst value)\n", t.front.size(), t.front_hypervolume);
    fmt::print("{:>8}  {:>20}", "queries", several ? "HV fraction" : "");
    for (std::size_t k = 0; k < t.objective_names.size(); ++k) fmt::print("  {:>22}", "best feasible " + t.objective_names[k]);
    fmt::print("\n");
  }
  auto& at = j["at"] = J::object();
  for (std::size_t b : budgets) {
    J entry;
    std::vector<double> frac;
    std::vector<std::vector<double>> best(t.objective_names.size());
    for (const auto& r : runs) {
      if (several) frac.push_back(t.front_hypervolume > 0 ? front_hypervolume(r, t.mo, t.reference, b) / t.front_hypervolume : 0);
      for (std::size_t k = 0; k < best.size(); ++k) {
        bool any = false;
        double v = 0;
        for (std::size_t i = 0; i < std::min(b, r.trajectory.size()); ++i) {
          const auto& q = r.trajectory[i];
          if (q.violation != 0 || q.objectives.size() != best.size() || q.fidelity) continue;
          if (!any || better(t.mo.directions[k], q.objectives[k], v)) v = q.objectives[k], any = true;
        }
        if (any) best[k].push_back(v);
      }
    }
    if (several) entry["hypervolume_fraction"] = {{"mean", mean_of(frac)}, {"std", std_of(frac)}, {"n", frac.size()}};
    auto& bj = entry["best_feasible"] = J::array();
    for (std::size_t k = 0; k < best.size(); ++k) {
      std::size_t hit = 0;
      for (double v : best[k]) hit += !better(t.mo.directions[k], table_best[k], v);
      bj.push_back({{"column", t.objective_names[k]}, {"mean", mean_of(best[k])}, {"std", std_of(best[k])}, {"n", best[k].size()}, {"at_table_best", hit}});
    }
    if (print) {
      fmt::print("{:>8}  ", b);
      if (several) fmt::print("{:>9.4f} ± {:<8.4f}", mean_of(frac), std_of(frac));
      else fmt::print("{:>20}", "");
      for (std::size_t k = 0; k < best.size(); ++k) fmt::print("  {:>12.6g} ± {:<7.3g}", mean_of(best[k]), std_of(best[k]));
      fmt::print("\n");
    }
    at[std::to_string(b)] = entry;
  }
  if (print && !table_best.empty()) fmt::print("table's best feasible: {}\n", fmt::join(table_best, ", "));
  auto& per = j["per_run"] = J::array();
  for (const auto& r : runs) {
    J e = {{"front_size", pareto_front(r, t.mo).size()}};
    if (several) e["hypervolume_fraction"] = t.front_hypervolume > 0 ? front_hypervolume(r, t.mo, t.reference) / t.front_hypervolume : 0;
    per.push_back(e);
  }
  return j;
}

void write_front_plot(const std::string& out, std::span<const SearchResult> runs, const ObjectiveTable& t, const std::string& title) {
  if (t.objective_names.size() < 2) return;
  Series table{"table front", {}, {}};
  std::vector<std::pair<double, double>> tf;
  for (std::size_t r : t.front) tf.emplace_back(t.objective_values[1][r], t.objective_values[0][r]);
  std::sort(tf.begin(), tf.end());
  for (const auto& [x, y] : tf) table.x.push_back(x), table.y.push_back(y);
  Series found{fmt::format("fronts of {} runs", runs.size()), {}, {}, true};
  for (const auto& r : runs)
    for (std::size_t i : pareto_front(r, t.mo)) found.x.push_back(r.trajectory[i].objectives[1]), found.y.push_back(r.trajectory[i].objectives[0]);
  write_file(out + "/pareto/fronts.svg", svg_lines(title, t.objective_names[1], t.objective_names[0], {table, found}));
}

std::unique_ptr<Journal> open_journal(const std::string& key, const std::string& dir, const SearchSpace& space) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw OptionError(fmt::format("--out {}: cannot create the folder: {}", dir, ec.message()));
  return Journal::open(dir + "/journal.sqlite", key, std::string(space.name()));
}

std::unique_ptr<Journal> open_run(const SearchConfig& c, const std::string& out, const SearchSpace& space, const char* command) {
  auto journal = open_journal(c.results_key(), out, space);
  write_file(out + "/config.toml", c.config_toml(command));
  return journal;
}

namespace {
/// [[clock, cost, best_reported], ...]: compact, one triple per change of incumbent.
nlohmann::ordered_json anytime_json(const RunSummary& s) {
  auto a = nlohmann::ordered_json::array();
  for (const auto& p : s.anytime) a.push_back({p.clock, p.cost, p.best_reported});
  return a;
}
}  // namespace

nlohmann::ordered_json runs_json(std::span<const RunSummary> summaries, std::span<const std::uint64_t> seeds) {
  auto a = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < summaries.size(); ++i) {
    const RunSummary& s = summaries[i];
    a.push_back({{"seed", seeds[i]},
                 {"termination", termination_name(s.termination)},
                 {"message", s.message},
                 {"queries", s.queries},
                 {"failures", s.failures},
                 {"incumbent", s.incumbent},
                 {"incumbent_query", s.incumbent_query},
                 {"best_signal", s.best_signal},
                 {"best_reported", s.best_reported},
                 {"wall_seconds", s.wall_seconds},
                 {"retrains", s.retrains},
                 {"anytime", anytime_json(s)},
                 {"threads_requested", s.resources.threads_requested},
                 {"threads_used", s.resources.threads_used},
                 {"device_requested", s.resources.device_requested},
                 {"device_used", s.resources.device_used}});
  }
  return a;
}

void print_summaries(std::span<const RunSummary> summaries, std::span<const std::uint64_t> seeds) {
  if (summaries.size() <= 5) {
    for (std::size_t i = 0; i < summaries.size(); ++i) fmt::print("seed {}: {}", seeds[i], summaries[i].report());
    return;
  }
  std::map<std::string_view, std::size_t> ends;
  for (const auto& s : summaries) ++ends[termination_name(s.termination)];
  std::string line;
  for (const auto& [name, n] : ends) line += fmt::format("{}{} {}", line.empty() ? "" : ", ", n, name);
  fmt::print("{} runs ended: {}\n", summaries.size(), line);
  for (std::size_t i = 0; i < summaries.size(); ++i)
    if (summaries[i].termination != Termination::budget_spent) fmt::print("seed {}: {}", seeds[i], summaries[i].report());
}

void report_resume(const Journal& journal, std::span<const std::uint64_t> seeds, const char* detail) {
  std::size_t finished = 0;
  for (auto s : seeds) finished += journal.finished(s);
  if (finished == seeds.size())
    fmt::print(stderr, "nas search: already complete ({}); outputs are rebuilt from it\n", journal.path());
  else if (finished > 0 || journal.count(seeds[0]) > 0)
    fmt::print(stderr, "nas search: resuming from {} ({} of {} runs finished){}\n", journal.path(), finished, seeds.size(), detail);
}

void write_retrains(const std::string& out, std::uint64_t seed, const GuidedResult& r) {
  datasets::CsvWriter csv({"at_query", "cells", "seconds", "epochs", "warm", "async", "swapped_at_query", "online_tau", "online_cells"});
  for (const auto& x : r.retrains)
    (csv << x.at_query << x.cells << x.seconds << x.epochs << x.warm << x.asynchronous << x.swapped_at_query << x.online_tau << x.online_cells)
        .end_row();
  write_file(fmt::format("{}/trajectories/seed_{}_retrains.csv", out, seed), csv.str());
}

}  // namespace nas::study
