// The trainer and the TrainingEvaluator: determinism for a seed, learning on a separable task,
// DARTS with auxiliary head and drop-path, canonical duplicates never trained twice, option and
// device errors, saved weights, and a tiny end-to-end search on real Fashion-MNIST images.
#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>

#include "nas/engine/guided.hpp"
#include "nas/engine/search.hpp"
#include "../engine/run_helpers.hpp"
#include "nas/mutation/darts.hpp"
#include "nas/core/errors.hpp"
#include "nas/mutation/nb201.hpp"
#include "nas/predictor/factory.hpp"
#include "nas/training/evaluator.hpp"

using namespace nas;
using namespace nas::training;
namespace fs = std::filesystem;

namespace {

/// 1 x 8 x 8 images, 2 classes: class 1 images are bright in the top-left quadrant. Noise from a
/// fixed generator, so the task is learnable but not trivial at the first step.
std::shared_ptr<const ImageData> separable(std::size_t n_train = 320, std::size_t n_test = 64) {
  auto d = std::make_shared<ImageData>();
  d->name = "synthetic";
  d->classes = 2;
  d->mean = {0.3f};
  d->std = {0.3f};
  Rng rng(42);
  for (ImageSet* s : {&d->train, &d->test}) {
    s->channels = 1, s->height = 8, s->width = 8;
    const std::size_t n = s == &d->train ? n_train : n_test;
    for (std::size_t i = 0; i < n; ++i) {
      const auto label = static_cast<std::uint8_t>(rng.below(2));
      s->labels.push_back(label);
      for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 8; ++x) {
          const int base = (label && y < 4 && x < 4) ? 160 : 40;
          s->pixels.push_back(static_cast<std::uint8_t>(base + rng.below(60)));
        }
    }
  }
  return d;
}

TrainOptions tiny_train() {
  TrainOptions t;
  t.epochs = 3;
  t.batch_size = 32;
  t.learning_rate = 0.05;
  t.device = "cpu";
  t.threads = 1;
  return t;
}

NetworkOptions tiny_nb201() {
  NetworkOptions n;
  n.channels = 4;
  n.cells = 1;
  return n;
}

/// A tiny NB201 network on all the training part but `valid` images, and all the test images.
TrainingEvaluatorOptions tiny_evaluator(std::size_t valid) {
  TrainingEvaluatorOptions o;
  o.network = tiny_nb201();
  o.train = tiny_train();
  o.train_subset = 0;
  o.valid_size = valid;
  o.test_subset = 0;
  return o;
}

}  // namespace

TEST_CASE("trainer: same seed, identical result, another seed, another, the network learns a separable task", "[training][trainer]") {
  nb201::Space space;
  const auto data = separable();
  const auto split = make_split(*data, 0, 64, 0, 0);
  const Genome g = space.parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_3x3~2|");
  std::vector<int> epochs_seen;
  const auto a = train_network(space, g, *data, split, tiny_nb201(), tiny_train(), 7, [&](const EpochLog& l) { epochs_seen.push_back(l.epoch); });
  const auto b = train_network(space, g, *data, split, tiny_nb201(), tiny_train(), 7);
  const auto c = train_network(space, g, *data, split, tiny_nb201(), tiny_train(), 8);
  CHECK(epochs_seen == std::vector<int>{1, 2, 3});
  REQUIRE(a.curve.size() == 3);
  for (std::size_t e = 0; e < 3; ++e) CHECK(a.curve[e].train_loss == b.curve[e].train_loss);
  CHECK(a.valid_accuracy == b.valid_accuracy);
  CHECK(a.test_accuracy == b.test_accuracy);
  CHECK(a.curve.back().train_loss != c.curve.back().train_loss);
  CHECK(a.curve.back().train_loss < a.curve.front().train_loss);
  CHECK(a.valid_accuracy >= 90.0);  // chance is 50%
  CHECK(a.test_accuracy >= 90.0);
  CHECK(std::isnan(a.curve.front().valid_accuracy));  // measured after the last epoch only by default
  CHECK(a.network.parameters > 0);
  CHECK(a.device == "cpu");
}

