// nas predict-eval: train surrogates on random subsets of a complete table, rank all other cells.
// nas explain: train CARL, aggregate its critical masks over the best and worst 5 % of the table.
#include <algorithm>
#include <charconv>
#include <optional>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <numeric>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>
#include <unordered_set>

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/info.h>

#include "commands.hpp"
#include "nas/study/experiment.hpp"
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "nas/datasets/csv.hpp"
#include "nas/engine/metrics.hpp"
#include "nas/engine/statistics.hpp"
#include "nas/core/errors.hpp"
#include "nas/predictor/encoding.hpp"
#include "nas/predictor/explain.hpp"
#include "nas/predictor/factory.hpp"
#include "nas/study/config.hpp"
#include "nas/study/splits.hpp"

namespace nas::app {
namespace {

// The options of predict-eval and explain: the benchmark, the surrogate's hyperparameters (as in
// nas search) and each command's own.
struct SurrogateCommand {
  ExperimentOptions experiment;
  predictor::PredictorOptions model;
  std::string predictors = "carl", train_sizes = "50,100,200,500,1000", holdout = "canonical", out, splits = "uniform";
  std::string zc_features, zc_file;
  std::size_t seeds = 5, train_size = 1000;
  std::uint64_t seed_base = 0;
  int threads = 0;
  bool bench_tokens = false;
  double fraction = 0.05;
  OptionSet options;
  explicit SurrogateCommand(bool explain) {
    OptionSet& s = options;
    declare_experiment(s, experiment);
    s.group("run");
    if (explain) {
      // Explanation defaults: near-binary masks under a firm budget (see PredictorOptions).
      model.lambda_binary = 0.5, model.lambda_mask = 10;
      s.choice("predictor", predictors, "the model with masks to explain", {"carl", "gcn"});
      s.integer("train-size", train_size, "random training cells (seeded)", 2, 100'000'000);
      s.integer("seed", seed_base, "the training cells and the model's seed", 0, 1LL << 62);
      s.real("fraction", fraction, "best and worst fraction of the table (by --reported) to explain", 1e-9, 0.5);
    } else {
      s.text("predictor", predictors, "comma-separated list of carl | tart | gcn | mlp");
      s.text("train-sizes", train_sizes, "comma-separated training set sizes");
      s.integer("seeds", seeds, "runs per (predictor, size); the same training cells for every predictor", 1, 1'000'000);
      s.integer("seed-base", seed_base, "first seed", 0, 1LL << 62);
      s.choice("holdout", holdout, "canonical: test on rows not identical (canonical hash) to a training cell | exact: every row not trained on",
               {"canonical", "exact"});
      s.text("split", splits,
             "comma-separated training/test splits: uniform | worse-half | without-op:OP@EDGE (nb201) | max-param-ops:K | rea-visited "
             "(shifted: train on that part, test on the rest)");
      s.text("zc-features", zc_features, "zero-cost proxies every surrogate takes as extra inputs (their scores from --zc-file)");
      s.text("zc-file", zc_file, "a `nas zc` CSV with the --zc-features columns for every cell of the table");
      s.flag("bench-tokens", bench_tokens, "also time LAP tokenisation of the whole table at 1 and 2 threads").neutral();
    }
    s.integer("threads", threads, "oneTBB threads (0 = all cores)", 0, 1024).neutral();
    s.text("out", out, explain ? "output folder (default runs/explain-<space>-<dataset>)" : "output folder (default runs/predict-<space>-<dataset>)")
        .neutral();
    s.text("device", model.device, "auto | cpu | cuda | cuda:N");
    declare_predictor(s, model, false);
  }
};

// Comma-separated items of option `name`.
std::vector<std::string> items(const std::string& name, const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t a = 0; a <= text.size();) {
    const auto e = std::min(text.find(',', a), text.size());
    if (e == a) throw OptionError(fmt::format("--{}: empty item in '{}'", name, text));
    out.push_back(text.substr(a, e - a));
    a = e + 1;
  }
  return out;
}

template <class F>
double seconds(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// `k` distinct rows of [0, n), uniformly (partial Fisher-Yates), from a seed.
std::vector<std::size_t> sample_rows(std::size_t n, std::size_t k, std::uint64_t seed) {
  std::vector<std::size_t> rows(n);
  std::iota(rows.begin(), rows.end(), std::size_t{0});
  Rng rng(seed);
  for (std::size_t i = 0; i < k; ++i) std::swap(rows[i], rows[i + rng.below(n - i)]);
  rows.resize(k);
  return rows;
}

struct Run {
  std::string split;
  std::string predictor;
  std::size_t size = 0;
  std::uint64_t seed = 0;
  double tau = 0, rho = 0, top1 = 0, train_s = 0, score_s = 0, loss = 0;
  std::size_t test_cells = 0;
};

const std::vector<std::string> kRunColumns{"split",    "predictor",      "train_size",    "seed",          "kendall_tau",            "spearman",
                                           "top1_precision", "train_seconds", "score_seconds", "score_cells_per_second", "final_loss", "test_cells"};

// runs.csv, rewritten whole (it is small; write_file renames a finished temporary over it), so a reader or an
// interrupted study never sees a half-written row.
void save_runs(const std::string& path, const std::vector<Run>& runs) {
  datasets::CsvWriter csv(kRunColumns);
  for (const auto& r : runs)
    (csv << r.split << r.predictor << r.size << r.seed << r.tau << r.rho << r.top1 << r.train_s << r.score_s
         << static_cast<double>(r.test_cells) / r.score_s << r.loss << r.test_cells)
        .end_row();
  write_file(path, csv.str());
}

// The rows of a runs.csv written by save_runs; throws DataError (file, line, column) for a broken one.
std::vector<Run> load_runs(const std::string& path) {
  const auto f = datasets::CsvFile::read(path);
  std::vector<std::size_t> c;
  for (const auto& name : kRunColumns) c.push_back(f.column(name));
  std::vector<Run> runs;
  for (std::size_t i = 0; i < f.rows(); ++i) {
    Run r;
    r.split = std::string(f.field(i, c[0]));
    r.predictor = std::string(f.field(i, c[1]));
    r.size = static_cast<std::size_t>(f.integer(i, c[2]));
    r.seed = static_cast<std::uint64_t>(f.integer(i, c[3]));
    r.tau = f.number(i, c[4]), r.rho = f.number(i, c[5]), r.top1 = f.number(i, c[6]);
    r.train_s = f.number(i, c[7]), r.score_s = f.number(i, c[8]), r.loss = f.number(i, c[10]);
    r.test_cells = static_cast<std::size_t>(f.integer(i, c[11]));
    runs.push_back(r);
  }
  return runs;
}

// Every results-affecting option but the study's axes (which predictors, sizes, seeds and splits):
// two invocations with the same key produce the same row for the same (split, predictor, size, seed).
std::string study_key(const OptionSet& options) {
  static const std::unordered_set<std::string> axes{"predictor", "train-sizes", "seeds", "seed-base", "split"};
  std::string key = "# nas predict-eval: the options every row of runs.csv depends on\n";
  std::istringstream toml(options.to_toml(true));
  for (std::string line; std::getline(toml, line);)
    if (!axes.count(line.substr(0, line.find(" = ")))) key += line + "\n";
  return key;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot read file", path));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The first line of `a` that `b` lacks (for the refusal message).
std::string first_difference(const std::string& a, const std::string& b) {
  std::unordered_set<std::string> lines;
  std::istringstream bs(b);
  for (std::string l; std::getline(bs, l);) lines.insert(l);
  std::istringstream as(a);
  for (std::string l; std::getline(as, l);)
    if (!lines.count(l)) return "'" + l + "'";
  return "(same lines, another order)";
}

void bench_tokens(const Experiment& x, int d_p) {
  std::vector<Genome> all(x.table->rows());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = x.table->genome(i);
  double t1 = 0;
  for (int threads : {1, 2, 0}) {
    const int n = threads > 0 ? threads : static_cast<int>(tbb::info::default_concurrency());
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(n));
    double best = 1e9;
    std::size_t distinct = 0;
    for (int rep = 0; rep < 3; ++rep) {
      predictor::TokenCache cache(d_p, false);
      best = std::min(best, seconds([&] { (void)cache.get(*x.space, all); }));
      distinct = cache.size();
    }
    if (threads == 1) t1 = best;
    fmt::print("LAP tokens of all {} cells ({} distinct by canonical hash), {} thread(s): {:.1f} ms ({:.0f} cells/s, x{:.2f} vs 1 thread)\n",
               all.size(), distinct, n, best * 1e3, static_cast<double>(all.size()) / best, t1 / best);
  }
}

}  // namespace

int cmd_predict_eval(int argc, char** argv) {
  SurrogateCommand cmd(false);
  if (!cli::parse(cmd.options, argc, argv, 2, "predict-eval",
                  "nas predict-eval: trains surrogates on n random cells of a benchmark table and ranks all the others: Kendall tau, "
                  "Spearman, top-1% precision per (predictor, training size) over seeds; runs.csv and summary.json."))
    return 0;
  finish_experiment(cmd.options, cmd.experiment);
  const auto kinds = items("predictor", cmd.predictors);
  for (const auto& k : kinds) {
    auto o = cmd.model;
    o.kind = k;
    o.validate();
  }
  if (cmd.zc_features.empty() != cmd.zc_file.empty())
    throw OptionError(cmd.zc_file.empty() ? "--zc-features: give --zc-file, the `nas zc` scores of the table's cells"
                                          : "--zc-file: give --zc-features, the proxies to read from it");
  if (!cmd.zc_features.empty()) (void)study::zc_proxy_names(cmd.zc_features);  // an unknown proxy: refused before the table is read
  std::vector<long long> sizes;
  for (const auto& t : items("train-sizes", cmd.train_sizes)) {
    long long v = 0;
    const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
    if (r.ec != std::errc() || r.ptr != t.data() + t.size()) throw OptionError(fmt::format("--train-sizes: '{}' is not an integer", t));
    sizes.push_back(v);
  }
  const Experiment x = load_experiment(cmd.experiment);
  const std::string& holdout = cmd.holdout;
  const bool canonical_holdout = holdout == "canonical";
  const auto n_seeds = static_cast<std::uint64_t>(cmd.seeds);
  const std::uint64_t seed_base = cmd.seed_base;
  const int threads = cmd.threads;
  const std::string out = cmd.out.empty() ? fmt::format("runs/predict-{}-{}", x.space->name(), x.dataset) : cmd.out;
  const std::size_t rows = x.table->rows();
  for (auto s : sizes)
    if (s < 2 || static_cast<std::size_t>(s) >= rows) throw OptionError(fmt::format("--train-sizes: {} is not in [2, {})", s, rows));
  std::optional<tbb::global_control> gc;
  if (threads > 0) gc.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));

  if (cmd.bench_tokens) bench_tokens(x, cmd.model.tart_dp);

  std::vector<Genome> all(rows);
  for (std::size_t i = 0; i < rows; ++i) all[i] = x.table->genome(i);
  // Every cell's scores up front: a cell the file lacks is an error now, not after hours of runs.
  const std::shared_ptr<CellScorer> features = cmd.zc_file.empty() ? nullptr : study::zc_file_scorer(*x.space, cmd.zc_file, cmd.zc_features);
  if (features) (void)features->scores(all);
  // Oriented so that larger is better for every task (a loss is negated): the surrogates learn
  // "larger = better", and top-1% precision looks at the largest values.
  const double sign = x.direction == Direction::maximise ? 1.0 : -1.0;
  std::vector<double> signal = x.table->values(x.signal_column), truth = x.table->values(x.reported_column);
  for (auto& v : signal) v *= sign;
  for (auto& v : truth) v *= sign;
  std::vector<ArchitectureHash> ids(rows);
  for (std::size_t i = 0; i < rows; ++i) ids[i] = x.space->canonical_hash(all[i]);

  std::vector<SplitSpec> split_specs;
  for (const auto& t : items("split", cmd.splits)) split_specs.push_back(parse_split(t));
  fmt::print(stderr, "nas predict-eval: {} on {} / {} ({} rows), train on {}, rank against {}, {} seeds, split {}\n", fmt::join(kinds, ","),
             x.space->name(), x.dataset, rows, x.signal_name(), x.reported_name(), n_seeds, cmd.splits);
  // Every (split, size) is drawn once before any training: a split whose training part is too small
  // or that leaves almost nothing to test is refused before work starts (not reported as tau 0).
  constexpr std::size_t kMinTested = 10;
  for (const auto& spec : split_specs)
    for (auto size_ll : sizes) {
      const Split split = make_split(spec, x, signal, ids, static_cast<std::size_t>(size_ll), seed_base, canonical_holdout);
      const auto tested = static_cast<std::size_t>(std::count(split.test.begin(), split.test.end(), 1));
      if (tested < kMinTested)
        throw OptionError(fmt::format("--split {} with --train-sizes {}: leaves {} cells of the {}-row table to test; expected at least {}", spec.text,
                                      size_ll, tested, rows, kMinTested));
    }
  // The study folder: runs.csv grows one row per finished (split, size, seed, predictor), written
  // atomically, so an interrupted study loses at most the run in flight; a rerun into the same --out
  // takes the rows it finds and runs only the rest. study.toml holds the options every row depends
  // on (all results-affecting options except the study's axes); another study there is refused.
  const std::string key = study_key(cmd.options);
  const std::string key_path = out + "/study.toml", csv_path = out + "/runs.csv";
  std::vector<Run> runs;
  if (std::filesystem::exists(key_path)) {
    const std::string old = read_text(key_path);
    if (old != key)
      throw OptionError(fmt::format("--out {}: holds a study with other options ({}: {}; this one: {}); use another --out or remove the folder",
                                    out, key_path, first_difference(old, key), first_difference(key, old)));
    if (std::filesystem::exists(csv_path)) runs = load_runs(csv_path);
  } else if (std::filesystem::exists(csv_path)) {
    throw OptionError(fmt::format("--out {}: holds a runs.csv without study.toml (a study of an older nas); use another --out or remove it", out));
  }
  write_file(key_path, key);
  using Key = std::tuple<std::string, std::string, std::size_t, std::uint64_t>;  // split, predictor, size, seed
  std::map<Key, std::size_t> done;  // -> index in runs
  for (std::size_t i = 0; i < runs.size(); ++i) done[{runs[i].split, runs[i].predictor, runs[i].size, runs[i].seed}] = i;
  std::vector<Key> wanted;  // this invocation's study, in its order
  for (const auto& spec : split_specs)
    for (auto size_ll : sizes)
      for (std::uint64_t s = seed_base; s < seed_base + n_seeds; ++s)
        for (const auto& kind : kinds) wanted.emplace_back(spec.text, kind, static_cast<std::size_t>(size_ll), s);
  const auto reused = static_cast<std::size_t>(std::count_if(wanted.begin(), wanted.end(), [&](const Key& k) { return done.count(k) > 0; }));
  const std::size_t todo = wanted.size() - reused;
  if (reused) fmt::print(stderr, "nas predict-eval: {} of {} runs found in {} (same study); running the other {}\n", reused, reused + todo, csv_path, todo);
  std::string device;
  {
    cli::Progress bar("runs", todo);
    for (const auto& spec : split_specs)
      for (auto size_ll : sizes) {
        const auto size = static_cast<std::size_t>(size_ll);
        for (std::uint64_t s = seed_base; s < seed_base + n_seeds; ++s) {
          bool all_done = true;
          for (const auto& kind : kinds) all_done = all_done && done.count({spec.text, kind, size, s});
          if (all_done) continue;
          // Paired: the split depends on (split, size, seed) only, so every predictor sees the same cells.
          const Split split = make_split(spec, x, signal, ids, size, s, canonical_holdout);
          std::vector<Genome> tg;
          std::vector<double> ty;
          for (auto r : split.train) tg.push_back(all[r]), ty.push_back(signal[r]);
          std::vector<Genome> test_cells;  // only the held-out cells are scored
          std::vector<double> t_test;
          for (std::size_t r = 0; r < rows; ++r)
            if (split.test[r]) test_cells.push_back(all[r]), t_test.push_back(truth[r]);
          for (const auto& kind : kinds) {
            if (done.count({spec.text, kind, size, s})) continue;
            auto o = cmd.model;
            o.kind = kind;
            o.seed = s;
            auto model = predictor::make_surrogate(*x.space, o, features);
            device = model->device();
            FitOptions f;
            f.seed = s;
            Run run{spec.text, kind, size, s};
            run.train_s = seconds([&] { run.loss = model->fit(tg, ty, f).final_loss; });
            std::vector<double> p_test;
            run.score_s = seconds([&] { p_test = model->score(test_cells); });
            run.test_cells = p_test.size();
            run.tau = kendall_tau(p_test, t_test);
            run.rho = spearman_rho(p_test, t_test);
            run.top1 = top_fraction_precision(p_test, t_test, 0.01);
            done[{spec.text, kind, size, s}] = runs.size();
            runs.push_back(run);
            save_runs(csv_path, runs);
            bar.tick();
          }
        }
      }
  }
  if (device.empty()) {
    auto o = cmd.model;
    o.kind = kinds[0];
    device = predictor::make_surrogate(*x.space, o)->device();
  }
  // The summary covers this invocation's study (runs.csv may hold more: other seeds, sizes, splits).
  std::vector<Run> found;
  for (const auto& k : wanted) found.push_back(runs[done.at(k)]);
  runs = std::move(found);

  nlohmann::ordered_json j{{"space", x.space->name()}, {"dataset", x.dataset}, {"signal", x.signal_name()}, {"reported", x.reported_name()},
                           {"table", x.table->path()}, {"rows", rows}, {"seeds", n_seeds}, {"device", device}, {"holdout", holdout},
                           {"threads", threads}, {"version", version()}, {"config", options_json(cmd.options)}};
  auto& results = j["results"] = nlohmann::ordered_json::array();
  auto& paired_json = j["paired"] = nlohmann::ordered_json::array();
  for (const auto& spec : split_specs) {
    fmt::print("\n{} / {}, split {}: train on {}, Kendall tau etc. on the held-out cells ({} holdout) vs {} (mean ± std over {} seeds, device {}, {} thread(s))\n",
               x.space->name(), x.dataset, spec.text, x.signal_name(), holdout, x.reported_name(), n_seeds, device, threads ? std::to_string(threads) : "all");
    fmt::print("{:<6} {:>6}  {:>16}  {:>16}  {:>16}  {:>13}  {:>12}  {:>8}\n", "model", "train", "kendall tau", "spearman", "top-1% prec", "train s",
               "score cells/s", "tested");
    for (const auto& kind : kinds)
      for (auto size_ll : sizes) {
        std::vector<double> tau, rho, top, tr, sc, test;
        for (const auto& r : runs)
          if (r.split == spec.text && r.predictor == kind && r.size == static_cast<std::size_t>(size_ll)) {
            tau.push_back(r.tau), rho.push_back(r.rho), top.push_back(r.top1), tr.push_back(r.train_s);
            sc.push_back(static_cast<double>(r.test_cells) / r.score_s);
            test.push_back(static_cast<double>(r.test_cells));
          }
        const MeanStd mt = mean_std(tau), mr = mean_std(rho), mp = mean_std(top), mtr = mean_std(tr), msc = mean_std(sc);
        fmt::print("{:<6} {:>6}  {:>7.4f} ± {:<6.4f}  {:>7.4f} ± {:<6.4f}  {:>7.4f} ± {:<6.4f}  {:>6.2f} ± {:<4.2f}  {:>12.0f}  {:>8.0f}\n", kind, size_ll,
                   mt.mean, mt.std, mr.mean, mr.std, mp.mean, mp.std, mtr.mean, mtr.std, msc.mean, mean_std(test).mean);
        results.push_back({{"split", spec.text},
                           {"predictor", kind},
                           {"train_size", size_ll},
                           {"runs", mt.n},
                           {"kendall_tau_mean", mt.mean},
                           {"kendall_tau_std", mt.std},
                           {"spearman_mean", mr.mean},
                           {"spearman_std", mr.std},
                           {"top1_precision_mean", mp.mean},
                           {"top1_precision_std", mp.std},
                           {"train_seconds_mean", mtr.mean},
                           {"train_seconds_std", mtr.std},
                           {"score_cells_per_second", msc.mean},
                           {"test_cells_mean", mean_std(test).mean}});
      }
    // Paired comparison of the first predictor with each other (CARL - GCN: CARL's causal terms vs
    // its own ablation): per seed, the same training cells; mean difference, its standard error,
    // and how many seeds favour each.
    for (std::size_t k = 1; k < kinds.size(); ++k)
      for (auto size_ll : sizes) {
        std::map<std::uint64_t, const Run*> a, b;
        for (const auto& r : runs)
          if (r.split == spec.text && r.size == static_cast<std::size_t>(size_ll)) {
            if (r.predictor == kinds[0]) a[r.seed] = &r;
            if (r.predictor == kinds[k]) b[r.seed] = &r;
          }
        nlohmann::ordered_json pj{{"split", spec.text}, {"a", kinds[0]}, {"b", kinds[k]}, {"train_size", size_ll}};
        std::string line;
        for (const auto& [metric, get] : std::vector<std::pair<std::string, double Run::*>>{{"kendall_tau", &Run::tau}, {"spearman", &Run::rho},
                                                                                            {"top1_precision", &Run::top1}}) {
          std::vector<double> d;
          int wins = 0, losses = 0;
          for (const auto& [seed, ra] : a)
            if (b.count(seed)) {
              d.push_back(ra->*get - b[seed]->*get);
              wins += d.back() > 0, losses += d.back() < 0;
            }
          const MeanStd m = mean_std(d);
          const double se = m.n > 1 ? m.std / std::sqrt(static_cast<double>(m.n)) : 0;
          pj[metric] = {{"mean_difference", m.mean}, {"standard_error", se}, {"n", m.n}, {"seeds_a_better", wins}, {"seeds_b_better", losses}};
          line += fmt::format("  {} {:+.4f} ± {:.4f} (SE; {}:{} seeds)", metric == "kendall_tau" ? "tau" : metric == "spearman" ? "rho" : "top1", m.mean,
                              se, wins, losses);
        }
        paired_json.push_back(pj);
        fmt::print("paired {} - {} @{}:{}\n", kinds[0], kinds[k], size_ll, line);
      }
  }
  write_file(out + "/summary.json", j.dump(2) + "\n");
  fmt::print("outputs in {}\n", out);
  return 0;
}

