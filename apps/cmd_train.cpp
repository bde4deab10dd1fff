// Real training from the command line: `nas search --evaluator train` (every candidate trained at a
// search fidelity) and `nas train` (one architecture, the evaluation schedule; or a throughput
// benchmark).
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <numeric>
#include <optional>

#include <fmt/format.h>

#include "commands.hpp"
#include "nas/study/experiment.hpp"
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "nas/datasets/csv.hpp"
#include "nas/datasets/benchmark.hpp"
#include "nas/engine/executors.hpp"
#include "mpi_job.hpp"
#include "nas/engine/metrics.hpp"
#include "nas/engine/statistics.hpp"
#include "nas/core/errors.hpp"
#include "nas/training/evaluator.hpp"
#include "nas/training/supernet.hpp"
#include "nas/study/oneshot.hpp"
#include "nas/study/plot.hpp"
#include "run_options.hpp"

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
  std::mutex m{};

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

}  // namespace

int cmd_search_train(SearchConfig& c) {
  const auto space = make_space(c.experiment.space);
  const std::string& algo = c.algo;
  const bool guided = c.is_guided();
  // Every option is checked before the data is loaded or anything is trained (c.finish()).
  auto to = c.training.for_space(space->name());
  const std::size_t n_seeds = c.seeds;
  const std::uint64_t seed_base = c.seed_base;
  const int threads = c.threads;
  const predictor::PredictorOptions po = run_predictor_options(c);
  const std::size_t budget = run_budget(c);
  check_run_budget(c, *space);
  const bool supernet = c.evaluator == "supernet";  // weight sharing: inherited weights instead of training
  const std::string out = c.out.empty() ? fmt::format("runs/{}-{}-{}-{}", supernet ? "supernet" : "train", space->name(), c.training.data,
                                                      guided ? "guided-" + po.kind : algo)
                                        : c.out;
  // The supernet file: readable, of this space and data shape (before the data is read).
  if (supernet) check_supernet_file(c.supernet, std::string(space->name()), c.training.data, to.valid_size, to.split_seed);
  // Multi-fidelity: rungs of epochs; a cell's lower-rung checkpoint waits in the run folder for its
  // promotion (removed when the run of its seed is over).
  if (c.fidelity.multi()) to.rungs = c.fidelity.rungs, to.checkpoint_dir = out + "/checkpoints";
  // Executor options are checked before the data is loaded (on rank 0; workers take its word).
  std::optional<ExecutorOptions> xo;
  if (!mpi::is_worker()) {
    xo = executor_options(c, {}, mpi_workers());
    if (xo->kind == ExecutorOptions::Kind::simulated)
      throw OptionError("--executor simulated is for tables; real training runs on --executor local or mpi");
    check_writable(out);
  }

  const auto data = load_training_data(c.training);
  // --evaluator supernet: the split the supernet was trained on (nas oneshot's --valid-images and
  // --split-seed as --valid-size and --split-seed); the same recalibration batches for every run.
  training::Split split;
  if (supernet) split = training::make_split(*data, to.train_subset, to.valid_size, to.test_subset, to.split_seed);
  // The validation images each cell is measured on (--supernet-valid-images of that part; 0 = all).
  const std::size_t supernet_valid = c.supernet_valid_images ? std::min(c.supernet_valid_images, split.valid.size()) : split.valid.size();
  const auto make_evaluator = [&](std::uint64_t seed, const training::TrainingObserver& observer) -> std::unique_ptr<Evaluator> {
    if (!supernet) return std::make_unique<training::TrainingEvaluator>(*space, data, to, seed, observer);
    training::SupernetEvaluatorOptions so;
    so.bn_batches = c.supernet_bn_batches;
    so.batch_size = to.train.batch_size;
    so.valid_subset = c.supernet_valid_images;
    so.metric = c.supernet_metric;
    so.seed = to.split_seed;
    so.device = to.train.device;
    so.threads = to.train.threads;
    // Several files: few-shot sub-supernets, each cell measured by the one of its op on their edge.
    if (const auto files = supernet_files(c.supernet); files.size() > 1) return std::make_unique<training::FewShotEvaluator>(*space, files, data, split, so);
    return std::make_unique<training::SupernetEvaluator>(*space, c.supernet, data, split, so);
  };
  // MPI ranks >= 1 train what rank 0 sends them (quietly: rank 0 reports every result).
  if (mpi::is_worker())
    return mpi::serve(c.mpi_heartbeat, c.mpi_lost_after, [&](std::uint64_t seed) { return make_evaluator(seed, training::TrainingObserver{}); });
  // NAS-Bench-201 only: the table tells how the architectures trained here rank on CIFAR-10.
  std::shared_ptr<const datasets::TabularBenchmark> table;
  if (space->name() == "nb201") {
    const std::string path = c.experiment.table.empty() ? datasets::nb201::default_path(data_dir(c.experiment)) : c.experiment.table;
    try {
      table = datasets::nb201::load(*space, path);
    } catch (const std::exception& e) {
      fmt::print(stderr, "note: no NAS-Bench-201 table ({}); the comparison with the table is skipped\n", e.what());
    }
  }
  if (supernet)
    fmt::print(stderr, "nas search: {} with inherited weights from {} on {} ({} BN recalibration batches of {}, {} validation images, signal {}); {} seed(s) x {} candidates\n",
               guided ? "guided/" + po.kind : algo, c.supernet, data->name, c.supernet_bn_batches, to.train.batch_size,
               supernet_valid,
               c.supernet_metric == "loss" ? "minus the validation loss" : "validation accuracy", n_seeds, budget);
  else
    fmt::print(stderr, "nas search: {} with real training on {}, {}; {} seed(s) x {} trained candidates\n", guided ? "guided/" + po.kind : algo,
               data->name, fidelity_brief(to, space->name()), n_seeds, budget);

  std::vector<std::uint64_t> seeds(n_seeds);
  std::iota(seeds.begin(), seeds.end(), seed_base);
  ProgressPrinter progress{*space, budget, to.train.epochs, 0, -std::numeric_limits<double>::infinity(), 0, Clock::now(), {}};
  const EvaluatorFactory factory = [&](std::uint64_t seed) -> std::unique_ptr<Evaluator> {
    return make_evaluator(seed, progress.observer());
  };
  const bool with_executor = executor_requested(c);
  // One local synchronous worker unless asked otherwise; every run journaled (--resume DIR).
  // Over MPI the trainings' own progress lines stay on the workers: report each result here.
  std::vector<std::unique_ptr<ProgressReporter>> reporters;
  RunOptions ro = run_options(c, seeds, Direction::maximise);
  ro.executor = *xo;
  ro.threads = 1;
  ro.journal = nullptr;  // set below, once opened
  if (xo->kind == ExecutorOptions::Kind::mpi || supernet)
    ro.observer = [&](std::size_t) -> SearchObserver* {
      reporters.push_back(std::make_unique<ProgressReporter>(stderr, budget, supernet ? 10 : 1, supernet ? "supernet: " : "mpi"));
      return reporters.back().get();
    };
  const auto journal = open_run(c, out, *space, "search");
  report_resume(*journal, seeds, supernet ? "; evaluated candidates are not evaluated again" : "; trained candidates are not trained again");
  // Numbering goes on from the results a resumed run replays from its journal.
  const auto results_in_journal = [&](std::uint64_t seed) { return journal->count(seed, JournalEvent::Kind::result); };
  const auto next_seed = [&](std::size_t i) { progress.reset(i + 1 < seeds.size() ? results_in_journal(seeds[i + 1]) : 0); };
  progress.reset(results_in_journal(seeds[0]));
  const auto t0 = Clock::now();
  // Runs go one after another; within a run, --workers W trainings are in flight (each on its own
  // worker thread with its own evaluator); --mode async: a freed worker gets the next candidate.
  ro.journal = journal.get();
  ro.on_done = [&](std::size_t i, const SearchResult&) {
    next_seed(i);
    if (!to.checkpoint_dir.empty()) {  // no promotion is left to need them
      std::error_code ignored;
      std::filesystem::remove_all(fmt::format("{}/seed_{}", to.checkpoint_dir, seeds[i]), ignored);
      std::filesystem::remove(to.checkpoint_dir, ignored);  // once empty
    }
  };
  std::vector<SearchResult> runs;
  with_threads(threads, [&] { runs = run(*space, make_search_factory(c, *space), factory, ro); });
  const double wall = since(t0);

  nlohmann::ordered_json j{{"space", space->name()},
                           {"data", data->name},
                           {"algo", algo},
                           {"evaluator", c.evaluator},
                           {"seeds", n_seeds},
                           {"seed_base", seed_base},
                           {"budget", budget},
                           {"signal", "valid_accuracy"},
                           {"reported", supernet ? "valid_accuracy" : "test_accuracy"},
                           {"wall_seconds", wall},
                           {"version", version()},
                           {"config", options_json(c.options)}};
  if (xo->kind == ExecutorOptions::Kind::mpi) j["mpi_workers"] = nlohmann::ordered_json::parse(mpi::finish());
  if (supernet) {
    const auto files = supernet_files(c.supernet);
    const auto info = training::read_supernet_info(files.front());  // few-shot: the sub-supernets share their method and skeleton
    j["supernet"] = {{"file", c.supernet},          {"method", info.method},
                     {"sampling", info.sampling},   {"channels", info.channels},
                     {"cells", info.cells},         {"epochs", info.epochs},
                     {"seed", info.seed},           {"bn_batches", c.supernet_bn_batches},
                     {"batch", to.train.batch_size}, {"valid_images", supernet_valid},
                     {"valid_size", to.valid_size}, {"split_seed", to.split_seed},
                     {"metric", c.supernet_metric}};
    if (files.size() > 1) j["supernet"]["few_shot_edge"] = info.fix_edge;
  } else
  j["fidelity"] = {{"channels", to.network.channels},
                   {"cells", space->name() == "darts" ? to.network.layers : to.network.cells},
                   {"epochs", to.train.epochs},
                   {"batch", to.train.batch_size},
                   {"lr", to.train.learning_rate},
                   {"train_subset", to.train_subset},
                   {"valid_size", to.valid_size},
                   {"test_subset", to.test_subset},
                   {"split_seed", to.split_seed},
                   {"threads", to.train.threads},
                   {"device", training::resolve_device(to.train.device)}};
  if (guided) j["predictor"] = po.kind;
  auto& runs_json = j["runs"] = nlohmann::ordered_json::array();
  std::vector<Series> curves;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const SearchResult& r = runs[i];
    write_trajectory(out, seeds[i], r, *space, true, with_executor);
    if (guided) write_retrains(out, seeds[i], runs[i]);
    if (r.trajectory.empty()) continue;
    if (!r.incumbent()) {
      fmt::print("seed {}: no full-fidelity result yet ({} evaluations at lower rungs)\n", seeds[i], r.trajectory.size());
      runs_json.push_back({{"seed", seeds[i]}, {"best_arch", nullptr}});
      continue;
    }
    const QueryRecord& inc = *r.incumbent();
    double cost = 0;
    std::size_t trained = 0;
    Series s{fmt::format("seed {}", seeds[i]), {}, {}};
    for (const auto& q : r.trajectory) {
      if (q.cost_seconds > 0) cost += q.cost_seconds, ++trained;
      if (std::isnan(q.best_signal)) continue;  // before the first full-fidelity result
      s.x.push_back(static_cast<double>(q.query));
      s.y.push_back(q.best_signal);
    }
    curves.push_back(std::move(s));
    nlohmann::ordered_json run{{"seed", seeds[i]},
                               {"best_arch", space->format(inc.arch)},
                               {"best_valid", inc.signal},
                               {"best_test", inc.reported},
                               {"found_at_query", inc.query},
                               {"trained", trained},
                               {"train_seconds_total", cost},
                               {"train_seconds_per_candidate", trained ? cost / static_cast<double>(trained) : 0.0}};
    if (supernet)
      fmt::print("seed {}: best {} valid {:.2f} with inherited weights (query {}); {} evaluated, {:.2f} s per candidate\n", seeds[i],
                 space->format(inc.arch), inc.signal, inc.query, trained, trained ? cost / static_cast<double>(trained) : 0.0);
    else
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
      run["nb201_table"] = {{"best_cifar10_valid_12ep", table->value(row, c_valid)},
                            {"best_cifar10_test_200ep", acc},
                            {"best_top_percent", top},
                            {"cifar10_optimum_test_200ep", table->optimum(c_test, Direction::maximise)},
                            {"spearman_vs_cifar10_valid_12ep", rho_v},
                            {"spearman_vs_cifar10_test_200ep", rho_t},
                            {"n", mine.size()}};
      fmt::print("  in NAS-Bench-201 (CIFAR-10): the found cell has test_200ep {:.2f} (top {:.1f}% of 15,625; optimum {:.2f}), valid_12ep {:.2f}\n", acc,
                 top, table->optimum(c_test, Direction::maximise), table->value(row, c_valid));
      fmt::print("  Spearman of the {} validation accuracy with CIFAR-10 valid_12ep: {:.3f}, with test_200ep: {:.3f} ({} cells)\n",
                 supernet ? "inherited-weight" : "trained", rho_v, rho_t, mine.size());
    }
    if (supernet && c.retrain_top > 0) {
      // The evaluation phase: the K best cells trained from scratch at the training options' fidelity.
      std::filesystem::create_directories(out + "/retrain_top");
      // Journaled in the run folder (whose journal.sqlite holds this configuration): a resumed run
      // trains only the cells a killed one had not finished.
      const auto cells = retrain_top(
          *space, r, static_cast<std::size_t>(c.retrain_top), data, to, seeds[i],
          [&](std::size_t k, std::size_t n, const RetrainedCell& x, bool journaled) {
            fmt::print(stderr, "seed {}: retrain-top {}/{} {}: supernet {:.2f}, trained valid {:.2f} test {:.2f} ({:.1f} s{})\n", seeds[i], k + 1,
                       n, x.arch, x.search_signal, x.valid, x.test, x.seconds, journaled ? ", from the journal" : "");
          },
          fmt::format("{}/retrain_top/seed_{}.jsonl", out, seeds[i]));
      datasets::CsvWriter csv({"rank", "arch", "supernet_valid", "valid", "test", "params", "seconds"});
      auto rows = nlohmann::ordered_json::array();
      for (std::size_t k = 0; k < cells.size(); ++k) {
        const auto& x = cells[k];
        (csv << k + 1 << x.arch << x.search_signal << x.valid << x.test << x.parameters << x.seconds).end_row();
        rows.push_back({{"arch", x.arch}, {"supernet_valid", x.search_signal}, {"valid", x.valid}, {"test", x.test}, {"seconds", x.seconds}});
      }
      write_file(fmt::format("{}/retrain_top/seed_{}.csv", out, seeds[i]), csv.str());
      const auto best = std::max_element(cells.begin(), cells.end(), [](const auto& a, const auto& b) { return a.valid < b.valid; });
      if (best != cells.end()) {
        run["retrain_top"] = {{"k", cells.size()}, {"best_arch", best->arch}, {"best_valid", best->valid}, {"best_test", best->test}, {"cells", rows}};
        fmt::print("  retrain-top {}: best by trained validation {} valid {:.2f} test {:.2f}\n", cells.size(), best->arch, best->valid, best->test);
      }
    }
    runs_json.push_back(std::move(run));
  }
  write_file(out + "/summary.json", j.dump(2) + "\n");
  write_file(out + "/best_so_far.svg", svg_lines(fmt::format("{} with {}: best validation accuracy so far ({})", guided ? "guided/" + po.kind : algo, supernet ? "inherited weights" : "real training",
                                                             data->name),
                                                 "trained candidates", "validation accuracy (%)", curves));
  fmt::print("wall {:.1f} s; outputs in {} (trajectories/, summary.json, best_so_far.svg, config.toml)\n", wall, out);
  return 0;
}

