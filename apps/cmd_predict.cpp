// nas predict-eval: train surrogates on random subsets of a complete table, rank all other cells.
// nas explain: train CARL, aggregate its critical masks over the best and worst 5 % of the table.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <numeric>

#include <unordered_set>

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/info.h>

#include "commands.hpp"
#include "experiment.hpp"
#include "json.hpp"
#include "nas/engine/metrics.hpp"
#include "nas/engine/statistics.hpp"
#include "nas/core/errors.hpp"
#include "nas/predictor/encoding.hpp"
#include "nas/predictor/explain.hpp"
#include "nas/predictor/factory.hpp"

namespace nas::app {
namespace {

constexpr const char* kModelHelp = R"(  --device auto           auto | cpu | cuda | cuda:N
  --threads 0              torch and oneTBB threads (0 = hardware cores)
  --epochs N               training epochs (default: the predictor's own, 100)
  --batch-size 64   --lr 0.003   --weight-decay 1e-4   --hidden 64   --layers 3
  --loss hinge             hinge | pairwise_logistic     --mse-weight 0.1
  --gcn-mode directed       directed | sym (CARL/GCN encoder)
  --lambda-r 0.5   --lambda-i 0.5   --interventions 4   --mask-budget 0.5   --lambda-mask 1   --lambda-binary 0
  --combine sum            sum | concat: how z_C and a permuted z_R form an interventional sample (CARL)
  --tart-dp 3   --tart-d-model 64   --tart-layers 6   --tart-heads 4   --tart-lr 0.001
  --tart-scalar-ops        TART node feature = op id as one number (paper, d_f = 1) instead of one-hot
  --space nb201   --dataset cifar10   --data-dir DIR   --table FILE
  --signal test_200ep      column trained on;  --reported test_200ep: column ranked against
)";

const std::set<std::string> kModelOptions{"device", "threads", "epochs", "batch-size", "lr", "weight-decay", "hidden", "layers", "loss",
                                          "mse-weight", "gcn-mode", "lambda-r", "lambda-i", "interventions", "combine", "mask-budget", "lambda-mask", "lambda-binary", "tart-dp", "tart-d-model",
                                          "tart-layers", "tart-heads", "tart-lr", "space", "dataset", "data-dir", "table", "signal", "reported", "out"};

predictor::PredictorOptions model_options(const cli::Args& a, const std::string& kind) {
  predictor::PredictorOptions o;
  o.kind = kind;
  o.device = a.str("device", o.device);
  o.torch_threads = static_cast<int>(a.integer("threads", 0, 0, 1024));
  o.epochs = static_cast<int>(a.integer("epochs", o.epochs, 1, 1'000'000));
  o.batch_size = static_cast<int>(a.integer("batch-size", o.batch_size, 2, 1'000'000));
  o.learning_rate = a.real("lr", o.learning_rate);
  o.weight_decay = a.real("weight-decay", o.weight_decay);
  o.hidden = static_cast<int>(a.integer("hidden", o.hidden, 1, 65536));
  o.layers = static_cast<int>(a.integer("layers", o.layers, 0, 64));
  o.ranking_loss = a.str("loss", o.ranking_loss);
  o.mse_weight = a.real("mse-weight", o.mse_weight);
  o.gcn_mode = a.str("gcn-mode", o.gcn_mode);
  o.lambda_r = a.real("lambda-r", o.lambda_r);
  o.lambda_i = a.real("lambda-i", o.lambda_i);
  o.intervention_combine = a.str("combine", o.intervention_combine);
  o.mask_budget = a.real("mask-budget", o.mask_budget);
  o.lambda_mask = a.real("lambda-mask", o.lambda_mask);
  o.lambda_binary = a.real("lambda-binary", o.lambda_binary);
  o.interventions = static_cast<int>(a.integer("interventions", o.interventions, 0, 1024));
  o.tart_dp = static_cast<int>(a.integer("tart-dp", o.tart_dp, 1, 64));
  o.tart_d_model = static_cast<int>(a.integer("tart-d-model", o.tart_d_model, 1, 65536));
  o.tart_layers = static_cast<int>(a.integer("tart-layers", o.tart_layers, 1, 64));
  o.tart_heads = static_cast<int>(a.integer("tart-heads", o.tart_heads, 1, 64));
  if (a.flag("tart-scalar-ops")) o.tart_onehot = false;
  o.tart_learning_rate = a.real("tart-lr", o.tart_learning_rate);
  o.validate();
  return o;
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
  std::string predictor;
  std::size_t size = 0;
  std::uint64_t seed = 0;
  double tau = 0, rho = 0, top1 = 0, train_s = 0, score_s = 0, loss = 0;
  std::size_t test_cells = 0;
};

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
  if (cli::help_requested(argc, argv)) {
    std::fputs("usage: nas predict-eval [options]\n"
               "  --predictor carl         comma list of carl | tart | gcn | mlp\n"
               "  --train-sizes 50,100,200,500,1000\n"
               "  --seeds 5                runs per (predictor, size); seeds seed-base.. seed-base+seeds-1\n"
               "  --seed-base 0\n"
               "  --bench-tokens           also time LAP tokenisation of the whole table at 1 and 2 threads\n"
               "  --holdout canonical      canonical: test on rows not identical (canonical hash) to a training cell;\n"
               "                           exact: test on every row not in the training set\n"
               "  --out DIR                default runs/predict-<space>-<dataset>\n",
               stdout);
    std::fputs(kModelHelp, stdout);
    return 0;
  }
  auto opts = kModelOptions;
  for (const char* k : {"predictor", "train-sizes", "seeds", "seed-base", "holdout"}) opts.insert(k);
  opts.merge(experiment_option_names());
  const cli::Args args(argc, argv, 2, opts, {"tart-scalar-ops", "bench-tokens"});
  const Experiment x = load_experiment(args);
  const auto kinds = args.list("predictor", "carl");
  const auto sizes = args.integers("train-sizes", "50,100,200,500,1000");
  const std::string holdout = args.str("holdout", "canonical");
  if (holdout != "canonical" && holdout != "exact") throw OptionError(fmt::format("--holdout: '{}'; expected canonical or exact", holdout));
  const bool canonical_holdout = holdout == "canonical";
  const auto n_seeds = static_cast<std::uint64_t>(args.integer("seeds", 5, 1, 1'000'000));
  const auto seed_base = static_cast<std::uint64_t>(args.integer("seed-base", 0, 0, 1LL << 62));
  const int threads = static_cast<int>(args.integer("threads", 0, 0, 1024));
  const std::string out = args.str("out", fmt::format("runs/predict-{}-{}", x.space->name(), x.dataset));
  const std::size_t rows = x.table->rows();
  for (auto s : sizes)
    if (s < 2 || static_cast<std::size_t>(s) >= rows) throw OptionError(fmt::format("--train-sizes: {} is not in [2, {})", s, rows));
  std::optional<tbb::global_control> gc;
  if (threads > 0) gc.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));

  if (args.flag("bench-tokens")) bench_tokens(x, static_cast<int>(args.integer("tart-dp", 3, 1, 64)));

  std::vector<Genome> all(rows);
  for (std::size_t i = 0; i < rows; ++i) all[i] = x.table->genome(i);
  // Oriented so that larger is better for every task (a loss is negated): the surrogates learn
  // "larger = better", and top-1% precision looks at the largest values.
  const double sign = x.direction == Direction::maximise ? 1.0 : -1.0;
  std::vector<double> signal = x.table->values(x.signal_column), truth = x.table->values(x.reported_column);
  for (auto& v : signal) v *= sign;
  for (auto& v : truth) v *= sign;
  std::vector<ArchitectureHash> ids(rows);
  for (std::size_t i = 0; i < rows; ++i) ids[i] = x.space->canonical_hash(all[i]);

  fmt::print(stderr, "nas predict-eval: {} on {} / {} ({} rows), train on {}, rank against {}, {} seeds\n", fmt::join(kinds, ","),
             x.space->name(), x.dataset, rows, x.signal_name(), x.reported_name(), n_seeds);
  std::vector<Run> runs;
  std::string device;
  {
    cli::Progress bar("runs", kinds.size() * sizes.size() * n_seeds);
    for (const auto& kind : kinds) {
      const auto base = model_options(args, kind);
      for (auto size_ll : sizes) {
        const auto size = static_cast<std::size_t>(size_ll);
        for (std::uint64_t s = seed_base; s < seed_base + n_seeds; ++s) {
          // The split depends on (seed, size) only: every predictor sees the same cells.
          const auto train_rows = sample_rows(rows, size, derive_seed(s, size));
          std::vector<char> in_train(rows, 0);
          std::vector<Genome> tg;
          std::vector<double> ty;
          std::unordered_set<ArchitectureHash, ArchitectureHashHasher> train_ids;
          for (auto r : train_rows) {
            in_train[r] = 1;
            tg.push_back(all[r]);
            ty.push_back(signal[r]);
            train_ids.insert(ids[r]);
          }
          // Held out: every other row, minus (by default) rows identical to a training cell, so a
          // sample that repeats an architecture (NB101's has 500 rows, 292 distinct) cannot leak.
          if (canonical_holdout)
            for (std::size_t r = 0; r < rows; ++r)
              if (train_ids.count(ids[r])) in_train[r] = 1;
          auto o = base;
          o.seed = s;
          auto model = predictor::make_surrogate(*x.space, o);
          device = model->device();
          FitOptions f;
          f.seed = s;
          Run run{kind, size, s};
          run.train_s = seconds([&] { run.loss = model->fit(tg, ty, f).final_loss; });
          std::vector<double> pred;
          run.score_s = seconds([&] { pred = model->score(all); });
          std::vector<double> p_test, t_test;
          for (std::size_t r = 0; r < rows; ++r)
            if (!in_train[r]) { p_test.push_back(pred[r]); t_test.push_back(truth[r]); }
          run.test_cells = p_test.size();
          run.tau = kendall_tau(p_test, t_test);
          run.rho = spearman_rho(p_test, t_test);
          run.top1 = top_fraction_precision(p_test, t_test, 0.01);
          runs.push_back(run);
          bar.tick();
        }
      }
    }
  }

  std::string csv = "predictor,train_size,seed,kendall_tau,spearman,top1_precision,train_seconds,score_seconds,score_cells_per_second,final_loss\n";
  for (const auto& r : runs)
    csv += fmt::format("{},{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.1f},{:.6f}\n", r.predictor, r.size, r.seed, r.tau, r.rho, r.top1, r.train_s,
                       r.score_s, static_cast<double>(rows) / r.score_s, r.loss);
  write_file(out + "/runs.csv", csv);

  json::Writer j;
  j.begin_object()
      .field("space", x.space->name())
      .field("dataset", x.dataset)
      .field("signal", x.signal_name())
      .field("reported", x.reported_name())
      .field("table", x.table->path())
      .field("rows", rows)
      .field("seeds", static_cast<std::size_t>(n_seeds))
      .field("device", device)
      .field("holdout", holdout)
      .field("threads", threads);
  j.key("results").begin_array();
  fmt::print("\n{} / {}: train on {}, Kendall tau etc. on all other cells ({} holdout, ~{:.0f} test cells) vs {} (mean ± std over {} seeds, device {}, {} thread(s))\n",
             x.space->name(), x.dataset, x.signal_name(), holdout, runs.empty() ? 0.0 : static_cast<double>(runs.front().test_cells),
             x.reported_name(), n_seeds, device, threads ? std::to_string(threads) : "all");
  fmt::print("{:<6} {:>6}  {:>16}  {:>16}  {:>16}  {:>13}  {:>12}\n", "model", "train", "kendall tau", "spearman", "top-1% prec", "train s", "score cells/s");
  for (const auto& kind : kinds)
    for (auto size_ll : sizes) {
      std::vector<double> tau, rho, top, tr, sc, test;
      for (const auto& r : runs)
        if (r.predictor == kind && r.size == static_cast<std::size_t>(size_ll)) {
          tau.push_back(r.tau); rho.push_back(r.rho); top.push_back(r.top1); tr.push_back(r.train_s);
          sc.push_back(static_cast<double>(rows) / r.score_s);
          test.push_back(static_cast<double>(r.test_cells));
        }
      const MeanStd mt = mean_std(tau), mr = mean_std(rho), mp = mean_std(top), mtr = mean_std(tr), msc = mean_std(sc);
      fmt::print("{:<6} {:>6}  {:>7.4f} ± {:<6.4f}  {:>7.4f} ± {:<6.4f}  {:>7.4f} ± {:<6.4f}  {:>6.2f} ± {:<4.2f}  {:>12.0f}\n", kind, size_ll, mt.mean,
                 mt.std, mr.mean, mr.std, mp.mean, mp.std, mtr.mean, mtr.std, msc.mean);
      j.begin_object()
          .field("predictor", kind)
          .field("train_size", static_cast<long long>(size_ll))
          .field("runs", mt.n)
          .field("kendall_tau_mean", mt.mean)
          .field("kendall_tau_std", mt.std)
          .field("spearman_mean", mr.mean)
          .field("spearman_std", mr.std)
          .field("top1_precision_mean", mp.mean)
          .field("top1_precision_std", mp.std)
          .field("train_seconds_mean", mtr.mean)
          .field("train_seconds_std", mtr.std)
          .field("score_cells_per_second", msc.mean)
          .field("test_cells_mean", mean_std(test).mean)
          .end_object();
    }
  j.end_array();
  j.key("config").begin_object();
  const auto o = model_options(args, kinds.front());
  j.field("epochs", o.epochs).field("batch_size", o.batch_size).field("learning_rate", o.learning_rate).field("weight_decay", o.weight_decay)
      .field("hidden", o.hidden).field("layers", o.layers).field("ranking_loss", o.ranking_loss).field("mse_weight", o.mse_weight)
      .field("gcn_mode", o.gcn_mode).field("lambda_r", o.lambda_r).field("lambda_i", o.lambda_i).field("interventions", o.interventions)
      .field("intervention_combine", o.intervention_combine).field("mask_budget", o.mask_budget).field("lambda_mask", o.lambda_mask).field("lambda_binary", o.lambda_binary)
      .field("tart_dp", o.tart_dp).field("tart_onehot", o.tart_onehot).field("tart_d_model", o.tart_d_model).field("tart_layers", o.tart_layers)
      .field("tart_heads", o.tart_heads).field("tart_learning_rate", o.tart_learning_rate);
  j.end_object().end_object();
  write_file(out + "/summary.json", j.str() + "\n");
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
  if (cli::help_requested(argc, argv)) {
    std::fputs("usage: nas explain [options]\n"
               "  --predictor carl         carl | gcn (the models with masks)\n"
               "  --train-size 1000        random training cells (seeded)\n"
               "  --seed 0\n"
               "  --fraction 0.05          best and worst fraction of the table (by --reported) to explain\n"
               "  --out DIR                default runs/explain-<space>-<dataset>; writes masks.txt, masks.svg\n"
               "  (defaults here: --lambda-binary 0.5 --lambda-mask 10, for near-binary masks)\n"
               "Masks are aggregated per op type (node mask a) and per (source op -> target op) pair (edge mask b)\n"
               "of the graph view: for nb201 a graph node is an edge of the cell, but pruning renumbers nodes,\n"
               "so positions are not comparable across cells while ops are.\n",
               stdout);
    std::fputs(kModelHelp, stdout);
    return 0;
  }
  auto opts = kModelOptions;
  for (const char* k : {"predictor", "train-size", "seed", "fraction"}) opts.insert(k);
  opts.merge(experiment_option_names());
  const cli::Args args(argc, argv, 2, opts, {"tart-scalar-ops"});
  const Experiment x = load_experiment(args);
  const std::string kind = args.str("predictor", "carl");
  if (kind != "carl" && kind != "gcn") throw OptionError(fmt::format("--predictor {}: explain needs carl or gcn (the models with masks)", kind));
  const std::size_t rows = x.table->rows();
  const auto size = static_cast<std::size_t>(args.integer("train-size", 1000, 2, static_cast<long long>(rows)));
  const auto seed = static_cast<std::uint64_t>(args.integer("seed", 0, 0, 1LL << 62));
  const double fraction = args.real("fraction", 0.05);
  if (!(fraction > 0 && fraction <= 0.5)) throw OptionError(fmt::format("--fraction {}: expected (0, 0.5]", fraction));
  const std::string out = args.str("out", fmt::format("runs/explain-{}-{}", x.space->name(), x.dataset));
  const int threads = static_cast<int>(args.integer("threads", 0, 0, 1024));
  std::optional<tbb::global_control> gc;
  if (threads > 0) gc.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));

  auto o = model_options(args, kind);
  // Explanation defaults: near-binary masks under a firm budget (see PredictorOptions).
  if (!args.get("lambda-binary")) o.lambda_binary = 0.5;
  if (!args.get("lambda-mask")) o.lambda_mask = 10;
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