namespace {

// Aggregated masks of a group of architectures: per op (node mask) and per (src op -> dst op).
struct Aggregate {
  std::vector<double> node_sum, node_n;
  std::vector<double> edge_sum, edge_n;  // ops*ops, row = source op
  explicit Aggregate(std::size_t ops) : node_sum(ops), node_n(ops), edge_sum(ops * ops), edge_n(ops * ops) {}
  void add(const predictor::MaskExplanation& e) {
    const std::size_t ops = node_sum.size();
    for (int v = 0; v < e.graph.num_nodes; ++v) {
      node_sum[static_cast<std::size_t>(e.graph.ops[static_cast<std::size_t>(v)])] += e.node_mask[static_cast<std::size_t>(v)];
      node_n[static_cast<std::size_t>(e.graph.ops[static_cast<std::size_t>(v)])] += 1;
    }
    for (const auto& ed : e.edges) {
      const auto k = static_cast<std::size_t>(e.graph.ops[static_cast<std::size_t>(ed.from)]) * ops + static_cast<std::size_t>(e.graph.ops[static_cast<std::size_t>(ed.to)]);
      edge_sum[k] += ed.mask;
      edge_n[k] += 1;
    }
  }
  double node(std::size_t op) const { return node_n[op] > 0 ? node_sum[op] / node_n[op] : NAN; }
  double edge(std::size_t k) const { return edge_n[k] > 0 ? edge_sum[k] / edge_n[k] : NAN; }
};

std::string heat_colour(double v) {
  if (std::isnan(v)) return "#eeeeee";
  const double t = std::clamp(v, 0.0, 1.0);  // white (0) -> dark red (1)
  return fmt::format("#{:02x}{:02x}{:02x}", 255 - static_cast<int>(t * 75), 255 - static_cast<int>(t * 225), 255 - static_cast<int>(t * 225));
}

std::string svg_heatmap(const std::vector<std::string>& names, const std::vector<std::pair<std::string, Aggregate>>& groups) {
  const int cell = 46, left = 120, top = 60, n = static_cast<int>(names.size());
  const int panel_w = left + cell * n + 40;
  const int height = top + cell * (n + 2) + 120;
  std::string s = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"11\">\n",
                              panel_w * static_cast<int>(groups.size()), height);
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    const int ox = static_cast<int>(gi) * panel_w;
    const auto& [title, agg] = groups[gi];
    s += fmt::format("<text x=\"{}\" y=\"20\" font-size=\"14\">{}</text>\n", ox + 10, title);
    s += fmt::format("<text x=\"{}\" y=\"40\">edge mask b (row: source op, column: target op)</text>\n", ox + 10);
    for (int c = 0; c < n; ++c)
      s += fmt::format("<text x=\"{}\" y=\"{}\" transform=\"rotate(-30 {} {})\">{}</text>\n", ox + left + c * cell + 4, top - 4, ox + left + c * cell + 4,
                       top - 4, names[static_cast<std::size_t>(c)]);
    for (int r = 0; r < n; ++r) {
      s += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", ox + 4, top + r * cell + cell / 2 + 4, names[static_cast<std::size_t>(r)]);
      for (int c = 0; c < n; ++c) {
        const double v = agg.edge(static_cast<std::size_t>(r * n + c));
        s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#999\"/>\n", ox + left + c * cell, top + r * cell, cell, cell,
                         heat_colour(v));
        if (!std::isnan(v)) s += fmt::format("<text x=\"{}\" y=\"{}\">{:.2f}</text>\n", ox + left + c * cell + 8, top + r * cell + cell / 2 + 4, v);
      }
    }
    const int ny = top + cell * n + 40;
    s += fmt::format("<text x=\"{}\" y=\"{}\">node mask a per op</text>\n", ox + 10, ny - 8);
    for (int c = 0; c < n; ++c) {
      const double v = agg.node(static_cast<std::size_t>(c));
      s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#999\"/>\n", ox + left + c * cell, ny, cell, cell, heat_colour(v));
      if (!std::isnan(v)) s += fmt::format("<text x=\"{}\" y=\"{}\">{:.2f}</text>\n", ox + left + c * cell + 8, ny + cell / 2 + 4, v);
      s += fmt::format("<text x=\"{}\" y=\"{}\" transform=\"rotate(30 {} {})\">{}</text>\n", ox + left + c * cell + 4, ny + cell + 14, ox + left + c * cell + 4,
                       ny + cell + 14, names[static_cast<std::size_t>(c)]);
    }
  }
  s += "</svg>\n";
  return s;
}

}  // namespace