namespace {
// `nas train`'s options: the architecture and the run, then the training options (final-training defaults).
struct TrainCommand {
  std::string space = "nb201", arch, out, threads_list = "1,2";
  std::uint64_t seed = 0;
  int throughput = 0;
  TrainingSettings training;
  OptionSet options;
  TrainCommand() {
    OptionSet& s = options;
    s.group("network");
    s.choice("space", space, "search space with a network builder", training::trainable_space_names());
    s.text("arch", arch, "the architecture, as the benchmark writes it (NB201 \"|op~0|+|...|\", DARTS \"Genotype(...)\"); required");
    s.integer("seed", seed, "weights, data order, augmentation", 0, 1LL << 62);
    s.text("out", out, "output folder (default runs/train-<space>-<data>)").neutral();
    s.integer("throughput", throughput, "instead of training: images/s of this many steps on random data, per --threads-list (0 = off)", 0,
              1'000'000);
    s.text("threads-list", threads_list, "torch thread counts for --throughput (comma-separated)");
    s.custom("device", OptionSet::Type::text, "auto | cpu | cuda | cuda:N", [this] { return training.evaluator.train.device; },
             [this](const std::string& v) { training.evaluator.train.device = v; });
    declare_training(s, training, TrainingPurpose::final_training);
  }
};
}  // namespace