TEST_CASE("trainer: DARTS network with auxiliary head and drop-path trains deterministically, weights are saved", "[training][trainer][darts]") {
  darts::Space space;
  const auto data = separable(128, 32);
  const auto split = make_split(*data, 0, 32, 0, 1);
  const Genome g = space.parse(
      "Genotype(normal=[('sep_conv_3x3', 0), ('skip_connect', 1), ('dil_conv_3x3', 0), ('max_pool_3x3', 2), ('avg_pool_3x3', 1), "
      "('sep_conv_5x5', 3), ('dil_conv_5x5', 2), ('skip_connect', 4)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
      "('skip_connect', 1), ('sep_conv_3x3', 2), ('avg_pool_3x3', 0), ('skip_connect', 2), ('dil_conv_3x3', 3), ('sep_conv_5x5', 4), "
      "('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])");
  NetworkOptions n;
  n.channels = 4;
  n.layers = 3;
  n.auxiliary = true;
  n.drop_path = 0.2;
  TrainOptions t = tiny_train();
  t.epochs = 2;
  t.grad_clip = 5;
  const auto dir = fs::temp_directory_path() / "nas_test_training_weights";
  fs::create_directories(dir);
  const std::string w = (dir / "darts.pt").string();
  fs::remove(w);
  const auto a = train_network(space, g, *data, split, n, t, 3, {}, w);
  const auto b = train_network(space, g, *data, split, n, t, 3);
  CHECK(a.curve.back().train_loss == b.curve.back().train_loss);
  CHECK(std::isfinite(a.curve.back().train_loss));
  CHECK(a.network.aux_parameters > 0);
  CHECK(fs::file_size(w) > 1000);
  CHECK_THROWS_AS(train_network(space, g, *data, split, n, t, 3, {}, (dir / "no-such-dir" / "x.pt").string()), DataError);
}

