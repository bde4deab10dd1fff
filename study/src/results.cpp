#include "nas/study/results.hpp"

#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nas/study/experiment.hpp"
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
  if (metrics) header.push_back("metrics");
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
      csv << m;
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
