#include "train_options.hpp"

#include <chrono>

#include <fmt/format.h>

#include "nas/core/errors.hpp"

namespace nas::app {
namespace {

struct Defaults {
  int channels, cells, epochs, batch;
  long long train_subset, valid_size, test_subset;
  bool auxiliary;
  double drop_path;
};

// Search: a proxy that costs seconds per candidate on 2 CPU cores (measured: README "End-to-end
// search"). Final training: the benchmarks' networks on all the data (NB201: C 16, N 5, batch 256;
// DARTS: C 36, 20 cells, auxiliary head, drop-path 0.2, batch 96); the epochs stay the user's
// call (NB201 used 12 and 200, DARTS 600).
Defaults defaults(std::string_view space, TrainingPurpose p) {
  const bool darts = space == "darts";
  if (p == TrainingPurpose::search) return {8, darts ? 5 : 1, 5, 64, 4000, 1000, 2000, false, 0.0};
  return {darts ? 36 : 16, darts ? 20 : 5, 12, darts ? 96 : 256, 0, 5000, 0, darts, darts ? 0.2 : 0.0};
}

}  // namespace

std::set<std::string> training_option_names() {
  return {"data",        "data-path",   "train-epochs", "train-batch", "train-lr",    "train-lr-min", "train-momentum",
          "train-weight-decay", "grad-clip", "aux-weight", "augment", "train-threads", "train-subset", "valid-size",
          "test-subset", "split-seed",  "channels",     "cells",       "drop-path",   "device"};
}

std::set<std::string> training_flag_names() { return {"auxiliary", "no-nesterov", "valid-every-epoch", "affine-free-ops", "channels-last"}; }

std::string training_options_help(TrainingPurpose purpose) {
  const Defaults n = defaults("nb201", purpose), d = defaults("darts", purpose);
  auto size = [](long long v, const char* all) { return v == 0 ? std::string(all) : std::to_string(v); };
  return fmt::format(R"( training (real training of each candidate):
  --data fashion-mnist     fashion-mnist | cifar10
  --data-path DIR          fashion-mnist: default {}; cifar10: the binary version
                           (data_batch_1..5.bin, test_batch.bin), required
  --train-subset {:<9} training images per candidate (0 = all but the validation part)
  --valid-size {:<11} held out of the training data (fixed by --split-seed): the search signal
  --test-subset {:<10} test images for the reported accuracy (0 = all)
  --split-seed 0           the split; the same for every run and candidate
  --channels {:<13} C (NB201: first stage width; DARTS: initial channels; darts default {})
  --cells {:<16} NB201: cells per stage N; DARTS: number of cells (darts default {})
  --train-epochs {:<9} epochs (cosine schedule to --train-lr-min)
  --train-batch {:<10} batch size (darts default {})
  --train-lr 0.1           SGD peak learning rate     --train-lr-min 0
  --train-momentum 0.9     --no-nesterov              --train-weight-decay 0.0005
  --grad-clip 0            max gradient norm (0 = off; DARTS used 5)
  --augment auto           auto | on | off: pad-4 crop + flip (auto: on for cifar10 only)
  --auxiliary              DARTS: auxiliary head (weight --aux-weight 0.4){}
  --drop-path {:<12} DARTS: drop-path probability, ramped over the epochs (darts default {})
  --affine-free-ops        DARTS: BN without scale/shift in the ops (NASLib's graph, as zc_params)
  --train-threads 1        torch threads of a training (1 is fastest per process on 2 shared cores)
  --device auto            auto | cpu | cuda | cuda:N (training and predictor)
  --valid-every-epoch      validation accuracy after every epoch (a learning curve)
  --channels-last          NHWC activations and conv weights (oneDNN's preferred CPU layout)
)",
                     training::kFashionMnistDefaultDir, size(n.train_subset, "0 (all)"), n.valid_size, size(n.test_subset, "0 (all)"),
                     n.channels, d.channels, n.cells, d.cells, n.epochs, n.batch, d.batch, d.auxiliary ? " (darts default on)" : "",
                     n.drop_path, d.drop_path);
}

training::TrainingEvaluatorOptions training_options(const cli::Args& args, std::string_view space, TrainingPurpose purpose) {
  if (!training::trainable(space))
    throw OptionError(fmt::format("--space {}: real training supports nb201 and darts (the spaces with a network builder)", space));
  const Defaults d = defaults(space, purpose);
  training::TrainingEvaluatorOptions o;
  auto& n = o.network;
  n.channels = static_cast<int>(args.integer("channels", d.channels, 1, 4096));
  const int cells = static_cast<int>(args.integer("cells", d.cells, 1, 256));
  if (space == "darts") n.layers = cells;
  else n.cells = cells;
  n.auxiliary = d.auxiliary || args.flag("auxiliary");
  n.drop_path = args.real("drop-path", d.drop_path);
  n.affine_ops = !args.flag("affine-free-ops");
  auto& t = o.train;
  t.epochs = static_cast<int>(args.integer("train-epochs", d.epochs, 1, 100000));
  t.batch_size = static_cast<int>(args.integer("train-batch", d.batch, 2, 65536));
  t.learning_rate = args.real("train-lr", t.learning_rate);
  t.lr_min = args.real("train-lr-min", t.lr_min);
  t.momentum = args.real("train-momentum", t.momentum);
  t.nesterov = !args.flag("no-nesterov");
  t.weight_decay = args.real("train-weight-decay", t.weight_decay);
  t.grad_clip = args.real("grad-clip", t.grad_clip);
  t.aux_weight = args.real("aux-weight", t.aux_weight);
  t.augment = training::parse_augment(args.str("augment", "auto"));
  t.threads = static_cast<int>(args.integer("train-threads", t.threads, 0, 1024));
  t.device = args.str("device", t.device);
  t.valid_every_epoch = args.flag("valid-every-epoch");
  t.channels_last = args.flag("channels-last");
  o.train_subset = static_cast<std::size_t>(args.integer("train-subset", d.train_subset, 0, 100'000'000));
  o.valid_size = static_cast<std::size_t>(args.integer("valid-size", d.valid_size, 0, 100'000'000));
  o.test_subset = static_cast<std::size_t>(args.integer("test-subset", d.test_subset, 0, 100'000'000));
  o.split_seed = static_cast<std::uint64_t>(args.integer("split-seed", 0, 0, 1LL << 62));
  o.validate();
  return o;
}

std::shared_ptr<const training::ImageData> load_training_data(const cli::Args& args) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string name = args.str("data", "fashion-mnist");
  auto d = std::make_shared<const training::ImageData>(training::load_image_data(name, args.str("data-path", "")));
  fmt::print(stderr, "data: {} ({} training + {} test images of {}x{}x{}, {} classes) loaded in {:.2f} s\n", d->name, d->train.count(),
             d->test.count(), d->train.channels, d->train.height, d->train.width, d->classes,
             std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return d;
}

std::string fidelity_brief(const training::TrainingEvaluatorOptions& o, std::string_view space) {
  const bool darts = space == "darts";
  return fmt::format("C {}, {} {}, {} training images, {} epochs, batch {}, lr {}, {} thread(s), device {}", o.network.channels,
                     darts ? "cells" : "N", darts ? o.network.layers : o.network.cells,
                     o.train_subset == 0 ? std::string("all") : std::to_string(o.train_subset), o.train.epochs, o.train.batch_size,
                     o.train.learning_rate, o.train.threads, training::resolve_device(o.train.device));
}

}  // namespace nas::app
