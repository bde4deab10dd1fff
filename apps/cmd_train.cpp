// Real training from the command line: `nas search --evaluator train` (every candidate trained at a
// search fidelity) and `nas train` (one architecture, the evaluation schedule; or a throughput
// benchmark).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <numeric>
#include <optional>

#include <fmt/format.h>

#include "commands.hpp"
#include "experiment.hpp"
#include "json.hpp"
#include "nas/datasets/benchmark.hpp"
#include "nas/engine/executors.hpp"
#include "mpi_job.hpp"
#include "nas/engine/metrics.hpp"
#include "nas/engine/statistics.hpp"
#include "nas/core/errors.hpp"
#include "nas/training/evaluator.hpp"
#include "plot.hpp"
#include "run_options.hpp"
#include "train_options.hpp"

namespace nas::app {
namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

/// Fails now, before any training, if `out` cannot be written.
void check_writable(const std::string& out) {
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  const std::string probe = out + "/.nas-write-check";
  try {
    write_file(probe, "");
  } catch (const std::exception&) {
    throw OptionError(fmt::format("--out {}: cannot write there", out));
  }
  std::filesystem::remove(probe, ec);
}

/// Prints one line per event on stderr: the candidate being trained, each epoch, the result and
/// the running best of the current run.
/// Thread-safe: with several local workers the trainings report from their own threads.
struct ProgressPrinter {
  const SearchSpace& space;
  std::size_t budget;
  int epochs;
  std::size_t query = 0;
  double best = -std::numeric_limits<double>::infinity();
  std::size_t best_query = 0;
  Clock::time_point t0 = Clock::now();
  std::mutex m;

  void reset(std::size_t done = 0) {
    std::lock_guard lock(m);
    query = done;
    best = -std::numeric_limits<double>::infinity();
    best_query = 0;
  }

  training::TrainingObserver observer() {
    training::TrainingObserver o;
    o.on_start = [this](const Genome& g) { std::lock_guard lock(m); fmt::print(stderr, "[{}/{}] training {}\n", query + 1, budget, space.format(g)); };
    o.on_epoch = [this](const Genome&, const training::EpochLog& l) {
      std::lock_guard lock(m);
      fmt::print(stderr, "[{}/{}]   epoch {}/{}  lr {:.4f}  loss {:.4f}  train {:.2f}%{}  {:.1f} s\n", query + 1, budget, l.epoch, epochs,
                 l.learning_rate, l.train_loss, l.train_accuracy,
                 std::isnan(l.valid_accuracy) ? std::string() : fmt::format("  valid {:.2f}%", l.valid_accuracy), l.seconds);
    };
    o.on_result = [this](const Genome& g, const training::TrainResult& r, bool trained) {
      std::lock_guard lock(m);
      ++query;
      if (r.valid_accuracy > best) best = r.valid_accuracy, best_query = query;
      fmt::print(stderr, "[{}/{}]   {}valid {:.2f}  test {:.2f}  ({:.1f} s, {} params)  best valid {:.2f} (query {}), elapsed {:.0f} s\n", query,
                 budget, trained ? "" : fmt::format("already trained ({}): ", space.format(g)), r.valid_accuracy, r.test_accuracy, r.seconds,
                 r.network.parameters, best, best_query, since(t0));
    };
    return o;
  }
};

/// The incumbent (best signal) of a run: its record.
const QueryRecord& incumbent(const SearchResult& r) {
  return *std::find_if(r.trajectory.begin(), r.trajectory.end(), [&](const QueryRecord& q) { return q.signal == r.trajectory.back().best_signal; });
}

}  // namespace

