// `nas oneshot` and `--evaluator supernet`'s early checks (issue 26): the library half, so that an
// embedder gets what the command line gets.
#include "nas/study/oneshot.hpp"

#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <unordered_set>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "nas/core/errors.hpp"
#include "nas/datasets/registry.hpp"
#include "nas/engine/metrics.hpp"
#include "nas/datasets/csv.hpp"
#include "nas/study/config.hpp"
#include "nas/study/experiment.hpp"
#include "nas/study/plot.hpp"
#include "nas/training/supernet.hpp"
#include "nas/mutation/darts.hpp"
#include "nas/mutation/nb201.hpp"
#include "nas/mutation/spaces.hpp"
#include "nas/core/rng.hpp"
#include "nas/training/network.hpp"
#include "limits.hpp"

namespace nas::study {

OneshotConfig::OneshotConfig() {
  OptionSet& s = options;
  s.group("supernet");
  s.choice("method", method,
           "spos (single-path one-shot) | rsps (random search with parameter sharing) | darts-v1 | darts-v2 (first / second order) | "
           "gdas (Gumbel-softmax)",
           {"spos", "rsps", "darts-v1", "darts-v2", "gdas"});
  s.choice("space", space, "search space of the supernet: nb201 (a cell of 6 edges) | darts (normal and reduction cells of 14 edges, 8 ops)",
           {"nb201", "darts"});
  s.choice("sampling", sampling,
           "SPOS path per step: uniform (each edge's op) | canonical (a canonical class, then one of its cells) | fair (FairNAS: 5 paths "
           "per batch covering every op once)",
           {"uniform", "canonical", "fair"});
  s.real("arch-lr", arch_learning_rate, "darts-v1/v2, gdas: Adam learning rate of the architecture parameters", 1e-12, 1e3);
  s.real("arch-weight-decay", arch_weight_decay, "darts-v1/v2, gdas: weight decay of the architecture parameters", 0, 1e3);
  s.real("tau-max", tau_max, "gdas: Gumbel-softmax temperature in the first epoch (linear to --tau-min in the last)", 1e-6, 1e6);
  s.real("tau-min", tau_min, "gdas: temperature in the last epoch", 1e-6, 1e6);
  s.integer("rsps-samples", rsps_samples, "rsps: random cells scored on the supernet to pick its cell", 1, 15625);
  s.integer("few-shot-edge", few_shot_edge,
            "spos on nb201: after training, split the supernet on this edge (0..5; -1 = no split) into 5 sub-supernets, one per op "
            "(few-shot NAS), each trained from its weights for --few-shot-epochs (few_shot/<op>.pt)",
            -1, 5);
  s.integer("few-shot-epochs", few_shot_epochs, "epochs of each few-shot sub-supernet", 1, 100000);
  s.integer("channels", channels, "C: first stage width", 1, 4096);
  s.integer("cells", cells, "nb201: N, cells per stage", 1, 256);
  s.integer("layers", layers, "darts: cells of the supernet (reduction cells at 1/3 and 2/3; DARTS' search network has 8)", 3, 256);
  s.integer("seed", seed, "weights, data order, augmentation, paths", 0, kMaxSeed);
  s.group("training");
  s.choice("data", data, "images to train on", {"fashion-mnist", "cifar10"});
  s.text("data-path", data_path, "fashion-mnist: default /usr/share/datasets/fashion-mnist; cifar10: the binary version").neutral();
  s.integer("train-images", train_images, "training images (0 = all but the validation part)", 0, kMaxCount);
  s.integer("valid-images", valid_images,
            "held out of the training data, never trained on (fixed by --split-seed); give the same --valid-size and --split-seed to "
            "`nas search --evaluator supernet`",
            0, kMaxCount);
  s.integer("split-seed", split_seed, "the split of the training data", 0, kMaxSeed);
  s.integer("epochs", epochs, "epochs (cosine learning rate per step to --lr-min)", 1, 100000);
  s.integer("batch-size", batch_size, "batch size", 2, 65536);
  s.real("lr", learning_rate, "SGD peak learning rate (momentum 0.9, Nesterov)", 1e-12, 1e3);
  s.real("lr-min", lr_min, "learning rate at the end of the cosine schedule", 0, 1e3);
  s.real("weight-decay", weight_decay, "SGD weight decay (of the path's weights only)", 0, 1e3);
  s.integer("torch-threads", threads, "torch intra-op threads (0 = leave as is)", 0, 1024).neutral();
  s.text("device", device, "auto | cpu | cuda | cuda:N").neutral();
  s.group("run");
  s.text("out", out, "output folder (default runs/oneshot-<method>-<space>-<data>); rerunning the command resumes there").neutral();
  s.text("resume", resume, "continue the run in this folder (its config.toml and checkpoint.pt)").neutral();
  s.group("ranking");
  s.text("rank-cells", rank_cells,
         "after training, score this CSV's cells (column arch: a search trajectory, nas space --list) with inherited weights: "
         "ranking.csv, Kendall tau and Spearman against --rank-column and the NB201 CIFAR-10 table, beside the parameter count")
      .neutral();
  s.text("rank-column", rank_column, "--rank-cells' reference column (signal: a --evaluator train trajectory's stand-alone validation accuracy)")
      .neutral();
  s.integer("rank-bn-batches", rank_bn_batches, "training batches that recalibrate a path's BN statistics before it is measured", 0, 100000).neutral();
}

void OneshotConfig::finish() {
  if (space == "darts" && options.typed("cells")) throw OptionError("--cells: an nb201 option (cells per stage); a darts supernet has --layers");
  if (space == "nb201" && options.typed("layers")) throw OptionError("--layers: a darts option; an nb201 supernet has --cells (per stage)");
  if (space == "darts" && sampling != "uniform")
    throw OptionError(fmt::format("--sampling {}: applies to --space nb201 only (a DARTS path is drawn uniformly, so uniformly over its classes too)", sampling));
  if (out.empty()) options.set_default("out", fmt::format("runs/oneshot-{}-{}-{}", method, space, data));
  if (valid_images == 0) throw OptionError("--valid-images 0: hold some images out (what --evaluator supernet measures cells on)");
  if (rank_cells.empty() && (options.typed("rank-column") || options.typed("rank-bn-batches")))
    throw OptionError("--rank-column / --rank-bn-batches: give --rank-cells FILE (the cells to rank)");
  training::SupernetOptions o;
  o.network.channels = channels, o.network.cells = cells, o.network.layers = layers, o.epochs = epochs, o.batch_size = batch_size, o.learning_rate = learning_rate;
  o.lr_min = lr_min, o.weight_decay = weight_decay, o.sampling = sampling, o.device = device, o.threads = threads, o.seed = seed;
  o.method = method, o.arch_learning_rate = arch_learning_rate, o.arch_weight_decay = arch_weight_decay, o.tau_max = tau_max, o.tau_min = tau_min;
  o.validate();
  if (options.typed("few-shot-epochs") && few_shot_edge < 0) throw OptionError("--few-shot-epochs: give --few-shot-edge E (the edge to split on)");
  if (few_shot_edge >= 0 && (method != "spos" || space != "nb201" || sampling != "uniform"))
    throw OptionError(fmt::format("--few-shot-edge: splits an spos supernet of nb201 with uniform sampling; this run is {} on {} with {} sampling",
                                  method, space, sampling));
  if (options.typed("rsps-samples") && method != "rsps") throw OptionError(fmt::format("--rsps-samples: applies to --method rsps, not {}", method));
  for (const char* name : {"arch-lr", "arch-weight-decay", "tau-max", "tau-min"})
    if (options.typed(name) && (method == "spos" || method == "rsps" || (name[0] == 't' && method != "gdas")))
      throw OptionError(fmt::format("--{}: does not apply to --method {}", name, method));
}

// One retrain-top journal record; the writer and the reader below share its fields.
static nlohmann::json retrain_record(std::uint64_t seed, const RetrainedCell& x) {
  return {{"seed", seed}, {"arch", x.arch}, {"search_signal", x.search_signal}, {"valid", x.valid}, {"test", x.test},
          {"params", x.parameters}, {"seconds", x.seconds}};
}

// The record on a journal line (its seed and cell), or nothing when the line is not one.
static std::optional<std::pair<std::uint64_t, RetrainedCell>> parse_retrain_record(const std::string& line) {
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    return std::pair{j.at("seed").get<std::uint64_t>(),
                     RetrainedCell{j.at("arch").get<std::string>(), j.at("search_signal").get<double>(), j.at("valid").get<double>(),
                                   j.at("test").get<double>(), j.at("seconds").get<double>(), j.at("params").get<std::int64_t>()}};
  } catch (const nlohmann::json::exception&) {  // a field missing or of another type
    return std::nullopt;
  }
}