TEST_CASE("trainer: a continuation equals one straight training, bit for bit on CPU: 3 + 6 epochs = 9", "[training][trainer][fidelity]") {
  const auto data = separable();
  const auto split = make_split(*data, 0, 64, 0, 0);
  const auto dir = fs::temp_directory_path() / ("nas_test_continuation_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  nb201::Space nb;
  darts::Space ds;
  NetworkOptions dn;
  dn.channels = 4;
  dn.layers = 3;
  dn.auxiliary = true;
  dn.drop_path = 0.2;  // DARTS: the network's own generator and the ramp over the whole schedule
  Rng pick(5);
  for (const auto& [space, net] : {std::pair<const SearchSpace*, NetworkOptions>{&nb, tiny_nb201()}, {&ds, dn}}) {
    INFO(space->name());
    const Genome g = space->sample(pick);
    TrainOptions t = tiny_train();
    t.epochs = 9;
    const auto straight = train_network(*space, g, *data, split, net, t, 11);
    const std::string ckpt = (dir / (std::string(space->name()) + "_3.pt")).string();
    t.epochs = 3;
    const auto first = train_network(*space, g, *data, split, net, t, 11, {}, "", {9, "", ckpt});
    REQUIRE(fs::exists(ckpt));
    REQUIRE(first.curve.size() == 3);
    t.epochs = 9;
    const auto rest = train_network(*space, g, *data, split, net, t, 11, {}, "", {9, ckpt, ""});
    REQUIRE(rest.curve.size() == 6);
    CHECK(rest.curve.front().epoch == 4);
    for (int e = 0; e < 3; ++e) CHECK(first.curve[static_cast<std::size_t>(e)].train_loss == straight.curve[static_cast<std::size_t>(e)].train_loss);
    for (int e = 0; e < 6; ++e) {
      CHECK(rest.curve[static_cast<std::size_t>(e)].train_loss == straight.curve[static_cast<std::size_t>(e + 3)].train_loss);
      CHECK(rest.curve[static_cast<std::size_t>(e)].learning_rate == straight.curve[static_cast<std::size_t>(e + 3)].learning_rate);
    }
    CHECK(rest.valid_accuracy == straight.valid_accuracy);
    CHECK(rest.test_accuracy == straight.test_accuracy);
    // A checkpoint of another schedule, or already at the target epoch, is refused by name.
    t.epochs = 12;
    CHECK_THROWS_WITH(train_network(*space, g, *data, split, net, t, 11, {}, "", {12, ckpt, ""}), Catch::Contains("a checkpoint of a 9-epoch schedule"));
    t.epochs = 3;
    CHECK_THROWS_WITH(train_network(*space, g, *data, split, net, t, 11, {}, "", {9, ckpt, ""}), Catch::Contains("nothing to train up to epoch 3"));
    CHECK_THROWS_AS(train_network(*space, g, *data, split, net, t, 11, {}, "", {9, (dir / "none.pt").string(), ""}), DataError);
  }
  fs::remove_all(dir);
}

TEST_CASE("trainer: options and devices are checked before any work", "[training][trainer]") {
  TrainOptions t;
  t.epochs = 0;
  CHECK_THROWS_AS(t.validate(), OptionError);
  t = TrainOptions{};
  t.batch_size = 1;
  CHECK_THROWS_AS(t.validate(), OptionError);
  t = TrainOptions{};
  t.learning_rate = -1;
  CHECK_THROWS_AS(t.validate(), OptionError);
  t = TrainOptions{};
  t.device = "tpu";
  CHECK_THROWS_AS(t.validate(), OptionError);
  CHECK_THROWS_AS(parse_augment("maybe"), OptionError);
  if (resolve_device("auto") == "cpu") {
    t.device = "cuda";
    CHECK_THROWS_WITH(t.validate(), Catch::Contains("no CUDA device"));
  }
  nb201::Space nb;
  const auto data = separable(64, 16);
  TrainingEvaluatorOptions o = tiny_evaluator(64);  // the whole training part: nothing left to train on
  CHECK_THROWS_AS(TrainingEvaluator(nb, data, o, 0), OptionError);
  auto space101 = make_space("nb101");
  o.valid_size = 16;
  CHECK_THROWS_WITH(TrainingEvaluator(*space101, data, o, 0), Catch::Contains("nb201 and darts"));
}

TEST_CASE("TrainingEvaluator: (valid, test) accuracy, cost and size, a canonical duplicate is not trained again", "[training][evaluator]") {
  nb201::Space space;
  const auto data = separable(160, 32);
  TrainingEvaluatorOptions o = tiny_evaluator(32);
  o.train.epochs = 1;
  int started = 0, results = 0;
  TrainingObserver obs;
  obs.on_start = [&](const Genome&) { ++started; };
  obs.on_result = [&](const Genome&, const TrainResult&, bool) { ++results; };
  TrainingEvaluator ev(space, data, o, 11, obs);
  // Node 1 feeds nothing in both cells, so they differ only in dead code: one network.
  const Genome a = space.parse("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|");
  const Genome b = space.parse("|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|");
  REQUIRE(space.canonical_hash(a) == space.canonical_hash(b));
  const Evaluation ea = ev.evaluate(a);
  const Evaluation eb = ev.evaluate(b);
  CHECK(ev.queries() == 2);
  CHECK(ev.trainings() == 1);
  CHECK(started == 1);
  CHECK(results == 2);
  CHECK(ea.signal == eb.signal);
  CHECK(ea.cost_seconds > 0);
  CHECK(eb.cost_seconds == 0);
  CHECK(ea.parameters > 0);
  CHECK(ea.signal >= 0);
  CHECK(ea.signal <= 100);
  // Same run seed, fresh evaluator: the same architecture gets the same result.
  TrainingEvaluator again(space, data, o, 11);
  CHECK(again.evaluate(a).signal == ea.signal);
}

TEST_CASE("TrainingEvaluator over rungs: a promotion goes on from its checkpoint, pays the extra epochs, equals straight training",
          "[training][evaluator][fidelity]") {
  nb201::Space space;
  const auto data = separable(160, 32);
  TrainingEvaluatorOptions o = tiny_evaluator(32);
  o.rungs = {1, 3};
  const auto dir = fs::temp_directory_path() / ("nas_test_rungs_" + std::to_string(::getpid()));
  o.checkpoint_dir = dir.string();
  TrainingEvaluator ev(space, data, o, 4);
  const Genome g = space.parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|none~1|avg_pool_3x3~2|");
  const Evaluation low = ev.evaluate_at(g, {"epochs", 1});
  CHECK(low.spent == 1);
  std::size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) files += e.is_regular_file();
  CHECK(files == 1);  // the rung-1 checkpoint, waiting for a promotion
  const Evaluation high = ev.evaluate_at(g, {"epochs", 3});
  CHECK(high.spent == 2);  // only the extra epochs
  files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) files += e.is_regular_file();
  CHECK(files == 0);  // continued: the checkpoint is gone; the last rung leaves none
  // Without checkpoints every rung trains from scratch, to the same result.
  o.checkpoint_dir.clear();
  TrainingEvaluator fresh(space, data, o, 4);
  const Evaluation straight = fresh.evaluate_at(g, {"epochs", 3});
  CHECK(straight.spent == 3);
  CHECK(straight.signal == high.signal);
  CHECK(straight.reported == high.reported);
  CHECK(fresh.evaluate(g).signal == high.signal);  // full fidelity is the last rung (a canonical duplicate: no training)
  CHECK_THROWS_AS(fresh.evaluate_at(g, {"epochs", 2}), std::invalid_argument);
  CHECK_THROWS_AS(fresh.evaluate_at(g, {"seconds", 3}), std::invalid_argument);
  fs::remove_all(dir);
}