int cmd_search_train(cli::Args& args) {
  const auto space = make_space(args.str("space", "nb201"));
  const std::string algo = args.str("algo", "rea");
  const bool guided = algo == "guided";
  if (!args.get("budget")) args.set("budget", "40");
  if (!args.get("dedup")) args.set("dedup", "canonical");  // never pay twice for one network
  // Every option is checked before the data is loaded or anything is trained.
  const auto to = training_options(args, space->name(), TrainingPurpose::search);
  const auto n_seeds = static_cast<std::size_t>(args.integer("seeds", 1, 1, 1'000'000));
  const auto seed_base = static_cast<std::uint64_t>(args.integer("seed-base", 0, 0, 1LL << 62));
  const int threads = static_cast<int>(args.integer("threads", 0, 0, 1024));
  std::optional<GuidedOptions> go;
  std::optional<SearchOptions> so;
  std::optional<predictor::PredictorOptions> po;
  if (guided) go = guided_options(args), po = predictor_options(args);
  else so = search_options(args);
  const std::size_t budget = guided ? go->budget : so->budget;
  check_budget_fits(*space, budget);
  const std::string data_name = args.str("data", "fashion-mnist");
  const std::string out = args.str("out", fmt::format("runs/train-{}-{}-{}", space->name(), data_name, guided ? "guided-" + po->kind : algo));
  // Executor options are checked before the data is loaded (on rank 0; workers take its word).
  std::optional<ExecutorOptions> xo;
  if (!mpi::is_worker()) {
    xo = executor_options(args);
    if (xo->kind == ExecutorOptions::Kind::simulated)
      throw OptionError("--executor simulated is for tables; real training runs on --executor local or mpi");
    check_writable(out);
  }

  const auto data = load_training_data(args);
  // MPI ranks >= 1 train what rank 0 sends them (quietly: rank 0 reports every result).
  if (mpi::is_worker())
    return mpi::serve(args, [&](std::uint64_t seed) -> std::unique_ptr<Evaluator> {
      return std::make_unique<training::TrainingEvaluator>(*space, data, to, seed, training::TrainingObserver{});
    });
  // NAS-Bench-201 only: the table tells how the architectures trained here rank on CIFAR-10.
  std::shared_ptr<const datasets::TabularBenchmark> table;
  if (space->name() == "nb201") {
    const std::string path = args.str("table", datasets::nb201::default_path(data_dir(args)));
    try {
      table = datasets::nb201::load(*space, path);
    } catch (const std::exception& e) {
      fmt::print(stderr, "note: no NAS-Bench-201 table ({}); the comparison with the table is skipped\n", e.what());
    }
  }
  fmt::print(stderr, "nas search: {} with real training on {}, {}; {} seed(s) x {} trained candidates\n", guided ? "guided/" + po->kind : algo,
             data->name, fidelity_brief(to, space->name()), n_seeds, budget);

  std::vector<std::uint64_t> seeds(n_seeds);
  std::iota(seeds.begin(), seeds.end(), seed_base);
  ProgressPrinter progress{*space, budget, to.train.epochs};
  const EvaluatorFactory factory = [&](std::uint64_t seed) -> std::unique_ptr<Evaluator> {
    return std::make_unique<training::TrainingEvaluator>(*space, data, to, seed, progress.observer());
  };
  const bool with_executor = executor_requested(args);
  // One local synchronous worker unless asked otherwise; every run journaled (--resume DIR).
  // Over MPI the trainings' own progress lines stay on the workers: report each result here.
  std::vector<std::unique_ptr<ProgressReporter>> reporters;
  ObserverFactory observers;
  if (xo->kind == ExecutorOptions::Kind::mpi)
    observers = [&](std::size_t) {
      reporters.push_back(std::make_unique<ProgressReporter>(stderr, budget, 1, "mpi"));
      return reporters.back().get();
    };
  const auto journal = open_run(args, out, *space, "nas search --evaluator train");
  report_resume(*journal, seeds, "; trained candidates are not trained again");
  // Numbering goes on from the results a resumed run replays from its journal.
  const auto results_in_journal = [&](std::uint64_t seed) { return journal->count(seed, JournalEvent::Kind::result); };
  const auto next_seed = [&](std::size_t i) { progress.reset(i + 1 < seeds.size() ? results_in_journal(seeds[i + 1]) : 0); };
  progress.reset(results_in_journal(seeds[0]));
  const auto t0 = Clock::now();
  std::vector<SearchResult> runs;
  std::vector<GuidedResult> guided_runs;
  // Runs go one after another; within a run, --workers W trainings are in flight (each on its own
  // worker thread with its own evaluator); --mode async: a freed worker gets the next candidate.
  if (guided) {
    with_threads(threads, [&] {
      guided_runs = run_guided_searches(*space, factory, [&] { return predictor::make_surrogate(*space, *po); }, *go, *xo, Direction::maximise,
                                        seeds, 1, next_seed, journal.get(), observers);
    });
    runs.assign(guided_runs.begin(), guided_runs.end());
  } else {
    runs = run_searches(*space, factory, *so, *xo, Direction::maximise, seeds, 1, next_seed, journal.get(), observers);
  }
  const double wall = since(t0);

  json::Writer j;
  j.begin_object()
      .field("space", space->name())
      .field("data", data->name)
      .field("algo", guided ? "guided" : algo)
      .field("evaluator", "train")
      .field("seeds", n_seeds)
      .field("seed_base", static_cast<long long>(seed_base))
      .field("budget", budget)
      .field("signal", "valid_accuracy")
      .field("reported", "test_accuracy")
      .field("wall_seconds", wall);
  if (xo->kind == ExecutorOptions::Kind::mpi) j.key("mpi_workers").raw(mpi::finish());
  j.key("fidelity").begin_object()
      .field("channels", to.network.channels)
      .field("cells", space->name() == "darts" ? to.network.layers : to.network.cells)
      .field("epochs", to.train.epochs)
      .field("batch", to.train.batch_size)
      .field("lr", to.train.learning_rate)
      .field("train_subset", to.train_subset)
      .field("valid_size", to.valid_size)
      .field("test_subset", to.test_subset)
      .field("split_seed", static_cast<long long>(to.split_seed))
      .field("threads", to.train.threads)
      .field("device", training::resolve_device(to.train.device))
      .end_object();
  if (guided) j.field("predictor", po->kind);
  j.key("runs").begin_array();
  std::vector<Series> curves;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const SearchResult& r = runs[i];
    write_trajectory(out, seeds[i], r, *space, true, with_executor);
    if (guided) write_retrains(out, seeds[i], guided_runs[i]);
    if (r.trajectory.empty()) continue;
    const QueryRecord& inc = incumbent(r);
    double cost = 0;
    std::size_t trained = 0;
    Series s{fmt::format("seed {}", seeds[i]), {}, {}};
    for (const auto& q : r.trajectory) {
      if (q.cost_seconds > 0) cost += q.cost_seconds, ++trained;
      s.x.push_back(static_cast<double>(q.query));
      s.y.push_back(q.best_signal);
    }
    curves.push_back(std::move(s));
    j.begin_object()
        .field("seed", static_cast<long long>(seeds[i]))
        .field("best_arch", space->format(inc.arch))
        .field("best_valid", inc.signal)
        .field("best_test", inc.reported)
        .field("found_at_query", inc.query)
        .field("trained", trained)
        .field("train_seconds_total", cost)
        .field("train_seconds_per_candidate", trained ? cost / static_cast<double>(trained) : 0.0);
    fmt::print("seed {}: best {} valid {:.2f} test {:.2f} (query {}); {} trained, {:.1f} s per candidate\n", seeds[i], space->format(inc.arch),
               inc.signal, inc.reported, inc.query, trained, trained ? cost / static_cast<double>(trained) : 0.0);
    if (table) {
      // How the proxy relates to the benchmark: rank correlation of the trained validation
      // accuracy with the table's CIFAR-10 columns over every trained candidate, and where the
      // found architecture stands in the table.
      const auto c_valid = table->column(datasets::nb201::column_name("cifar10", "valid_12ep"));
      const auto c_test = table->column(datasets::nb201::column_name("cifar10", "test_200ep"));
      std::vector<double> mine, tv, tt;
      for (const auto& q : r.trajectory)
        if (q.cost_seconds > 0)
          if (auto row = table->find(q.arch)) mine.push_back(q.signal), tv.push_back(table->value(*row, c_valid)), tt.push_back(table->value(*row, c_test));
      const auto row = *table->find(inc.arch);
      const double acc = table->value(row, c_test);
      const auto& all = table->values(c_test);
      const double better = static_cast<double>(std::count_if(all.begin(), all.end(), [&](double v) { return v > acc; }));
      const double top = 100.0 * better / static_cast<double>(all.size());
      const double rho_v = spearman_rho(mine, tv), rho_t = spearman_rho(mine, tt);
      j.key("nb201_table").begin_object()
          .field("best_cifar10_valid_12ep", table->value(row, c_valid))
          .field("best_cifar10_test_200ep", acc)
          .field("best_top_percent", top)
          .field("cifar10_optimum_test_200ep", table->optimum(c_test, Direction::maximise))
          .field("spearman_vs_cifar10_valid_12ep", rho_v)
          .field("spearman_vs_cifar10_test_200ep", rho_t)
          .field("n", mine.size())
          .end_object();
      fmt::print("  in NAS-Bench-201 (CIFAR-10): the found cell has test_200ep {:.2f} (top {:.1f}% of 15,625; optimum {:.2f}), valid_12ep {:.2f}\n", acc,
                 top, table->optimum(c_test, Direction::maximise), table->value(row, c_valid));
      fmt::print("  Spearman of the trained validation accuracy with CIFAR-10 valid_12ep: {:.3f}, with test_200ep: {:.3f} ({} cells)\n", rho_v,
                 rho_t, mine.size());
    }
    j.end_object();
  }
  j.end_array();
  j.end_object();
  write_file(out + "/summary.json", j.str() + "\n");
  write_file(out + "/best_so_far.svg", svg_lines(fmt::format("{} with real training: best validation accuracy so far ({})", guided ? "guided/" + po->kind : algo,
                                                             data->name),
                                                 "trained candidates", "validation accuracy (%)", curves));
  fmt::print("wall {:.1f} s; outputs in {} (trajectories/, summary.json, best_so_far.svg, config.toml)\n", wall, out);
  return 0;
}