std::vector<RetrainedCell> retrain_top(const SearchSpace& space, const SearchResult& run, std::size_t k,
                                       std::shared_ptr<const training::ImageData> data, const training::TrainingEvaluatorOptions& options,
                                       std::uint64_t seed, const std::function<void(std::size_t, std::size_t, const RetrainedCell&, bool)>& on_cell,
                                       const std::string& journal) {
  std::vector<const QueryRecord*> order;
  for (const auto& q : run.trajectory)
    if (!q.fidelity) order.push_back(&q);
  std::stable_sort(order.begin(), order.end(), [](const QueryRecord* a, const QueryRecord* b) { return a->signal > b->signal; });
  std::vector<Genome> cells;
  std::vector<double> signals;
  std::unordered_set<ArchitectureHash, ArchitectureHashHasher> seen;
  for (const auto* q : order) {
    if (cells.size() >= k) break;
    if (seen.insert(space.canonical_hash(q->arch)).second) cells.push_back(q->arch), signals.push_back(q->signal);
  }
  // The journal: what an earlier, killed call already trained (by arch; records of other seeds
  // are kept but not used). Only its last line may be cut short (a kill while writing it).
  std::map<std::string, RetrainedCell> done;
  std::vector<std::string> kept;
  if (!journal.empty() && std::filesystem::exists(journal)) {
    std::ifstream in(journal);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    for (std::size_t n = 0; n < lines.size(); ++n) {
      const auto record = parse_retrain_record(lines[n]);
      if (!record) {
        if (n + 1 == lines.size()) break;  // cut by a kill: trained again
        throw DataError(fmt::format("{}:{}: '{}' is not a retrain-top record (expected a JSON object with arch, seed, search_signal, "
                                    "valid, test, params, seconds)", journal, n + 1, lines[n].substr(0, 80)));
      }
      kept.push_back(lines[n]);
      if (record->first == seed) done[record->second.arch] = record->second;
    }
    if (kept.size() != lines.size()) {  // drop the cut line before appending
      std::ofstream rewrite(journal, std::ios::trunc);
      for (const auto& l : kept) rewrite << l << '\n';
    }
  }
  std::optional<training::TrainingEvaluator> ev;
  std::vector<RetrainedCell> out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const std::string arch = space.format(cells[i]);
    if (const auto it = done.find(arch); it != done.end()) {
      out.push_back(it->second);
      if (on_cell) on_cell(i, cells.size(), out.back(), true);
      continue;
    }
    if (!ev) ev.emplace(space, data, options, seed);
    const Evaluation e = ev->evaluate(cells[i]);
    out.push_back({arch, signals[i], e.signal, e.reported, e.cost_seconds, e.parameters});
    if (!journal.empty()) {
      std::ofstream log(journal, std::ios::app);
      log << retrain_record(seed, out.back()).dump() << '\n';
      log.flush();
      if (!log) throw DataError(fmt::format("{}: could not append the retrain-top record of {}", journal, arch));
    }
    if (on_cell) on_cell(i, cells.size(), out.back(), false);
  }
  return out;
}