int cmd_train(int argc, char** argv) {
  TrainCommand cmd;
  if (!cli::parse(cmd.options, argc, argv, 2, "train",
                  "nas train: trains one architecture from scratch (the evaluation phase after a search) and writes the learning curve "
                  "(curve.csv, curve.svg), the final weights (weights.pt), summary.json and config.toml."))
    return 0;
  finish_training(cmd.options, cmd.training, cmd.space, TrainingPurpose::final_training);
  const auto space = make_space(cmd.space);
  if (cmd.arch.empty()) throw OptionError("--arch is required: the architecture to train, in the benchmark's string form");
  const Genome g = space->parse(cmd.arch);
  auto to = cmd.training.for_space(space->name());
  const std::uint64_t seed = cmd.seed;

  if (cmd.throughput > 0) {
    const int n = cmd.throughput;
    // Fashion-MNIST's shape unless --data cifar10 (the data is not read: random images).
    const bool cifar = cmd.training.data == "cifar10";
    to.network.input_channels = cifar ? 3 : 1;
    to.network.input_height = to.network.input_width = cifar ? 32 : 28;
    to.network.classes = 10;
    const auto s = training::summarize_network(*space, g, to.network);
    std::vector<int> thread_counts;
    for (std::size_t a = 0; a <= cmd.threads_list.size();) {
      const auto e = std::min(cmd.threads_list.find(',', a), cmd.threads_list.size());
      const std::string item = cmd.threads_list.substr(a, e - a);
      int t = 0;
      const auto r = std::from_chars(item.data(), item.data() + item.size(), t);
      if (item.empty() || r.ec != std::errc() || r.ptr != item.data() + item.size() || t < 1 || t > 1024)
        throw OptionError(fmt::format("--threads-list: '{}' is not a thread count in [1, 1024]", item));
      thread_counts.push_back(t);
      a = e + 1;
    }
    for (int t : thread_counts) {
      to.train.threads = t;
      const double ips = training::measure_training_throughput(*space, g, to.network, to.train, n);
      fmt::print("c++ images/s: {:.1f} (threads {}, C {}, N {}, batch {}, input {}x{}x{}, params {}, device {})\n", ips, t, to.network.channels,
                 space->name() == "darts" ? to.network.layers : to.network.cells, to.train.batch_size, to.network.input_channels,
                 to.network.input_height, to.network.input_width, s.parameters, training::resolve_device(to.train.device));
    }
    return 0;
  }

  const std::string out = cmd.out.empty() ? fmt::format("runs/train-{}-{}", space->name(), cmd.training.data) : cmd.out;
  check_writable(out);
  write_file(out + "/config.toml", fmt::format("# train, as run by nas {}: every option, defaults included. Replay: nas train --config FILE\n{}",
                                               version(), cmd.options.to_toml()));
  const auto data = load_training_data(cmd.training);
  const auto split = training::make_split(*data, to.train_subset, to.valid_size, to.test_subset, to.split_seed);
  fmt::print(stderr, "nas train: {} on {} ({} training, {} validation, {} test images), {}\n", cmd.arch, data->name, split.train.size(),
             split.valid.size(), split.test.size(), fidelity_brief(to, space->name()));
  to.train.valid_every_epoch = true;
  ProgressPrinter progress{*space, 1, to.train.epochs, 0, -std::numeric_limits<double>::infinity(), 0, Clock::now(), {}};
  const auto obs = progress.observer();
  const auto r = training::train_network(*space, g, *data, split, to.network, to.train, seed,
                                         [&](const training::EpochLog& l) { obs.on_epoch(g, l); }, out + "/weights.pt");
  datasets::CsvWriter csv({"epoch", "lr", "train_loss", "train_accuracy", "valid_accuracy", "seconds"});
  Series tr{"train", {}, {}}, va{"validation", {}, {}};
  for (const auto& l : r.curve) {
    (csv << l.epoch << l.learning_rate << l.train_loss << l.train_accuracy << l.valid_accuracy << l.seconds).end_row();
    tr.x.push_back(l.epoch), tr.y.push_back(l.train_accuracy);
    va.x.push_back(l.epoch), va.y.push_back(l.valid_accuracy);
  }
  write_file(out + "/curve.csv", csv.str());
  write_file(out + "/curve.svg", svg_lines(fmt::format("{} on {}", space->name(), data->name), "epoch", "accuracy (%)", {tr, va}));
  const nlohmann::ordered_json j{{"space", space->name()},
                                 {"arch", cmd.arch},
                                 {"data", data->name},
                                 {"seed", seed},
                                 {"valid_accuracy", r.valid_accuracy},
                                 {"test_accuracy", r.test_accuracy},
                                 {"seconds", r.seconds},
                                 {"train_images_per_second", r.train_images_per_second},
                                 {"parameters", r.network.parameters},
                                 {"mflops", r.network.mflops},
                                 {"device", r.device},
                                 {"fidelity", fidelity_brief(to, space->name())},
                                 {"version", version()},
                                 {"config", options_json(cmd.options)}};
  write_file(out + "/summary.json", j.dump(2) + "\n");
  fmt::print("valid {:.2f}  test {:.2f}  ({:.1f} s, {:.0f} training images/s, {} params); outputs in {}\n", r.valid_accuracy, r.test_accuracy,
             r.seconds, r.train_images_per_second, r.network.parameters, out);
  return 0;
}

}  // namespace nas::app
