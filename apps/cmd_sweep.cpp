// nas sweep: a grid of configurations (schedules and/or predictors) x seeds, resumable, with one
// results table, per-configuration time split, and an SVG of mean best-so-far vs queries.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>

#include <fmt/format.h>

#include "cli.hpp"
#include "commands.hpp"
#include "nas/study/experiment.hpp"
#include "nas/study/results.hpp"
#include "nas/engine/multi_objective.hpp"
#include <nlohmann/json.hpp>
#include "nas/engine/run.hpp"
#include "nas/engine/statistics.hpp"
#include "nas/core/errors.hpp"
#include "run_options.hpp"

namespace nas::app {
namespace {
namespace fs = std::filesystem;

constexpr const char* kDescription =
    "nas sweep: a grid of configurations (retraining schedules, predictors, any option of nas search) x seeds, resumable; one results "
    "table, the time split per configuration and an SVG of mean best-so-far vs queries. --grid \"retrain-every=1|5|10;warm-start=false|true\" "
    "runs the cartesian product (flags take true|false); options outside the grid are shared by every configuration.";

struct Config {
  std::string name;                                   // "retrain-every=5,warm-start=true"
  std::vector<std::pair<std::string, std::string>> settings;
};

std::vector<Config> parse_grid(const std::string& spec) {
  std::vector<Config> configs{{}};
  std::stringstream axes(spec);
  std::string axis;
  while (std::getline(axes, axis, ';')) {
    if (axis.empty()) continue;
    const auto eq = axis.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == axis.size())
      throw OptionError(fmt::format("--grid: axis '{}' is not name=v1|v2|...", axis));
    const std::string key = axis.substr(0, eq);
    std::vector<std::string> values;
    std::stringstream vs(axis.substr(eq + 1));
    std::string v;
    while (std::getline(vs, v, '|')) {
      if (v.empty()) throw OptionError(fmt::format("--grid: empty value in axis '{}'", axis));
      values.push_back(v);
    }
    std::vector<Config> next;
    for (const auto& c : configs)
      for (const auto& val : values) {
        Config d = c;
        d.settings.emplace_back(key, val);
        d.name += (d.name.empty() ? "" : ",") + key + "=" + val;
        next.push_back(d);
      }
    configs = std::move(next);
  }
  if (configs.size() == 1 && configs[0].settings.empty()) throw OptionError("--grid: no axes given");
  return configs;
}

std::string slug(const std::string& s) {
  std::string o;
  for (char c : s) o += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
  return o;
}

// One finished run, as stored on disk (and reloaded on resume).
struct RunRecord {
  std::vector<double> best;  // best reported after each query
  double training = 0, scoring = 0, benchmark = 0, engine = 0, wall = 0;
  std::size_t retrains = 0;
  double hv_fraction = std::nan("");  // several objectives: the front's share of the table front's hypervolume
};

void save_run(const std::string& path, const RunRecord& r) {
  std::string s = fmt::format("{} {} {} {} {} {}\n", r.wall, r.training, r.scoring, r.benchmark, r.engine, r.retrains);
  for (double b : r.best) s += fmt::format("{}\n", b);
  if (!std::isnan(r.hv_fraction)) s += fmt::format("hv {}\n", r.hv_fraction);
  write_file(path, s);  // atomic (write_file renames a finished temporary over it): a half-written run is never taken as finished
}

std::optional<RunRecord> load_run(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  RunRecord r;
  if (!(in >> r.wall >> r.training >> r.scoring >> r.benchmark >> r.engine >> r.retrains)) return std::nullopt;
  for (double b; in >> b;) r.best.push_back(b);
  in.clear();
  if (std::string tag; in >> tag && tag == "hv") in >> r.hv_fraction;
  return r;
}

std::string svg_plot(const std::vector<std::string>& names, const std::vector<std::vector<double>>& curves, double optimum,
                     const std::string& title) {
  std::size_t longest = 10;
  for (const auto& nm : names) longest = std::max(longest, nm.size());
  const double R = 50 + 7.0 * static_cast<double>(longest);  // legend width follows the labels
  const double W = 520 + R, H = 440, L = 70, T = 40, B = 50;
  double lo = optimum, hi = optimum;
  std::size_t n = 0;
  for (const auto& c : curves) {
    n = std::max(n, c.size());
    // Skip the first 10% of queries for the y-range: that is where curves differ least usefully.
    for (std::size_t i = c.size() / 10; i < c.size(); ++i) lo = std::min(lo, c[i]);
  }
  lo -= 0.05 * (hi - lo + 1e-9);
  hi += 0.05 * (hi - lo + 1e-9);
  auto X = [&](double q) { return L + (W - L - R) * (q - 1) / std::max<double>(1, static_cast<double>(n) - 1); };
  auto Y = [&](double v) { return T + (H - T - B) * (1 - (std::clamp(v, lo, hi) - lo) / (hi - lo)); };
  static const char* colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  std::string s = fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" font-family="sans-serif" font-size="12">)", W, H);
  s += fmt::format(R"(<rect width="{}" height="{}" fill="white"/><text x="{}" y="22" font-size="14">{}</text>)", W, H, L, title);
  s += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="black"/><line x1="{0}" y1="{2}" x2="{3}" y2="{2}" stroke="black"/>)", L, T,
                   H - B, W - R);
  for (int k = 0; k <= 5; ++k) {
    const double v = lo + (hi - lo) * k / 5;
    s += fmt::format(R"(<text x="{}" y="{}" text-anchor="end">{:.2f}</text>)", L - 6, Y(v) + 4, v);
    const double q = 1 + (static_cast<double>(n) - 1) * k / 5;
    s += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{:.0f}</text>)", X(q), H - B + 18, q);
  }
  s += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">queries</text>)", (L + W - R) / 2, H - 12);
  s += fmt::format(R"(<line x1="{0}" y1="{2}" x2="{1}" y2="{2}" stroke="gray" stroke-dasharray="4 3"/><text x="{3}" y="{4}" fill="gray">optimum {5:.2f}</text>)",
                   L, W - R, Y(optimum), L + 4, Y(optimum) - 4, optimum);
  for (std::size_t c = 0; c < curves.size(); ++c) {
    std::string pts;
    for (std::size_t i = 0; i < curves[c].size(); ++i) pts += fmt::format("{:.1f},{:.1f} ", X(static_cast<double>(i + 1)), Y(curves[c][i]));
    const char* col = colours[c % 10];
    s += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="1.6" points="{}"/>)", col, pts);
    s += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"/><text x="{}" y="{}">{}</text>)", W - R + 10,
                     T + 16 * c + 10, W - R + 30, T + 16 * c + 10, col, W - R + 35, T + 16 * c + 14, names[c]);
  }
  return s + "</svg>\n";
}

}  // namespace