ImageShape data_shape(const std::string& data) {
  if (data == "fashion-mnist") return {1, 28, 28, 10};
  if (data == "cifar10") return {3, 32, 32, 10};
  throw OptionError(fmt::format("--data {}: expected fashion-mnist or cifar10", data));
}

void check_one_supernet_file(const std::string& path, const std::string& space, const std::string& data, std::size_t valid_size,
                             std::uint64_t split_seed);

std::vector<std::string> supernet_files(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  for (std::string x; std::getline(ss, x, ',');) out.push_back(x);
  if (out.empty()) out.emplace_back();
  return out;
}

void check_supernet_file(const std::string& list, const std::string& space, const std::string& data, std::size_t valid_size,
                         std::uint64_t split_seed) {
  const auto files = supernet_files(list);
  if (files.size() > 1) {
    if (space != "nb201") throw OptionError(fmt::format("--supernet: {} files (few-shot sub-supernets) apply to --space nb201, not {}", files.size(), space));
    (void)training::check_few_shot_set(files);
  }
  for (const auto& path : files) check_one_supernet_file(path, space, data, valid_size, split_seed);
}

void check_one_supernet_file(const std::string& path, const std::string& space, const std::string& data, std::size_t valid_size,
                             std::uint64_t split_seed) {
  const training::SupernetInfo i = training::read_supernet_info(path);
  const ImageShape s = data_shape(data);
  const auto field = [&](const char* name, const std::string& have, const std::string& want) {
    if (have != want)
      throw DataError(fmt::format("--supernet {}: its {} is {}, this run's is {} ({}); train one with nas oneshot --space {} --data {}", path, name,
                                  have, want, name == std::string("space") ? "--space" : "--data " + data, space, data));
  };
  field("space", i.space, space);
  field("input channels", std::to_string(i.input_channels), std::to_string(s.channels));
  field("input height", std::to_string(i.input_height), std::to_string(s.height));
  field("input width", std::to_string(i.input_width), std::to_string(s.width));
  field("classes", std::to_string(i.classes), std::to_string(s.classes));
  if (i.split_valid_images >= 0 && (static_cast<std::size_t>(i.split_valid_images) != valid_size || i.split_seed != split_seed))
    throw DataError(fmt::format("--supernet {}: trained with --valid-images {} --split-seed {}; this search has --valid-size {} --split-seed {}, whose "
                                "validation images it may have trained on: give --valid-size {} --split-seed {}",
                                path, i.split_valid_images, i.split_seed, valid_size, split_seed, i.split_valid_images, i.split_seed));
  if (i.epochs_done < i.epochs)
    throw DataError(fmt::format("--supernet {}: a checkpoint after epoch {} of {}, not a finished supernet (its run's supernet.pt)", path, i.epochs_done, i.epochs));
}

namespace {
struct CurveRow {
  int epoch;
  double lr, loss, seconds, ips;
};

// The rows of a curve.csv this command wrote (an unreadable line ends the reading: the file is
// rewritten after each epoch, so at worst its last row is lost).
std::vector<CurveRow> read_curve(const std::string& path) {
  std::vector<CurveRow> rows;
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return rows;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    if (f.size() != 5) break;
    try {
      rows.push_back({std::stoi(f[0]), std::stod(f[1]), std::stod(f[2]), std::stod(f[3]), std::stod(f[4])});
    } catch (const std::exception&) {
      break;
    }
  }
  return rows;
}

/// One `nas oneshot` per folder: a second one would write the same checkpoint and files. An
/// advisory lock (flock) on <out>/.nas-oneshot.lock, released when the process ends, however it ends.
class FolderLock {
 public:
  explicit FolderLock(const std::string& dir) {
    const std::string path = dir + "/.nas-oneshot.lock";
    fd_ = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd_ < 0) throw OptionError(fmt::format("--out {}: cannot write there", dir));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw OptionError(fmt::format("--out {}: another nas oneshot is running in this folder (it holds {}); wait for it or use another --out",
                                    dir, path));
    }
  }
  ~FolderLock() { ::close(fd_); }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int fd_ = -1;
};