namespace {
constexpr const char* kTrainHelp = R"help(usage: nas train --space nb201|darts --arch STRING [options]
Trains one architecture from scratch (the evaluation phase after a search) and writes the learning
curve (curve.csv, curve.svg), the final weights (weights.pt) and summary.json.
  --space nb201            nb201 | darts
  --arch STRING            the benchmark's string (NB201 "|op~0|+|...|", DARTS "Genotype(...)")
  --seed 0                 weights, data order, augmentation
  --out DIR                default runs/train-<space>-<data>
  --throughput STEPS       instead: images/s of STEPS training steps on random data, per --threads-list
  --threads-list 1,2       torch thread counts for --throughput
)help";
}

int cmd_train(int argc, char** argv) {
  if (cli::help_requested(argc, argv)) {
    std::fputs(kTrainHelp, stdout);
    std::fputs(training_options_help(TrainingPurpose::final_training).c_str(), stdout);
    return 0;
  }
  auto names = training_option_names();
  names.insert({"space", "arch", "seed", "out", "throughput", "threads-list", "config"});
  cli::Args args(argc, argv, 2, names, training_flag_names());
  if (auto c = args.get("config")) args.merge_config_file(*c);
  const auto space = make_space(args.str("space", "nb201"));
  const auto arch = args.get("arch");
  if (!arch) throw OptionError("--arch is required: the architecture to train, in the benchmark's string form");
  const Genome g = space->parse(*arch);
  auto to = training_options(args, space->name(), TrainingPurpose::final_training);
  const auto seed = static_cast<std::uint64_t>(args.integer("seed", 0, 0, 1LL << 62));

  if (auto steps = args.get("throughput")) {
    const int n = static_cast<int>(args.integer("throughput", 10, 1, 1'000'000));
    // Fashion-MNIST's shape unless --data cifar10 (the data is not read: random images).
    const bool cifar = args.str("data", "fashion-mnist") == "cifar10";
    to.network.input_channels = cifar ? 3 : 1;
    to.network.input_height = to.network.input_width = cifar ? 32 : 28;
    to.network.classes = 10;
    const auto s = training::summarize_network(*space, g, to.network);
    for (long long t : args.integers("threads-list", "1,2")) {
      to.train.threads = static_cast<int>(t);
      const double ips = training::measure_training_throughput(*space, g, to.network, to.train, n);
      fmt::print("c++ images/s: {:.1f} (threads {}, C {}, N {}, batch {}, input {}x{}x{}, params {}, device {})\n", ips, t, to.network.channels,
                 space->name() == "darts" ? to.network.layers : to.network.cells, to.train.batch_size, to.network.input_channels,
                 to.network.input_height, to.network.input_width, s.parameters, training::resolve_device(to.train.device));
    }
    return 0;
  }

  const std::string out = args.str("out", fmt::format("runs/train-{}-{}", space->name(), args.str("data", "fashion-mnist")));
  check_writable(out);
  const auto data = load_training_data(args);
  const auto split = training::make_split(*data, to.train_subset, to.valid_size, to.test_subset, to.split_seed);
  fmt::print(stderr, "nas train: {} on {} ({} training, {} validation, {} test images), {}\n", *arch, data->name, split.train.size(),
             split.valid.size(), split.test.size(), fidelity_brief(to, space->name()));
  to.train.valid_every_epoch = true;
  ProgressPrinter progress{*space, 1, to.train.epochs};
  const auto obs = progress.observer();
  const auto r = training::train_network(*space, g, *data, split, to.network, to.train, seed,
                                         [&](const training::EpochLog& l) { obs.on_epoch(g, l); }, out + "/weights.pt");
  std::string csv = "epoch,lr,train_loss,train_accuracy,valid_accuracy,seconds\n";
  Series tr{"train", {}, {}}, va{"validation", {}, {}};
  for (const auto& l : r.curve) {
    csv += fmt::format("{},{},{},{},{},{}\n", l.epoch, l.learning_rate, l.train_loss, l.train_accuracy, l.valid_accuracy, l.seconds);
    tr.x.push_back(l.epoch), tr.y.push_back(l.train_accuracy);
    va.x.push_back(l.epoch), va.y.push_back(l.valid_accuracy);
  }
  write_file(out + "/curve.csv", csv);
  write_file(out + "/curve.svg", svg_lines(fmt::format("{} on {}", space->name(), data->name), "epoch", "accuracy (%)", {tr, va}));
  json::Writer j;
  j.begin_object()
      .field("space", space->name())
      .field("arch", *arch)
      .field("data", data->name)
      .field("seed", static_cast<long long>(seed))
      .field("valid_accuracy", r.valid_accuracy)
      .field("test_accuracy", r.test_accuracy)
      .field("seconds", r.seconds)
      .field("train_images_per_second", r.train_images_per_second)
      .field("parameters", static_cast<long long>(r.network.parameters))
      .field("mflops", r.network.mflops)
      .field("device", r.device)
      .field("fidelity", fidelity_brief(to, space->name()))
      .end_object();
  write_file(out + "/summary.json", j.str() + "\n");
  fmt::print("valid {:.2f}  test {:.2f}  ({:.1f} s, {:.0f} training images/s, {} params); outputs in {}\n", r.valid_accuracy, r.test_accuracy,
             r.seconds, r.train_images_per_second, r.network.parameters, out);
  return 0;
}

}  // namespace nas::app