int cmd_sweep(int argc, char** argv) {
  SearchConfig base(SearchConfig::Front::sweep);
  if (!parse_search_config(base, argc, argv, "sweep", kDescription)) return 0;
  const auto grid = parse_grid(base.grid);
  // Short labels: only the settings that differ between configurations (one-value axes are shared).
  std::vector<std::string> short_names(grid.size());
  for (std::size_t c = 0; c < grid.size(); ++c)
    for (std::size_t k = 0; k < grid[c].settings.size(); ++k) {
      bool varies = false;
      for (const auto& other : grid) varies = varies || other.settings[k].second != grid[c].settings[k].second;
      if (varies) short_names[c] += (short_names[c].empty() ? "" : ",") + grid[c].settings[k].first + "=" + grid[c].settings[k].second;
    }
  std::size_t name_width = 14;
  for (const auto& n : short_names) name_width = std::max(name_width, n.size());
  if (base.evaluator != "table") throw OptionError(fmt::format("--evaluator {} is for nas search; a sweep runs on a benchmark table", base.evaluator));
  for (const auto& g : grid)
    for (const auto& [k, v] : g.settings)
      if (k == "objectives" || k == "constraint")
        throw OptionError(fmt::format("--grid {}={}: the objectives and constraints are the sweep's own (--{}), shared by its configurations", k, v, k));
  const Experiment x = load_experiment(base);
  const std::size_t n_seeds = base.seeds;
  const std::uint64_t seed_base = base.seed_base;
  const int parallel = base.parallel_runs;
  const std::string& out = base.out;

  // Validate every configuration before running any.
  std::vector<std::unique_ptr<SearchConfig>> configs;
  std::vector<ExecutorOptions> executors;  // per configuration (the grid may vary --workers, --mode, ...)
  for (const auto& g : grid) {
    auto a = std::make_unique<SearchConfig>(SearchConfig::Front::sweep);
    a->replay(base);
    for (const auto& [k, v] : g.settings) {
      if (k == "seeds" || k == "seed-base" || k == "out" || k == "grid" || k == "resume" || k == "evaluator" || (a->options.has(k) && a->options.find(k)->group == "benchmark"))
        throw OptionError(fmt::format("--grid: '{}' cannot be swept (the configurations share the benchmark, seeds and output)", k));
      try {
        a->options.set(k, v);
      } catch (const OptionError& e) {
        throw OptionError(fmt::format("--grid: {}", e.what()));
      }
    }
    a->finish();
    check_run_fits(*a, x);
    executors.push_back(executor_options(*a, [&](const std::string& name) { return x.column_cost(name); }, mpi_workers()));
    configs.push_back(std::move(a));
  }
  // One journal per configuration, keyed on its full effective options (seeds excepted: more
  // seeds extend a sweep): a sweep rerun into the same --out with another budget, dataset or
  // option is refused, and an interrupted run resumes from its journal.
  std::vector<std::unique_ptr<Journal>> journals;
  for (std::size_t c = 0; c < grid.size(); ++c) {
    const std::string dir = fmt::format("{}/runs/{}", out, slug(grid[c].name));
    journals.push_back(open_journal(configs[c]->results_key(), dir, *x.space));
    write_file(dir + "/config.toml", configs[c]->config_toml("sweep"));
  }
  // Per configuration, the seeds whose run is not saved yet.
  std::vector<std::vector<std::uint64_t>> todo(grid.size());
  std::size_t n_todo = 0;
  auto run_path = [&](std::size_t c, std::uint64_t seed) { return fmt::format("{}/runs/{}/seed_{}.run", out, slug(grid[c].name), seed); };
  for (std::size_t c = 0; c < grid.size(); ++c)
    for (std::size_t s = 0; s < n_seeds; ++s)
      if (!load_run(run_path(c, seed_base + s))) todo[c].push_back(seed_base + s), ++n_todo;
  fmt::print(stderr, "nas sweep: {} configurations x {} seeds; {} runs to do ({} already finished in {})\n", grid.size(), n_seeds,
             n_todo, grid.size() * n_seeds - n_todo, out);
  {
    cli::Progress bar("runs", n_todo);
    for (std::size_t c = 0; c < grid.size(); ++c) {
      if (todo[c].empty()) continue;
      const SearchConfig& a = *configs[c];
      RunOptions ro = run_options(a, todo[c], x.direction);
      ro.executor = executors[c];
      ro.threads = parallel;
      ro.journal = journals[c].get();
      ro.on_done = [&](std::size_t i, const SearchResult& r) {  // saved at once: a finished run is never rerun
        RunRecord rec{{}, r.seconds_training, r.seconds_scoring, r.seconds_evaluating, r.seconds_engine, r.wall_seconds, r.retrains.size()};
        for (const auto& q : r.trajectory) rec.best.push_back(q.best_reported);
        if (x.objectives) {
          write_front(fmt::format("{}/runs/{}", out, slug(grid[c].name)), todo[c][i], r, *x.space, *x.objectives);
          if (x.objectives->mo.multi() && x.objectives->front_hypervolume > 0)
            rec.hv_fraction = front_hypervolume(r, x.objectives->mo, x.objectives->reference) / x.objectives->front_hypervolume;
        }
        save_run(run_path(c, todo[c][i]), rec);
        bar.tick();
      };
      (void)run(*x.space, make_search_factory(a, *x.space), [&](std::uint64_t seed) { return x.evaluator(seed); }, ro);
    }
  }

  // Aggregate (finished runs only; all are finished here unless a run failed, which throws).
  const double optimum = x.table->optimum(x.reported_column, x.direction);
  std::vector<std::string> labels;
  std::vector<std::vector<double>> curves;
  nlohmann::ordered_json j{{"space", x.space->name()}, {"dataset", x.dataset}, {"seeds", n_seeds}, {"optimum", optimum}, {"version", version()}};
  auto& configs_json = j["configs"] = nlohmann::ordered_json::array();
  const bool several = x.objectives && x.objectives->mo.multi();
  fmt::print("\n{:<{}} {:>16} {:>16} {:>16} {:>8} {:>7} {:>7} {:>7} {:>6}{}\n", "configuration", name_width, "best@50", "best@80", "best@100", "AUC",
             "train s", "score s", "wall s", "hit%", several ? "  HV fraction" : "");
  for (std::size_t c = 0; c < grid.size(); ++c) {
    std::vector<RunRecord> runs;
    for (std::size_t s = 0; s < n_seeds; ++s)
      if (auto r = load_run(fmt::format("{}/runs/{}/seed_{}.run", out, slug(grid[c].name), seed_base + s))) runs.push_back(*r);
    std::vector<std::vector<double>> best;
    for (const auto& r : runs) best.push_back(r.best);
    std::size_t len = 0;
    for (const auto& b : best) len = std::max(len, b.size());
    // The mean best-so-far curve (the same statistics as nas search: a run that ended early keeps its last value).
    std::vector<double> mean(len);
    for (std::size_t i = 0; i < len; ++i) mean[i] = best_at(best, i + 1).mean;
    // Area under the mean best-so-far curve, as the mean over queries (same units as accuracy).
    const double auc = len ? std::accumulate(mean.begin(), mean.end(), 0.0) / static_cast<double>(len) : 0;
    double tr = 0, sc = 0, wall = 0;
    for (const auto& r : runs) tr += r.training, sc += r.scoring, wall += r.wall;
    const double hits = hit_fraction(best, optimum, x.direction);  // direction-aware: a loss's optimum is its smallest value
    const double n = std::max<double>(1, static_cast<double>(runs.size()));
    nlohmann::ordered_json cj{{"name", grid[c].name}, {"label", short_names[c]},   {"runs", runs.size()},           {"auc", auc},
                              {"seconds_training", tr / n}, {"seconds_scoring", sc / n}, {"seconds_wall", wall / n}, {"hit_optimum_fraction", hits}};
    auto& at_json = cj["best_at"] = nlohmann::ordered_json::object();
    for (std::size_t q : {25, 50, 80, 100, 150}) {
      if (q > len) continue;
      const auto m = best_at(best, q);
      at_json[std::to_string(q)] = {{"mean", m.mean}, {"std", m.std}, {"n", m.n}};
    }
    std::string hv_cell;
    if (several) {
      std::vector<double> hv;
      for (const auto& r : runs)
        if (!std::isnan(r.hv_fraction)) hv.push_back(r.hv_fraction);
      const MeanStd m = mean_std(hv);
      cj["hypervolume_fraction"] = {{"mean", m.mean}, {"std", m.std}, {"n", m.n}};
      hv_cell = fmt::format("  {:.4f}±{:.4f}", m.mean, m.std);
    }
    configs_json.push_back(std::move(cj));
    auto cell = [&](std::size_t q) {
      if (q > len) return std::string("-");
      const auto m = best_at(best, q);
      return fmt::format("{:.3f}±{:.3f}", m.mean, m.std);
    };
    fmt::print("{:<{}} {:>16} {:>16} {:>16} {:>8.3f} {:>7.2f} {:>7.2f} {:>7.2f} {:>6.0f}{}\n", short_names[c], name_width, cell(50), cell(80), cell(100),
               auc, tr / n, sc / n, wall / n, 100 * hits, hv_cell);
    labels.push_back(short_names[c]);
    curves.push_back(mean);
  }
  write_file(out + "/summary.json", j.dump(2) + "\n");
  write_file(out + "/best_so_far.svg",
             svg_plot(labels, curves, optimum, fmt::format("mean best-so-far, {} {} ({} seeds)", x.space->name(), x.dataset, n_seeds)));
  fmt::print("table: {}/summary.json; plot: {}/best_so_far.svg\n", out, out);
  return 0;
}

}  // namespace nas::app