TEST_CASE("end to end: REA and CARL-guided searches with every candidate trained on real Fashion-MNIST images", "[training][integration]") {
  INFO("needs Debian's dataset-fashion-mnist (scripts/setup.sh installs it)");
  const auto data = std::make_shared<const ImageData>(load_fashion_mnist());
  nb201::Space space;
  TrainingEvaluatorOptions o;
  o.network.channels = 4;
  o.network.cells = 1;
  o.train = tiny_train();
  o.train.epochs = 1;
  o.train_subset = 256;
  o.valid_size = 128;
  o.test_subset = 128;
  SearchOptions so;
  so.budget = 4;
  so.population_size = 3;
  so.tournament_size = 2;
  so.skip_canonical_duplicates = true;
  TrainingEvaluator ev(space, data, o, 0);
  const SearchResult r = test::search_once(space, ev, so);
  REQUIRE(r.trajectory.size() == 4);
  for (const auto& q : r.trajectory) {
    CHECK(q.cost_seconds > 0);
    CHECK(q.parameters > 0);
    CHECK(q.signal >= 0);
    CHECK(q.signal <= 100);
  }
  CHECK(ev.trainings() == 4);

  GuidedOptions go;
  go.budget = 5;
  go.initial_samples = 3;
  go.parents_per_iteration = 2;
  go.children_per_parent = 5;
  go.top_k = 1;
  go.incumbent_k = 0;
  predictor::PredictorOptions po;
  po.kind = "carl";
  po.epochs = 20;
  po.torch_threads = 1;
  auto model = predictor::make_surrogate(space, po);
  TrainingEvaluator gev(space, data, o, 1);
  const GuidedResult gr = test::guided_once(space, gev, model, go);
  CHECK(gr.trajectory.size() == 5);
  CHECK(gr.retrains.size() >= 2);
  CHECK(gev.trainings() == 5);
  CHECK(gr.seconds_evaluating > 0);
}