/// The NB201 CIFAR-10 table (its test accuracy column) from the default data folder, for context
/// beside Fashion-MNIST results; a note on `log` and nothing when it cannot be loaded.
struct C10Table {
  std::shared_ptr<const datasets::TabularBenchmark> table;
  std::size_t column = 0;
  std::optional<double> test(const Genome& g) const {
    if (!table) return std::nullopt;
    const auto row = table->find(g);
    if (!row) return std::nullopt;
    return table->value(*row, column);
  }
};
/// --rank-cells, read and checked before any training: distinct cells (first spelling kept) with
/// the reference column's value where the file has one, and the NB201 CIFAR-10 table if found.
struct RankInput {
  struct Cell {
    std::string arch;
    Genome genome;
    std::optional<double> reference;
  };
  std::vector<Cell> cells;
  bool has_reference = false;
  std::size_t missing_reference = 0;  // rows whose reference field is empty (a failed training)
  C10Table table;
};

C10Table load_c10_table(std::FILE* log) {
  try {
    ExperimentOptions x;
    datasets::BenchmarkRequest req;
    req.dataset = "cifar10";
    req.data_dir = data_dir(x);
    auto b = datasets::load_benchmark("nb201", req);
    return {b.table, b.reported_column};
  } catch (const std::exception& ex) {
    fmt::print(log, "note: the NB201 CIFAR-10 table is not loaded, no table values ({})\n",
               std::string_view(ex.what()).substr(0, std::string_view(ex.what()).find('\n')));
    return {};
  }
}

RankInput read_rank_cells(const OneshotConfig& c, const SearchSpace& space, const C10Table& table, std::FILE* log) {
  RankInput in;
  const auto csv = datasets::CsvFile::read(c.rank_cells);
  if (!csv.has_column("arch")) throw DataError(fmt::format("--rank-cells {}: no column 'arch' (the cells to rank)", c.rank_cells));
  in.has_reference = csv.has_column(c.rank_column);
  if (!in.has_reference && c.options.typed("rank-column"))
    throw DataError(fmt::format("--rank-cells {}: no column '{}' (--rank-column)", c.rank_cells, c.rank_column));
  const auto arch = csv.column("arch");
  std::unordered_set<ArchitectureHash, ArchitectureHashHasher> seen;
  for (std::size_t r = 0; r < csv.rows(); ++r) {
    Genome g;
    try {
      g = space.parse(csv.field(r, arch));
    } catch (const std::exception& ex) {
      throw DataError(fmt::format("{}: '{}' is not a {} architecture: {}", csv.where(r, arch), csv.field(r, arch), space.name(), ex.what()));
    }
    if (!seen.insert(space.canonical_hash(g)).second) continue;  // the evaluator would answer it from its cache
    std::optional<double> ref;
    if (in.has_reference) {
      const auto col = csv.column(c.rank_column);
      if (csv.field(r, col).empty())
        ++in.missing_reference;
      else
        ref = csv.number(r, col);
    }
    in.cells.push_back({space.format(g), std::move(g), ref});
  }
  if (in.cells.size() < 2)
    throw DataError(fmt::format("--rank-cells {}: {} distinct cell(s); a ranking needs at least 2", c.rank_cells, in.cells.size()));
  in.table = table;
  if (in.missing_reference > 0)
    fmt::print(log, "note: {} of the cells have an empty '{}' (failed trainings): ranked, left out of the correlations against it\n",
               in.missing_reference, c.rank_column);
  return in;
}