int cmd_explain(int argc, char** argv) {
  SurrogateCommand cmd(true);
  if (!cli::parse(cmd.options, argc, argv, 2, "explain",
                  "nas explain: trains CARL (or its GCN ablation) and aggregates its critical masks over the best and worst cells of the "
                  "table, per op type (node mask a) and per (source op -> target op) pair (edge mask b); masks.txt and masks.svg. For nb201 "
                  "a graph node is an edge of the cell, but pruning renumbers nodes, so ops are comparable across cells, positions are not."))
    return 0;
  finish_experiment(cmd.options, cmd.experiment);
  const Experiment x = load_experiment(cmd.experiment);
  const std::string& kind = cmd.predictors;
  const std::size_t rows = x.table->rows();
  const std::size_t size = cmd.train_size;
  if (size >= rows) throw OptionError(fmt::format("--train-size {}: the table has {} rows; expected fewer", size, rows));
  const std::uint64_t seed = cmd.seed_base;
  const double fraction = cmd.fraction;
  const std::string out = cmd.out.empty() ? fmt::format("runs/explain-{}-{}", x.space->name(), x.dataset) : cmd.out;
  const int threads = cmd.threads;
  std::optional<tbb::global_control> gc;
  if (threads > 0) gc.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));

  auto o = cmd.model;
  o.kind = kind;
  o.seed = seed;
  auto model = predictor::make_surrogate(*x.space, o);
  std::vector<Genome> tg;
  std::vector<double> ty;
  for (auto r : sample_rows(rows, size, derive_seed(seed, size))) { tg.push_back(x.table->genome(r)); ty.push_back(x.table->value(r, x.signal_column)); }
  FitOptions f;
  f.seed = seed;
  const auto st = model->fit(tg, ty, f);
  fmt::print(stderr, "trained {} on {} cells in {:.2f} s\n", kind, size, st.seconds);

  std::vector<std::size_t> order(rows);
  std::iota(order.begin(), order.end(), std::size_t{0});
  const auto& truth = x.table->values(x.reported_column);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return truth[a] > truth[b]; });
  const auto k = std::max<std::size_t>(1, static_cast<std::size_t>(std::round(fraction * static_cast<double>(rows))));
  const auto& names = x.space->graph_op_names();
  std::vector<std::pair<std::string, Aggregate>> groups;
  for (int g = 0; g < 2; ++g) {
    std::vector<Genome> archs;
    for (std::size_t i = 0; i < k; ++i) archs.push_back(x.table->genome(order[g == 0 ? i : rows - 1 - i]));
    Aggregate agg(names.size());
    for (const auto& e : predictor::explain(*model, archs)) agg.add(e);
    groups.emplace_back(fmt::format("{} {:.0f}% ({} cells) by {}", g == 0 ? "best" : "worst", fraction * 100, k, x.reported_name()), std::move(agg));
  }

  std::string txt = fmt::format("{} trained on {} random cells (seed {}) of {} / {}; masks in (0,1), 1 = critical\n\n", kind, size, seed,
                                x.space->name(), x.dataset);
  txt += fmt::format("{:<14}", "node mask a");
  for (const auto& [title, agg] : groups) txt += fmt::format("  {:>12}", title.substr(0, title.find(' ')));
  txt += "\n";
  for (std::size_t op = 0; op < names.size(); ++op) {
    txt += fmt::format("{:<14}", names[op]);
    for (const auto& [title, agg] : groups) txt += std::isnan(agg.node(op)) ? fmt::format("  {:>12}", "-") : fmt::format("  {:>12.3f}", agg.node(op));
    txt += "\n";
  }
  txt += fmt::format("\n{:<30}", "edge mask b (src -> dst)");
  for (const auto& [title, agg] : groups) txt += fmt::format("  {:>12}", title.substr(0, title.find(' ')));
  txt += "\n";
  for (std::size_t s = 0; s < names.size(); ++s)
    for (std::size_t d = 0; d < names.size(); ++d) {
      bool any = false;
      for (const auto& [title, agg] : groups) any = any || !std::isnan(agg.edge(s * names.size() + d));
      if (!any) continue;
      txt += fmt::format("{:<30}", names[s] + " -> " + names[d]);
      for (const auto& [title, agg] : groups) {
        const double v = agg.edge(s * names.size() + d);
        txt += std::isnan(v) ? fmt::format("  {:>12}", "-") : fmt::format("  {:>12.3f}", v);
      }
      txt += "\n";
    }
  fmt::print("{}", txt);
  write_file(out + "/masks.txt", txt);
  write_file(out + "/masks.svg", svg_heatmap(names, groups));
  fmt::print("outputs in {}/masks.txt, {}/masks.svg\n", out, out);
  return 0;
}

}  // namespace nas::app
