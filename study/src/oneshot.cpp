// `nas oneshot` and `--evaluator supernet`'s early checks (issue 26): the library half, so that an
// embedder gets what the command line gets.
#include "nas/study/oneshot.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "nas/core/errors.hpp"
#include "nas/datasets/csv.hpp"
#include "nas/study/config.hpp"
#include "nas/study/experiment.hpp"
#include "nas/study/plot.hpp"
#include "nas/training/supernet.hpp"
#include "nas/mutation/spaces.hpp"
#include "limits.hpp"

namespace nas::study {
namespace {
constexpr const char* kPlannedMethods = "darts-v1, darts-v2, gdas, rsps";
}

OneshotConfig::OneshotConfig() {
  OptionSet& s = options;
  s.group("supernet");
  s.text("method", method, "weight-sharing method: spos (single-path one-shot); darts-v1, darts-v2, gdas, rsps are not built yet");
  s.text("space", space, "search space of the supernet: nb201 (darts is not built yet)");
  s.choice("sampling", sampling, "SPOS path per step: uniform (each edge's op) | canonical (a canonical class, then one of its cells)",
           {"uniform", "canonical"});
  s.integer("channels", channels, "C: first stage width", 1, 4096);
  s.integer("cells", cells, "N: cells per stage", 1, 256);
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
}

void OneshotConfig::finish() {
  if (method == "darts-v1" || method == "darts-v2" || method == "gdas" || method == "rsps")
    throw OptionError(fmt::format("--method {}: not built yet; this nas has spos (single-path one-shot) only ({} are planned)", method,
                                  kPlannedMethods));
  if (method != "spos") throw OptionError(fmt::format("--method {}: unknown; this nas has spos (single-path one-shot)", method));
  if (space == "darts") throw OptionError("--space darts: a DARTS supernet is not built yet; weight sharing has nb201 only");
  if (space != "nb201") throw OptionError(fmt::format("--space {}: weight sharing has nb201 only", space));
  if (out.empty()) options.set_default("out", fmt::format("runs/oneshot-{}-{}-{}", method, space, data));
  if (valid_images == 0) throw OptionError("--valid-images 0: hold some images out (what --evaluator supernet measures cells on)");
  training::SupernetOptions o;
  o.network.channels = channels, o.network.cells = cells, o.epochs = epochs, o.batch_size = batch_size, o.learning_rate = learning_rate;
  o.lr_min = lr_min, o.weight_decay = weight_decay, o.sampling = sampling, o.device = device, o.threads = threads, o.seed = seed;
  o.validate();
}

ImageShape data_shape(const std::string& data) {
  if (data == "fashion-mnist") return {1, 28, 28, 10};
  if (data == "cifar10") return {3, 32, 32, 10};
  throw OptionError(fmt::format("--data {}: expected fashion-mnist or cifar10", data));
}

void check_supernet_file(const std::string& path, const std::string& space, const std::string& data) {
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

std::string curve_csv(const std::vector<CurveRow>& rows) {
  datasets::CsvWriter csv({"epoch", "lr", "loss", "seconds", "images_per_second"});
  for (const auto& r : rows) (csv << r.epoch << r.lr << r.loss << r.seconds << r.ips).end_row();
  return csv.str();
}
}  // namespace

int run_oneshot(OneshotConfig& c, std::FILE* log) {
  const auto space = make_space(c.space);
  const std::string& out = c.out;
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  try {
    write_file(out + "/.nas-write-check", "");
  } catch (const std::exception&) {
    throw OptionError(fmt::format("--out {}: cannot write there", out));
  }
  std::filesystem::remove(out + "/.nas-write-check", ec);
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
    same("cells", std::to_string(i.cells), std::to_string(c.cells));
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
  if (!std::filesystem::exists(ckpt)) write_config();
  TrainingSettings ts;
  ts.data = c.data, ts.data_path = c.data_path;
  const auto data = load_training_data(ts);
  const auto split = training::make_split(*data, c.train_images, c.valid_images, 0, c.split_seed);
  training::SupernetOptions o;
  o.network.channels = c.channels, o.network.cells = c.cells, o.epochs = c.epochs, o.batch_size = c.batch_size;
  o.learning_rate = c.learning_rate, o.lr_min = c.lr_min, o.weight_decay = c.weight_decay, o.sampling = c.sampling, o.device = c.device;
  o.threads = c.threads, o.seed = c.seed, o.method = c.method;
  fmt::print(log, "nas oneshot: {} supernet of {} (C {}, N {}, sampling {}) on {} ({} training, {} validation images), {} epochs, batch {}, lr {}\n",
             c.method, c.space, c.channels, c.cells, c.sampling, data->name, split.train.size(), split.valid.size(), c.epochs, c.batch_size,
             c.learning_rate);
  // The curve of the epochs before the checkpoint comes from the curve.csv they wrote.
  std::vector<CurveRow> rows = read_curve(out + "/curve.csv");
  int resumed = -1;
  const auto r = training::train_supernet(*space, *data, split, o, out + "/supernet.pt", ckpt, [&](const training::SupernetEpochLog& l) {
    if (resumed < 0) {
      resumed = l.epoch - 1;
      std::erase_if(rows, [&](const CurveRow& x) { return x.epoch > resumed; });
    }
    rows.push_back({l.epoch, l.learning_rate, l.train_loss, l.seconds, l.images_per_second});
    write_file(out + "/curve.csv", curve_csv(rows));
    fmt::print(log, "epoch {}/{}  lr {:.4f}  loss {:.4f}  {:.1f} s  {:.0f} images/s\n", l.epoch, c.epochs, l.learning_rate, l.train_loss, l.seconds,
               l.images_per_second);
    std::fflush(log);
  });
  if (resumed < 0) std::erase_if(rows, [&](const CurveRow& x) { return x.epoch > r.resumed_from_epoch; });
  if (resumed < 0) fmt::print(log, "nas oneshot: already trained ({} epochs); supernet.pt written again\n", r.info.epochs_done);
  write_file(out + "/curve.csv", curve_csv(rows));
  Series loss{"training loss", {}, {}};
  double secs = 0, images = 0;
  for (const auto& x : rows) {
    loss.x.push_back(x.epoch), loss.y.push_back(x.loss);
    secs += x.seconds, images += x.seconds * x.ips;
  }
  write_file(out + "/curve.svg", svg_lines(fmt::format("{} supernet of {} on {} (C {}, N {})", c.method, c.space, data->name, c.channels, c.cells),
                                           "epoch", "training loss (each step on its own path)", {loss}));
  const nlohmann::ordered_json j{{"space", r.info.space},
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
  write_file(out + "/summary.json", j.dump(2) + "\n");
  write_config();
  fmt::print("supernet: {} parameters, {} epochs, final loss {:.4f}, {:.0f} images/s; outputs in {} (supernet.pt, curve.csv, curve.svg, "
             "summary.json, config.toml)\n",
             r.info.parameters, r.info.epochs_done, rows.empty() ? 0.0 : rows.back().loss, secs > 0 ? images / secs : 0.0, out);
  return 0;
}

}  // namespace nas::study