/// Scores the cells on the finished supernet, writes ranking.csv, returns summary.json's `ranking`.
nlohmann::ordered_json rank_cells(const OneshotConfig& c, const SearchSpace& space, const RankInput& in, const std::string& supernet,
                                  const std::vector<std::string>& few_shot, std::shared_ptr<const training::ImageData> data,
                                  const training::Split& split, std::FILE* log) {
  training::SupernetEvaluatorOptions eo;
  // As `nas search --evaluator supernet` evaluates (recalibration batches drawn from --split-seed).
  eo.bn_batches = c.rank_bn_batches, eo.batch_size = c.batch_size, eo.device = c.device, eo.threads = c.threads, eo.seed = c.split_seed;
  training::SupernetEvaluator ev(space, supernet, data, split, eo);
  // Few-shot: the same cells through the sub-supernets (after the one-shot pass, timed apart).
  std::optional<training::FewShotEvaluator> fs;
  if (!few_shot.empty()) fs.emplace(space, few_shot, data, split, eo);
  const auto n = in.cells.size();
  std::vector<double> acc(n), params(n), secs(n), fs_acc(n), score(n), fs_score(n);  // score: minus the validation loss
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    const Evaluation e = ev.evaluate(in.cells[i].genome);
    if (fs) {
      fs_acc[i] = fs->evaluate(in.cells[i].genome).reported;
      fs_score[i] = -*fs->validation_loss(in.cells[i].genome);
    }
    acc[i] = e.reported, params[i] = static_cast<double>(e.parameters), secs[i] = e.cost_seconds;
    score[i] = -*ev.validation_loss(in.cells[i].genome);
    if ((i + 1) % std::max<std::size_t>(1, n / 10) == 0 || i + 1 == n) {
      fmt::print(log, "ranking: {}/{} cells\n", i + 1, n);
      std::fflush(log);
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<std::string> header{"arch", "supernet", "supernet_loss", "params", "seconds"};
  if (fs) header.insert(header.end(), {"few_shot", "few_shot_loss"});
  if (in.has_reference) header.push_back(c.rank_column);
  if (in.table.table) header.push_back("nb201_cifar10_test");
  datasets::CsvWriter csv(header);
  std::vector<std::optional<double>> table_acc(n);
  for (std::size_t i = 0; i < n; ++i) {
    csv << in.cells[i].arch << acc[i] << -score[i] << params[i] << secs[i];
    if (fs) csv << fs_acc[i] << -fs_score[i];
    if (in.has_reference) {
      if (in.cells[i].reference)
        csv << *in.cells[i].reference;
      else
        csv << "";
    }
    if (in.table.table) {
      table_acc[i] = in.table.test(in.cells[i].genome);
      if (table_acc[i])
        csv << *table_acc[i];
      else
        csv << "";
    }
    csv.end_row();
  }
  write_file(c.out + "/ranking.csv", csv.str());
  auto against = nlohmann::ordered_json::array();
  const auto correlate = [&](const std::string& name, const std::function<std::optional<double>(std::size_t)>& ref) {
    std::vector<double> a, l, p, r, f, fl;
    for (std::size_t i = 0; i < n; ++i)
      if (const auto v = ref(i))
        a.push_back(acc[i]), l.push_back(score[i]), p.push_back(params[i]), r.push_back(*v), f.push_back(fs_acc[i]), fl.push_back(fs_score[i]);
    if (r.size() < 2) return;
    const double st = nas::kendall_tau(a, r), sr = nas::spearman_rho(a, r), pt = nas::kendall_tau(p, r), pr = nas::spearman_rho(p, r);
    const double lt = nas::kendall_tau(l, r), lr = nas::spearman_rho(l, r);
    against.push_back({{"reference", name}, {"cells", r.size()}, {"supernet_kendall", st}, {"supernet_spearman", sr},
                       {"supernet_loss_kendall", lt}, {"supernet_loss_spearman", lr}, {"params_kendall", pt}, {"params_spearman", pr}});
    std::string few;
    if (fs) {
      const double ft = nas::kendall_tau(f, r), fr = nas::spearman_rho(f, r), flt = nas::kendall_tau(fl, r), flr = nas::spearman_rho(fl, r);
      against.back()["few_shot_kendall"] = ft;
      against.back()["few_shot_spearman"] = fr;
      against.back()["few_shot_loss_kendall"] = flt;
      against.back()["few_shot_loss_spearman"] = flr;
      few = fmt::format("; few-shot Kendall {:.3f}, Spearman {:.3f} (by loss {:.3f}, {:.3f})", ft, fr, flt, flr);
    }
    fmt::print("ranking against {} ({} cells): supernet Kendall {:.3f}, Spearman {:.3f} (by loss {:.3f}, {:.3f}); parameter count Kendall {:.3f}, "
               "Spearman {:.3f}{}\n",
               name, r.size(), st, sr, lt, lr, pt, pr, few);
  };
  if (in.has_reference) correlate(c.rank_column, [&](std::size_t i) { return in.cells[i].reference; });
  if (in.table.table) correlate("nb201_cifar10_test", [&](std::size_t i) { return table_acc[i]; });
  fmt::print("ranking: {} cells with inherited weights in {:.1f} s ({:.2f} cells/s, BN recalibrated over {} batches, {} validation images); "
             "{}/ranking.csv\n",
             n, seconds, seconds > 0 ? static_cast<double>(n) / seconds : 0.0, c.rank_bn_batches, split.valid.size(), c.out);
  return {{"file", c.rank_cells},
          {"cells", n},
          {"bn_batches", c.rank_bn_batches},
          {"valid_images", split.valid.size()},
          {"seconds", seconds},
          {"cells_per_second", seconds > 0 ? static_cast<double>(n) / seconds : 0.0},
          {"against", against}};
}

/// arch_weights.csv's rows (epoch, edge, one weight per op); like read_curve, an unreadable line ends it.
std::vector<std::vector<double>> read_arch_weights(const std::string& path, std::size_t ops) {
  std::vector<std::vector<double>> rows;
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return rows;
  while (std::getline(in, line)) {
    std::vector<double> f;
    std::stringstream ss(line);
    try {
      for (std::string x; std::getline(ss, x, ',');) f.push_back(std::stod(x));
    } catch (const std::exception&) {
      break;
    }
    if (f.size() != 2 + ops) break;
    rows.push_back(std::move(f));
  }
  return rows;
}

/// The rows of a space's architecture weights: its edges (DARTS: the normal cell's 14, then the
/// reduction cell's) and ops (none first).
struct AlphaLayout {
  int edges = 0;
  std::vector<std::string> ops;
  explicit AlphaLayout(const std::string& space) {
    if (space == "darts") {
      edges = 28;
      ops.emplace_back("none");
      for (int k = 0; k < darts::kNumOps; ++k) ops.emplace_back(darts::op_name(static_cast<darts::Op>(k)));
    } else {
      edges = nb201::kNumEdges;
      for (int k = 0; k < nb201::kNumOps; ++k) ops.emplace_back(nb201::op_name(static_cast<nb201::Op>(k)));
    }
  }
};

std::string arch_weights_csv(const AlphaLayout& layout, const std::vector<std::vector<double>>& rows) {
  std::vector<std::string> header{"epoch", "edge"};
  header.insert(header.end(), layout.ops.begin(), layout.ops.end());
  datasets::CsvWriter csv(header);
  for (const auto& r : rows) {
    csv << static_cast<int>(r[0]) << static_cast<int>(r[1]);
    for (std::size_t k = 2; k < r.size(); ++k) csv << r[k];
    csv.end_row();
  }
  return csv.str();
}

/// Edges whose op has no parameters (none, skip_connect, pools): DARTS' collapse measure (of
/// NB201's 6 edges, or of a DARTS genotype's 16).
int parameter_free_edges(const SearchSpace& space, const Genome& g) {
  if (space.name() == "darts") {
    const darts::Genotype gt = darts::Space::to_genotype(g);
    int n = 0;
    for (const auto* cell : {&gt.normal, &gt.reduce})
      for (const auto& e : *cell) n += e.op == darts::Op::skip_connect || e.op == darts::Op::max_pool_3x3 || e.op == darts::Op::avg_pool_3x3;
    return n;
  }
  const nb201::Cell cell = nb201::Space::to_cell(g);
  return static_cast<int>(std::count_if(cell.ops.begin(), cell.ops.end(), [](nb201::Op op) {
    return op == nb201::Op::none || op == nb201::Op::skip_connect || op == nb201::Op::avg_pool_3x3;
  }));
}

std::string curve_csv(const std::vector<CurveRow>& rows) {
  datasets::CsvWriter csv({"epoch", "lr", "loss", "seconds", "images_per_second"});
  for (const auto& r : rows) (csv << r.epoch << r.lr << r.loss << r.seconds << r.ips).end_row();
  return csv.str();
}
}  // namespace

int run_oneshot(OneshotConfig& c, std::FILE* log) {
  const auto space = make_space(c.space);
  const bool darts_space = c.space == "darts";
  const int cells = darts_space ? c.layers : c.cells;  // what the file's `cells` field holds
  const std::string skeleton = darts_space ? fmt::format("C {}, {} layers", c.channels, c.layers) : fmt::format("C {}, N {}", c.channels, c.cells);
  const AlphaLayout layout(c.space);
  const std::string& out = c.out;
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  try {
    write_file(out + "/.nas-write-check", "");
  } catch (const std::exception&) {
    throw OptionError(fmt::format("--out {}: cannot write there", out));
  }
  std::filesystem::remove(out + "/.nas-write-check", ec);
  const FolderLock lock(out);
  const std::string ckpt = out + "/checkpoint.pt";
  if (std::filesystem::exists(ckpt)) {
    // The checkpoint's own checks refuse other options; say early which file is being continued.
    const auto i = training::read_supernet_info(ckpt);
    // The options the file records, checked before the images are read (train_supernet checks the rest).
    const auto same = [&](const char* field, const std::string& have, const std::string& want) {
      if (have != want)
        throw DataError(fmt::format("{}: a checkpoint of another run: {} is {}; this run has {} (another --out, or the run's own options)", ckpt,
                                    field, have, want));
    };
    same("method", i.method, c.method);
    same("sampling", i.sampling, c.sampling);
    same("epochs", std::to_string(i.epochs), std::to_string(c.epochs));
    same("channels", std::to_string(i.channels), std::to_string(c.channels));
    same(darts_space ? "layers" : "cells", std::to_string(i.cells), std::to_string(cells));
    same("seed", std::to_string(i.seed), std::to_string(c.seed));
    fmt::print(log, "nas oneshot: resuming {} after epoch {}/{}\n", ckpt, i.epochs_done, i.epochs);
  }
  // config.toml: written at the start of a fresh run (so that --resume DIR finds it after a kill);
  // a rerun writes it only once its options have been accepted by the checkpoint (at the end).
  const auto write_config = [&] {
    write_file(out + "/config.toml", fmt::format("# oneshot, as run by nas {}: every option, defaults included. Replay: nas oneshot --config FILE; "
                                                 "resume: nas oneshot --resume {}\n{}",
                                                 version(), out, c.options.to_toml()));
  };
  // The NB201 table gives context to NB201 cells only.
  const C10Table table = !darts_space && (!c.rank_cells.empty() || c.method != "spos") ? load_c10_table(log) : C10Table{};
  std::optional<RankInput> ranking;
  if (!c.rank_cells.empty()) ranking = read_rank_cells(c, *space, table, log);
  if (!std::filesystem::exists(ckpt)) write_config();
  TrainingSettings ts;
  ts.data = c.data, ts.data_path = c.data_path;
  const auto data = load_training_data(ts);
  const auto split = training::make_split(*data, c.train_images, c.valid_images, 0, c.split_seed);
  training::SupernetOptions o;
  o.network.channels = c.channels, o.network.cells = c.cells, o.network.layers = c.layers, o.epochs = c.epochs, o.batch_size = c.batch_size;
  o.learning_rate = c.learning_rate, o.lr_min = c.lr_min, o.weight_decay = c.weight_decay, o.sampling = c.sampling, o.device = c.device;
  o.threads = c.threads, o.seed = c.seed, o.method = c.method;
  o.split_valid_images = static_cast<std::int64_t>(c.valid_images), o.split_seed = c.split_seed;
  o.arch_learning_rate = c.arch_learning_rate, o.arch_weight_decay = c.arch_weight_decay, o.tau_max = c.tau_max, o.tau_min = c.tau_min;
  fmt::print(log, "nas oneshot: {} supernet of {} ({}, sampling {}) on {} ({} training, {} validation images), {} epochs, batch {}, lr {}\n",
             c.method, c.space, skeleton, c.sampling, data->name, split.train.size(), split.valid.size(), c.epochs, c.batch_size,
             c.learning_rate);
  // The curve of the epochs before the checkpoint comes from the curve.csv they wrote.
  std::vector<CurveRow> rows = read_curve(out + "/curve.csv");
  std::vector<std::vector<double>> alpha_rows = read_arch_weights(out + "/arch_weights.csv", layout.ops.size());  // epoch, edge, weights
  int resumed = -1;
  const auto r = training::train_supernet(*space, *data, split, o, out + "/supernet.pt", ckpt, [&](const training::SupernetEpochLog& l) {
    if (resumed < 0) {
      resumed = l.epoch - 1;
      std::erase_if(rows, [&](const CurveRow& x) { return x.epoch > resumed; });
      std::erase_if(alpha_rows, [&](const std::vector<double>& x) { return x[0] > resumed; });
    }
    rows.push_back({l.epoch, l.learning_rate, l.train_loss, l.seconds, l.images_per_second});
    write_file(out + "/curve.csv", curve_csv(rows));
    if (!l.arch_weights.empty()) {
      const auto k = static_cast<std::ptrdiff_t>(layout.ops.size());
      for (int e = 0; e < layout.edges; ++e) {
        std::vector<double> row{static_cast<double>(l.epoch), static_cast<double>(e)};
        row.insert(row.end(), l.arch_weights.begin() + e * k, l.arch_weights.begin() + (e + 1) * k);
        alpha_rows.push_back(std::move(row));
      }
      write_file(out + "/arch_weights.csv", arch_weights_csv(layout, alpha_rows));
    }
    fmt::print(log, "epoch {}/{}  lr {:.4f}  loss {:.4f}  {:.1f} s  {:.0f} images/s\n", l.epoch, c.epochs, l.learning_rate, l.train_loss, l.seconds,
               l.images_per_second);
    std::fflush(log);
  });
  if (resumed < 0) std::erase_if(rows, [&](const CurveRow& x) { return x.epoch > r.resumed_from_epoch; });
  if (resumed < 0) std::erase_if(alpha_rows, [&](const std::vector<double>& x) { return x[0] > r.resumed_from_epoch; });
  if (resumed < 0) fmt::print(log, "nas oneshot: already trained ({} epochs); supernet.pt written again\n", r.info.epochs_done);
  write_file(out + "/curve.csv", curve_csv(rows));
  Series loss{"training loss", {}, {}};
  double secs = 0, images = 0;
  for (const auto& x : rows) {
    loss.x.push_back(x.epoch), loss.y.push_back(x.loss);
    secs += x.seconds, images += x.seconds * x.ips;
  }
  if (!alpha_rows.empty()) {
    write_file(out + "/arch_weights.csv", arch_weights_csv(layout, alpha_rows));
    // Each op's architecture weight averaged over the edges, per epoch: a collapse toward
    // parameter-free ops shows as skip_connect (or none) rising.
    std::vector<Series> ops;
    const auto edges = static_cast<std::size_t>(layout.edges);
    for (const auto& name : layout.ops) ops.push_back({name, {}, {}});
    for (std::size_t i = 0; i + edges <= alpha_rows.size(); i += edges)
      for (std::size_t k = 0; k < ops.size(); ++k) {
        double m = 0;
        for (std::size_t e = 0; e < edges; ++e) m += alpha_rows[i + e][2 + k];
        ops[k].x.push_back(alpha_rows[i][0]);
        ops[k].y.push_back(m / static_cast<double>(edges));
      }
    write_file(out + "/arch_weights.svg", svg_lines(fmt::format("{} on {}: architecture weights (softmax), mean over the {} edges", c.method, data->name, edges),
                                                    "epoch", "weight", ops));
  }
  write_file(out + "/curve.svg", svg_lines(fmt::format("{} supernet of {} on {} ({})", c.method, c.space, data->name, skeleton),
                                           "epoch", "training loss (each step on its own path)", {loss}));
  nlohmann::ordered_json j{{"space", r.info.space},
                                 {"method", r.info.method},
                                 {"sampling", r.info.sampling},
                                 {"data", data->name},
                                 {"channels", r.info.channels},
                                 {"cells", r.info.cells},
                                 {"epochs", r.info.epochs},
                                 {"epochs_done", r.info.epochs_done},
                                 {"seed", r.info.seed},
                                 {"train_images", split.train.size()},
                                 {"valid_images", split.valid.size()},
                                 {"split_seed", c.split_seed},
                                 {"parameters", r.info.parameters},
                                 {"final_loss", rows.empty() ? 0.0 : rows.back().loss},
                                 {"train_seconds", secs},
                                 {"images_per_second", secs > 0 ? images / secs : 0.0},
                                 {"wall_seconds_this_call", r.seconds},
                                 {"resumed_from_epoch", r.resumed_from_epoch},
                                 {"device", r.device},
                                 {"version", version()},
                                 {"config", options_json(c.options)}};
  Genome derived = r.derived;
  nlohmann::ordered_json derivation;
  if (c.method == "rsps") {
    // RSPS' search phase: random cells scored with inherited weights (BN recalibrated), the best kept.
    training::SupernetEvaluatorOptions eo;
    eo.batch_size = c.batch_size, eo.device = c.device, eo.threads = c.threads, eo.seed = c.split_seed;
    training::SupernetEvaluator ev(*space, out + "/supernet.pt", data, split, eo);
    Rng rng(derive_seed(c.seed, 0x5255));
    double best = -1;
    for (int i = 0; i < c.rsps_samples; ++i) {
      const Genome g = space->sample(rng);
      const double acc = ev.evaluate(g).signal;
      if (acc > best) best = acc, derived = g;
    }
    derivation = {{"by", "random search on the supernet"}, {"samples", c.rsps_samples}, {"distinct", ev.evaluations()}, {"supernet_accuracy", best}};
  } else if (!(derived.size() == 0)) {
    derivation = {{"by", darts_space ? "DARTS: per node the 2 incoming edges of strongest op other than none (softmax weight), each with that op"
                                     : "argmax of the architecture weights per edge (none included)"}};
  }
  if (!(derived.size() == 0)) {
    j["arch"] = space->format(derived);
    j["derivation"] = derivation;
    j["arch_parameters"] = training::summarize_network(*space, derived, r.info.network()).parameters;
    const int free = parameter_free_edges(*space, derived);
    j["parameter_free_edges"] = free;
    const auto t = darts_space ? std::nullopt : table.test(derived);
    if (t) j["nb201_cifar10_test"] = *t;
    std::string darts_params;
    if (darts_space) {
      // The count DARTS papers report: the CIFAR-10 evaluation network (C 36, 20 cells), without
      // its auxiliary head (DARTS-V2's genotype: 3.3M).
      training::NetworkOptions e;
      e.channels = 36, e.layers = 20, e.input_channels = 3, e.input_height = 32, e.input_width = 32, e.classes = 10;
      const auto n = training::summarize_network(*space, derived, e).parameters;
      j["arch_parameters_darts_cifar10"] = n;
      darts_params = fmt::format("; {:.2f}M parameters in DARTS' CIFAR-10 network (C 36, 20 cells)", static_cast<double>(n) / 1e6);
    }
    fmt::print("derived cell: {} ({} of {} edges parameter-free{}{})\n", space->format(derived), free, darts_space ? 16 : 6,
               t ? fmt::format("; NB201 CIFAR-10 test {:.2f}", *t) : std::string(), darts_params);
  }
  // Few-shot NAS: the supernet split on one edge into one sub-supernet per op, each trained from its
  // weights with that op fixed (resumable like the supernet: each has its checkpoint).
  std::vector<std::string> few_shot;
  if (c.few_shot_edge >= 0) {
    std::filesystem::create_directories(out + "/few_shot");
    auto fs_json = nlohmann::ordered_json::array();
    for (int k = 0; k < nb201::kNumOps; ++k) {
      const std::string name(nb201::op_name(static_cast<nb201::Op>(k)));
      training::SupernetOptions f = o;
      f.epochs = c.few_shot_epochs, f.fix_edge = c.few_shot_edge, f.fix_op = k, f.init_from = out + "/supernet.pt";
      f.seed = derive_seed(c.seed, 0xf500 + static_cast<std::uint64_t>(k));
      const std::string file = out + "/few_shot/" + name + ".pt";
      const auto fr = training::train_supernet(*space, *data, split, f, file, out + "/few_shot/" + name + ".checkpoint.pt",
                                               [&](const training::SupernetEpochLog& l) {
                                                 fmt::print(log, "few-shot {} on edge {}: epoch {}/{}  loss {:.4f}  {:.1f} s\n", name, c.few_shot_edge,
                                                            l.epoch, f.epochs, l.train_loss, l.seconds);
                                                 std::fflush(log);
                                               });
      double fsecs = 0;
      for (const auto& l : fr.curve) fsecs += l.seconds;
      fs_json.push_back({{"op", name}, {"file", file}, {"final_loss", fr.curve.empty() ? 0.0 : fr.curve.back().train_loss}, {"train_seconds_this_call", fsecs}});
      few_shot.push_back(file);
    }
    j["few_shot"] = {{"edge", c.few_shot_edge}, {"epochs", c.few_shot_epochs}, {"sub_supernets", fs_json}};
  }
  if (ranking) j["ranking"] = rank_cells(c, *space, *ranking, out + "/supernet.pt", few_shot, data, split, log);
  write_file(out + "/summary.json", j.dump(2) + "\n");
  write_config();
  fmt::print("supernet: {} parameters, {} epochs, final loss {:.4f}, {:.0f} images/s; outputs in {} (supernet.pt, curve.csv, curve.svg, "
             "summary.json, config.toml)\n",
             r.info.parameters, r.info.epochs_done, rows.empty() ? 0.0 : rows.back().loss, secs > 0 ? images / secs : 0.0, out);
  return 0;
}

}  // namespace nas::study
