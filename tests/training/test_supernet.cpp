// The NB201 supernet (issue 26): a path computes exactly the stand-alone network of its genome
// with the inherited weights; SPOS training is deterministic and resumes bit for bit from an epoch
// checkpoint; the inherited-weights evaluator is deterministic, caches canonical duplicates and
// recalibrates BN; files of another space or shape, corrupt files and bad options are refused.
#define CATCH_CONFIG_PREFIX_ALL  // glog's CHECK (pulled in by torch) would clash with Catch's
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include "../../training/src/networks.hpp"
#include "nas/core/errors.hpp"
#include "nas/core/rng.hpp"
#include "nas/mutation/darts.hpp"
#include "nas/mutation/nb101.hpp"
#include "nas/mutation/nb201.hpp"
#include "nas/training/supernet.hpp"

using namespace nas;
using namespace nas::training;
namespace fs = std::filesystem;

namespace {

/// 1 x 8 x 8 images, 2 classes (class 1 bright in the top-left quadrant), noise from a fixed generator.
std::shared_ptr<ImageData> synthetic(std::size_t n_train = 160, std::size_t n_test = 32, int channels = 1, int classes = 2) {
  auto d = std::make_shared<ImageData>();
  d->name = "synthetic";
  d->classes = classes;
  d->mean.assign(static_cast<std::size_t>(channels), 0.3f);
  d->std.assign(static_cast<std::size_t>(channels), 0.3f);
  Rng rng(42);
  for (ImageSet* s : {&d->train, &d->test}) {
    s->channels = channels, s->height = 8, s->width = 8;
    const std::size_t n = s == &d->train ? n_train : n_test;
    for (std::size_t i = 0; i < n; ++i) {
      const auto label = static_cast<std::uint8_t>(rng.below(static_cast<std::uint64_t>(classes)));
      s->labels.push_back(label);
      for (int c = 0; c < channels; ++c)
        for (int y = 0; y < 8; ++y)
          for (int x = 0; x < 8; ++x) {
            const int base = (label == 1 && y < 4 && x < 4) ? 160 : 40;
            s->pixels.push_back(static_cast<std::uint8_t>(base + rng.below(60)));
          }
    }
  }
  return d;
}

SupernetOptions tiny(int epochs = 2) {
  SupernetOptions o;
  o.network.channels = 4;
  o.network.cells = 1;
  o.epochs = epochs;
  o.batch_size = 32;
  o.seed = 5;
  return o;
}

/// A fresh folder under the temp dir, removed at the end of the test.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) : path(fs::temp_directory_path() / fmt_name(name)) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& f) const { return (path / f).string(); }
  static std::string fmt_name(const std::string& n) { return "nas_supernet_" + n + "_" + std::to_string(::getpid()); }
};

Genome cell(const std::string& s) { return nb201::Space::to_genome(nb201::Cell::parse(s)); }

/// Genomes with every op on every edge: together their stand-alone networks hold every supernet weight.
std::vector<Genome> all_ops_cells() {
  std::vector<Genome> out;
  for (int k = 1; k < nb201::kNumOps; ++k) {
    nb201::Cell c;
    c.ops.fill(static_cast<nb201::Op>(k));
    out.push_back(nb201::Space::to_genome(c));
  }
  return out;
}

/// The stand-alone network of `g` with the weights export_path_weights wrote for it.
std::shared_ptr<nas::training::detail::GenomeNetImpl> standalone(const SearchSpace& space, const Genome& g, const NetworkOptions& o,
                                                                const std::string& weights) {
  auto net = nas::training::detail::build_network(space, g, o, 1234);  // another seed: every weight must come from the file
  torch::serialize::InputArchive a;
  a.load_from(weights);
  net->load(a);
  net->eval();
  return net;
}

/// Every parameter and buffer of the networks `a` and `b` exactly equal.
bool same_state(nas::training::detail::GenomeNetImpl& a, nas::training::detail::GenomeNetImpl& b) {
  const auto pa = a.named_parameters(true), pb = b.named_parameters(true);
  const auto ba = a.named_buffers(true), bb = b.named_buffers(true);
  if (pa.size() != pb.size() || ba.size() != bb.size()) return false;
  for (const auto& p : pa)
    if (!torch::equal(p.value(), pb[p.key()])) return false;
  for (const auto& p : ba)
    if (!torch::equal(p.value(), bb[p.key()])) return false;
  return true;
}

template <class E, class F>
std::string thrown_message(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "<nothing thrown>";
}

}  // namespace

CATCH_TEST_CASE("supernet: a path computes exactly the stand-alone network of its genome with the inherited weights", "[training][supernet]") {
  nb201::Space space;
  TempDir dir("path");
  const auto data = synthetic();
  const Split split = make_split(*data, 0, 32, 0, 1);
  // Trained a little, so that the weights and BN statistics of the ops differ from their initialisation.
  const auto r = train_supernet(space, *data, split, tiny(1), dir / "s.pt");
  const SupernetInfo info = read_supernet_info(dir / "s.pt");
  CATCH_CHECK(info.space == "nb201");
  CATCH_CHECK(info.channels == 4);
  CATCH_CHECK(info.epochs_done == 1);
  CATCH_CHECK(info.parameters == r.info.parameters);
  const NetworkOptions o = info.network();

  std::vector<Genome> genomes = all_ops_cells();
  // Cells with dead edges (node 1 or 2 feeding nothing), none-only nodes, and random ones.
  genomes.push_back(cell("|nor_conv_3x3~0|+|none~0|none~1|+|avg_pool_3x3~0|none~1|none~2|"));
  genomes.push_back(cell("|none~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"));
  genomes.push_back(cell("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"));
  Rng rng(9);
  for (int i = 0; i < 12; ++i) genomes.push_back(space.sample(rng));

  torch::manual_seed(3);
  const torch::Tensor x = torch::randn({5, 1, 8, 8});
  const std::vector<float> xs(x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
  for (const auto& g : genomes) {
    CATCH_CAPTURE(space.format(g));
    export_path_weights(space, dir / "s.pt", g, dir / "w.pt");
    auto net = standalone(space, g, o, dir / "w.pt");
    torch::NoGradGuard no_grad;
    const torch::Tensor want = net->forward(x).contiguous();
    const std::vector<float> got = supernet_path_logits(space, dir / "s.pt", g, xs, 5);
    CATCH_REQUIRE(got.size() == static_cast<std::size_t>(want.numel()));
    CATCH_CHECK(std::equal(got.begin(), got.end(), want.data_ptr<float>()));  // bit for bit
  }
  // The path's parameter count is the stand-alone network's.
  SupernetEvaluatorOptions eo;
  eo.bn_batches = 0;
  SupernetEvaluator ev(space, dir / "s.pt", data, split, eo);
  for (std::size_t i = 3; i < genomes.size(); ++i)
    CATCH_CHECK(ev.evaluate(genomes[i]).parameters == summarize_network(space, genomes[i], o).parameters);
}

CATCH_TEST_CASE("supernet: SPOS training is deterministic for a seed, another seed or canonical sampling differs", "[training][supernet]") {
  nb201::Space space;
  TempDir dir("det");
  const auto data = synthetic();
  const Split split = make_split(*data, 0, 32, 0, 1);
  std::vector<SupernetEpochLog> logs;
  const auto a = train_supernet(space, *data, split, tiny(2), dir / "a.pt", "", [&](const SupernetEpochLog& l) { logs.push_back(l); });
  const auto b = train_supernet(space, *data, split, tiny(2), dir / "b.pt");
  auto o = tiny(2);
  o.seed = 6;
  const auto c = train_supernet(space, *data, split, o, dir / "c.pt");
  o = tiny(2);
  o.sampling = "canonical";
  const auto d = train_supernet(space, *data, split, o, dir / "d.pt");
  CATCH_REQUIRE(logs.size() == 2);
  CATCH_CHECK(logs[1].epoch == 2);
  CATCH_CHECK(logs[0].images_per_second > 0);
  CATCH_CHECK(logs[0].learning_rate == o.learning_rate);
  CATCH_CHECK(std::isfinite(logs[1].train_loss));
  CATCH_CHECK(a.curve[1].train_loss == b.curve[1].train_loss);
  CATCH_CHECK(a.curve[1].train_loss != c.curve[1].train_loss);
  CATCH_CHECK(a.curve[1].train_loss != d.curve[1].train_loss);
  const NetworkOptions no = a.info.network();
  for (const auto& g : all_ops_cells()) {
    export_path_weights(space, dir / "a.pt", g, dir / "wa.pt");
    export_path_weights(space, dir / "b.pt", g, dir / "wb.pt");
    export_path_weights(space, dir / "c.pt", g, dir / "wc.pt");
    auto na = standalone(space, g, no, dir / "wa.pt"), nb = standalone(space, g, no, dir / "wb.pt"), nc = standalone(space, g, no, dir / "wc.pt");
    CATCH_CHECK(same_state(*na, *nb));
    CATCH_CHECK_FALSE(same_state(*na, *nc));
  }
}

CATCH_TEST_CASE("supernet: a run stopped after an epoch checkpoint resumes and ends bit for bit as an uninterrupted one", "[training][supernet]") {
  nb201::Space space;
  const auto data = synthetic();
  const Split split = make_split(*data, 0, 32, 0, 1);
  // SPOS (path generator), GDAS (Gumbel noise, Adam on alpha) and DARTS-V2 (the unrolled step).
  for (const char* method : {"spos", "gdas", "darts-v2"}) {
  CATCH_CAPTURE(method);
  TempDir dir(std::string("resume_") + method);
  auto o = tiny(3);
  o.method = method;
  if (o.method == "spos") o.sampling = "canonical";
  const auto straight = train_supernet(space, *data, split, o, dir / "straight.pt", dir / "straight.ckpt");
  CATCH_CHECK(straight.resumed_from_epoch == 0);
  // A child process running the same training is killed by SIGKILL right after epoch 2's
  // checkpoint is written (the callback runs after it): what a kill anywhere in epoch 3 leaves.
  const pid_t child = ::fork();
  CATCH_REQUIRE(child >= 0);
  if (child == 0) {
    try {
      train_supernet(space, *data, split, o, dir / "resumed.pt", dir / "resumed.ckpt", [](const SupernetEpochLog& l) {
        if (l.epoch == 2) ::kill(::getpid(), SIGKILL);
      });
    } catch (...) {
    }
    ::_exit(3);  // not reached when the kill lands
  }
  // Waits at most 120 s: a child that hangs (e.g. an OpenMP runtime that does not survive fork)
  // fails the test instead of blocking it.
  int status = 0;
  pid_t waited = 0;
  for (int i = 0; i < 1200 && (waited = ::waitpid(child, &status, WNOHANG)) == 0; ++i) ::usleep(100000);
  if (waited == 0) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
    CATCH_FAIL("the training child process did not end within 120 s");
  }
  CATCH_REQUIRE(waited == child);
  CATCH_REQUIRE(WIFSIGNALED(status));
  CATCH_CHECK(WTERMSIG(status) == SIGKILL);
  CATCH_CHECK_FALSE(fs::exists(dir / "resumed.pt"));
  CATCH_CHECK(read_supernet_info(dir / "resumed.ckpt").epochs_done == 2);
  std::vector<int> epochs;
  const auto resumed = train_supernet(space, *data, split, o, dir / "resumed.pt", dir / "resumed.ckpt",
                                      [&](const SupernetEpochLog& l) { epochs.push_back(l.epoch); });
  CATCH_CHECK(resumed.resumed_from_epoch == 2);
  CATCH_CHECK(epochs == std::vector<int>{3});
  CATCH_CHECK(resumed.curve.back().train_loss == straight.curve.back().train_loss);
  CATCH_CHECK(resumed.arch_weights == straight.arch_weights);
  CATCH_CHECK(resumed.derived == straight.derived);
  const NetworkOptions no = straight.info.network();
  for (const auto& g : all_ops_cells()) {  // every weight and BN statistic of the supernet
    export_path_weights(space, dir / "straight.pt", g, dir / "w1.pt");
    export_path_weights(space, dir / "resumed.pt", g, dir / "w2.pt");
    CATCH_CHECK(same_state(*standalone(space, g, no, dir / "w1.pt"), *standalone(space, g, no, dir / "w2.pt")));
  }
  // A checkpoint of other options is refused, naming the field.
  auto other = o;
  other.learning_rate = 0.1;
  const std::string msg = thrown_message<DataError>([&] { train_supernet(space, *data, split, other, dir / "x.pt", dir / "resumed.ckpt"); });
  CATCH_CHECK(msg.find("resumed.ckpt") != std::string::npos);
  CATCH_CHECK(msg.find("learning_rate") != std::string::npos);
  }
}

CATCH_TEST_CASE("supernet: DARTS-V1, DARTS-V2 and GDAS learn architecture weights, the cell is their argmax, reproducible", "[training][supernet]") {
  nb201::Space space;
  TempDir dir("darts");
  const auto data = synthetic();
  const Split split = make_split(*data, 0, 32, 0, 1);
  std::map<std::string, std::vector<double>> final_weights;
  for (const char* method : {"darts-v1", "darts-v2", "gdas"}) {
    CATCH_CAPTURE(method);
    auto o = tiny(2);
    o.method = method;
    std::vector<SupernetEpochLog> logs;
    const auto a = train_supernet(space, *data, split, o, dir / "a.pt", "", [&](const SupernetEpochLog& l) { logs.push_back(l); });
    const auto b = train_supernet(space, *data, split, o, dir / "b.pt");
    CATCH_REQUIRE(a.arch_weights.size() == static_cast<std::size_t>(nb201::kNumEdges * nb201::kNumOps));
    CATCH_REQUIRE(logs.size() == 2);
    CATCH_CHECK(logs.back().arch_weights == a.arch_weights);
    CATCH_CHECK(logs.front().arch_weights != logs.back().arch_weights);  // alpha learns
    CATCH_CHECK(a.arch_weights == b.arch_weights);
    CATCH_CHECK(a.curve.back().train_loss == b.curve.back().train_loss);
    CATCH_CHECK(a.info.method == method);
    CATCH_CHECK(read_supernet_info(dir / "a.pt").method == method);
    // Rows are distributions; the derived cell takes each edge's largest weight.
    const nb201::Cell derived = nb201::Space::to_cell(a.derived);
    for (int e = 0; e < nb201::kNumEdges; ++e) {
      const auto row = a.arch_weights.begin() + e * nb201::kNumOps;
      double sum = 0;
      for (int k = 0; k < nb201::kNumOps; ++k) sum += row[k];
      CATCH_CHECK(std::abs(sum - 1) < 1e-5);
      CATCH_CHECK(static_cast<int>(derived.ops[static_cast<std::size_t>(e)]) == std::max_element(row, row + nb201::kNumOps) - row);
    }
    final_weights[method] = a.arch_weights;
    // The relaxed supernet's paths still evaluate with inherited weights.
    SupernetEvaluator ev(space, dir / "a.pt", data, split);
    const double acc = ev.evaluate(a.derived).signal;
    CATCH_CHECK((acc >= 0 && acc <= 100));
  }
  CATCH_CHECK(final_weights["darts-v1"] != final_weights["darts-v2"]);  // the second-order term matters
  // SPOS and RSPS have no architecture weights and derive nothing here.
  auto o = tiny(1);
  o.method = "rsps";
  const auto r = train_supernet(space, *data, split, o, dir / "r.pt");
  CATCH_CHECK(r.arch_weights.empty());
  CATCH_CHECK(r.derived.size() == 0);
}

CATCH_TEST_CASE("supernet: fair sampling trains every op of the output node's edges in each step", "[training][supernet]") {
  nb201::Space space;
  TempDir dir("fair");
  const auto data = synthetic(64);
  const Split split = make_split(*data, 0, 32, 0, 1);  // one step per epoch
  auto o = tiny(2);
  o.sampling = "fair";
  train_supernet(space, *data, split, o, dir / "s.pt", dir / "s.ckpt", [&](const SupernetEpochLog& l) {
    if (l.epoch == 1) fs::copy_file(dir / "s.ckpt", dir / "e1.pt", fs::copy_options::overwrite_existing);
  });
  const NetworkOptions no = read_supernet_info(dir / "s.pt").network();
  for (const auto& g : {all_ops_cells()[1], all_ops_cells()[2]}) {  // all nor_conv_1x1, all nor_conv_3x3
    export_path_weights(space, dir / "e1.pt", g, dir / "w1.pt");
    export_path_weights(space, dir / "s.pt", g, dir / "w2.pt");
    auto a = standalone(space, g, no, dir / "w1.pt"), b = standalone(space, g, no, dir / "w2.pt");
    const auto pb = b->named_parameters(true);
    int checked = 0;
    for (const auto& p : a->named_parameters(true)) {
      // Edges into the output node are always computed; an op on an edge into a node that a
      // path leaves dead gets no gradient from that path (as in its stand-alone network).
      if (p.key().find(".edge3_03.") == std::string::npos && p.key().find(".edge4_13.") == std::string::npos &&
          p.key().find(".edge5_23.") == std::string::npos)
        continue;
      CATCH_CAPTURE(p.key());
      CATCH_CHECK_FALSE(torch::equal(p.value(), pb[p.key()]));  // moved in step 2, whatever path drew it
      ++checked;
    }
    CATCH_CHECK(checked > 0);
  }
  // Deterministic, and not uniform sampling's result.
  const auto x = train_supernet(space, *data, split, o, dir / "x.pt");
  const auto y = train_supernet(space, *data, split, o, dir / "y.pt");
  o.sampling = "uniform";
  const auto z = train_supernet(space, *data, split, o, dir / "z.pt");
  CATCH_CHECK(x.curve.back().train_loss == y.curve.back().train_loss);
  CATCH_CHECK(x.curve.back().train_loss != z.curve.back().train_loss);
}

CATCH_TEST_CASE("supernet evaluator: deterministic, canonical duplicates evaluated once, BN recalibrated", "[training][supernet]") {
  nb201::Space space;
  TempDir dir("eval");
  const auto data = synthetic();
  const Split split = make_split(*data, 0, 48, 0, 1);
  train_supernet(space, *data, split, tiny(2), dir / "s.pt");
  SupernetEvaluatorOptions eo;
  eo.bn_batches = 2;
  eo.batch_size = 32;
  SupernetEvaluator ev(space, dir / "s.pt", data, split, eo);
  CATCH_CHECK(ev.info().classes == 2);

  // Node 1 is zero (edge 0->1 is none), so by NB201's identity the ops reading it do not matter:
  // g has 24 canonical duplicates.
  const Genome g = cell("|none~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|avg_pool_3x3~0|skip_connect~1|nor_conv_3x3~2|");
  // Every other cell of g's canonical class: duplicates the evaluator must answer from its cache.
  Rng rng(1);
  const auto h = space.canonical_hash(g);
  std::vector<Genome> same_class;
  for (int code = 0; code < nb201::kNumCells; ++code) {
    const Genome c = nb201::Space::to_genome(nb201::Cell::from_code(code));
    if (c != g && space.canonical_hash(c) == h) same_class.push_back(c);
  }
  CATCH_CHECK(same_class.size() >= 24);
  const auto before = ev.path_bn_statistics(g);
  const Evaluation e1 = ev.evaluate(g);
  const auto after = ev.path_bn_statistics(g);
  CATCH_CHECK(e1.signal >= 0);
  CATCH_CHECK(e1.signal <= 100);
  CATCH_CHECK(e1.reported == e1.signal);
  CATCH_CHECK(e1.parameters > 0);
  CATCH_CHECK(before != after);  // recalibration replaced the supernet's mixed statistics
  CATCH_CHECK(ev.evaluations() == 1);
  const Evaluation e2 = ev.evaluate(g);
  CATCH_CHECK(e2.signal == e1.signal);
  CATCH_CHECK(e2.cost_seconds == 0);
  for (const auto& c : same_class) CATCH_CHECK(ev.evaluate(c).signal == e1.signal);
  CATCH_CHECK(ev.queries() == 2 + same_class.size());
  CATCH_CHECK(ev.evaluations() == 1);

  // Another evaluator, other cells first: the same accuracy for g (no order dependence).
  SupernetEvaluator ev2(space, dir / "s.pt", data, split, eo);
  for (int i = 0; i < 3;) {
    const Genome r = space.sample(rng);
    if (space.canonical_hash(r) == h) continue;  // not a cache hit for g below
    (void)ev2.evaluate(r);
    ++i;
  }
  CATCH_CHECK(ev2.evaluations() == 3);
  CATCH_CHECK(ev2.evaluate(g).signal == e1.signal);
  CATCH_CHECK(ev2.path_bn_statistics(g) == after);

  // Without recalibration the stored statistics stay.
  eo.bn_batches = 0;
  SupernetEvaluator ev0(space, dir / "s.pt", data, split, eo);
  (void)ev0.evaluate(g);
  CATCH_CHECK(ev0.path_bn_statistics(g) == before);

  // The loss: known once a cell of the class is measured; with metric "loss" it is the signal
  // (negated) and the accuracy stays the reported value.
  eo.bn_batches = 2;
  eo.metric = "loss";
  SupernetEvaluator evl(space, dir / "s.pt", data, split, eo);
  CATCH_CHECK_FALSE(evl.validation_loss(g).has_value());
  const Evaluation el = evl.evaluate(g);
  CATCH_REQUIRE(evl.validation_loss(g).has_value());
  CATCH_CHECK(evl.validation_loss(same_class.front()) == evl.validation_loss(g));  // the class's
  CATCH_CHECK(*evl.validation_loss(g) > 0);
  CATCH_CHECK(el.signal == -*evl.validation_loss(g));
  CATCH_CHECK(el.reported == e1.reported);
  CATCH_CHECK(ev.validation_loss(g) == evl.validation_loss(g));  // measured the same way under either metric
  eo.metric = "top5";
  CATCH_CHECK(thrown_message<OptionError>([&] { eo.validate(); }).find("--supernet-metric top5") != std::string::npos);
}

CATCH_TEST_CASE("supernet: refusals (other space or data shape, corrupt or truncated files, bad options)", "[training][supernet]") {
  nb201::Space space;
  darts::Space darts_space;
  TempDir dir("refuse");
  const auto data = synthetic();
  const Split split = make_split(*data, 0, 32, 0, 1);
  const std::string file = dir / "s.pt";
  train_supernet(space, *data, split, tiny(1), file);

  // Another space.
  std::string msg = thrown_message<DataError>([&] { SupernetEvaluator(darts_space, file, data, split); });
  CATCH_CHECK(msg.find(file) != std::string::npos);
  CATCH_CHECK(msg.find("space is nb201; expected darts") != std::string::npos);
  // A space without a supernet.
  msg = thrown_message<OptionError>([&] { train_supernet(nb101::Space{}, *data, split, tiny(1), dir / "d.pt"); });
  CATCH_CHECK(msg.find("supernets are built for nb201 and darts") != std::string::npos);
  // Another split: its validation part may hold images the supernet trained on.
  msg = thrown_message<DataError>([&] { SupernetEvaluator(space, file, data, make_split(*data, 0, 32, 0, 2)); });
  CATCH_CHECK(msg.find(file) != std::string::npos);
  CATCH_CHECK(msg.find("trained with another held-out part (32 images)") != std::string::npos);
  CATCH_CHECK(read_supernet_info(file).valid_count == 32);
  // Another data shape: 3 channels, then 10 classes.
  const auto rgb = synthetic(64, 8, 3, 2);
  msg = thrown_message<DataError>([&] { SupernetEvaluator(space, file, rgb, make_split(*rgb, 0, 16, 0, 1)); });
  CATCH_CHECK(msg.find(file) != std::string::npos);
  CATCH_CHECK(msg.find("input_channels is 1; expected 3") != std::string::npos);
  const auto ten = synthetic(64, 8, 1, 10);
  msg = thrown_message<DataError>([&] { check_supernet(file, space, *ten); });
  CATCH_CHECK(msg.find("classes is 2; expected 10") != std::string::npos);
  CATCH_CHECK(check_supernet(file, space, *data).classes == 2);

  // Corrupt, truncated, missing, and a torch archive that is not a supernet.
  {
    std::ofstream(dir / "garbage.pt", std::ios::binary) << "this is not a torch archive at all";
  }
  msg = thrown_message<DataError>([&] { read_supernet_info(dir / "garbage.pt"); });
  CATCH_CHECK(msg.find("garbage.pt") != std::string::npos);
  {
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::size_t cut : {bytes.size() / 2, bytes.size() - 10, std::size_t{100}}) {
      std::ofstream(dir / "cut.pt", std::ios::binary | std::ios::trunc) << bytes.substr(0, cut);
      CATCH_CAPTURE(cut);
      msg = thrown_message<DataError>([&] { SupernetEvaluator(space, dir / "cut.pt", data, split); });
      CATCH_CHECK(msg.find("cut.pt") != std::string::npos);
    }
    // Flipped bytes in the middle (inside the weights' data).
    std::string flipped = bytes;
    for (std::size_t i = bytes.size() / 3; i < bytes.size() / 3 + 64; ++i) flipped[i] = static_cast<char>(~flipped[i]);
    std::ofstream(dir / "flip.pt", std::ios::binary | std::ios::trunc) << flipped;
    try {
      SupernetEvaluator ev(space, dir / "flip.pt", data, split);
      (void)ev.evaluate(cell("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"));
      CATCH_SUCCEED("flipped bytes inside tensor data can go unnoticed (the archive has no checksum check here)");
    } catch (const DataError& e) {
      CATCH_CHECK(std::string(e.what()).find("flip.pt") != std::string::npos);
    }
  }
  msg = thrown_message<DataError>([&] { read_supernet_info(dir / "missing.pt"); });
  CATCH_CHECK(msg.find("missing.pt") != std::string::npos);
  export_path_weights(space, file, all_ops_cells()[1], dir / "w.pt");
  msg = thrown_message<DataError>([&] { read_supernet_info(dir / "w.pt"); });
  CATCH_CHECK(msg.find("not a supernet file") != std::string::npos);
  // A corrupt checkpoint is refused, not trained over.
  CATCH_CHECK_THROWS_AS(train_supernet(space, *data, split, tiny(1), dir / "o.pt", dir / "garbage.pt"), DataError);

  // Bad options, each naming its field.
  auto bad = [&](auto change, const std::string& field) {
    SupernetOptions o = tiny(1);
    change(o);
    const std::string m = thrown_message<OptionError>([&] { o.validate(); });
    CATCH_CAPTURE(m);
    CATCH_CHECK(m.find(field) != std::string::npos);
  };
  bad([](SupernetOptions& o) { o.method = "darts-v1", o.sampling = "canonical"; }, "--sampling canonical: applies to spos only");
  bad([](SupernetOptions& o) { o.method = "rsps", o.sampling = "fair"; }, "--sampling fair: applies to spos only");
  bad([](SupernetOptions& o) { o.method = "gdas", o.tau_min = 0; }, "--tau-min 0");
  bad([](SupernetOptions& o) { o.method = "gdas", o.tau_max = 0.05; }, "--tau-max 0.05");
  bad([](SupernetOptions& o) { o.arch_learning_rate = 0; }, "--arch-lr 0");
  bad([](SupernetOptions& o) { o.method = "foo"; }, "--method foo");
  bad([](SupernetOptions& o) { o.sampling = "greedy"; }, "--sampling greedy");
  bad([](SupernetOptions& o) { o.epochs = 0; }, "--epochs 0");
  bad([](SupernetOptions& o) { o.batch_size = 1; }, "--batch 1");
  bad([](SupernetOptions& o) { o.learning_rate = -1; }, "--lr -1");
  bad([](SupernetOptions& o) { o.momentum = 1; }, "--momentum 1");
  bad([](SupernetOptions& o) { o.weight_decay = -1; }, "--weight-decay");
  bad([](SupernetOptions& o) { o.device = "tpu"; }, "--device tpu");
  bad([](SupernetOptions& o) { o.network.channels = 0; }, "--channels 0");
  SupernetEvaluatorOptions eo;
  eo.bn_batches = -1;
  CATCH_CHECK(thrown_message<OptionError>([&] { eo.validate(); }).find("--bn-batches -1") != std::string::npos);
  eo = {};
  Split no_valid = split;
  no_valid.valid.clear();
  CATCH_CHECK_THROWS_AS(SupernetEvaluator(space, file, data, no_valid, eo), OptionError);
}

CATCH_TEST_CASE("supernet on real Fashion-MNIST images: trains, records the data shape, evaluates with inherited weights", "[training][supernet]") {
  CATCH_INFO("needs Debian's dataset-fashion-mnist (scripts/setup.sh installs it)");
  nb201::Space space;
  TempDir dir("fmnist");
  const auto data = std::make_shared<const ImageData>(load_fashion_mnist());
  const Split split = make_split(*data, 192, 64, 0, 3);
  std::vector<SupernetEpochLog> logs;
  auto o = tiny(2);
  o.sampling = "canonical";
  const auto r = train_supernet(space, *data, split, o, dir / "f.pt", dir / "f.ckpt", [&](const SupernetEpochLog& l) { logs.push_back(l); });
  CATCH_REQUIRE(logs.size() == 2);
  CATCH_CHECK(logs[1].train_loss < logs[0].train_loss + 0.5);  // sane, not diverging
  const SupernetInfo info = read_supernet_info(dir / "f.pt");
  CATCH_CHECK(info.data == "fashion-mnist");
  CATCH_CHECK(info.input_channels == 1);
  CATCH_CHECK(info.input_height == 28);
  CATCH_CHECK(info.input_width == 28);
  CATCH_CHECK(info.classes == 10);
  CATCH_CHECK(info.method == "spos");
  CATCH_CHECK(info.sampling == "canonical");
  CATCH_CHECK(info.epochs_done == 2);
  CATCH_CHECK(info.parameters == r.info.parameters);
  SupernetEvaluatorOptions eo;
  eo.bn_batches = 2;
  SupernetEvaluator ev(space, dir / "f.pt", data, split, eo);
  Rng rng(4);
  for (int i = 0; i < 3; ++i) {
    const Evaluation e = ev.evaluate(space.sample(rng));
    CATCH_CHECK(e.signal >= 0);
    CATCH_CHECK(e.signal <= 100);
    CATCH_CHECK(e.signal == e.reported);
  }
  // A rerun with the finished checkpoint trains nothing and writes the same supernet.
  const auto again = train_supernet(space, *data, split, o, dir / "g.pt", dir / "f.ckpt");
  CATCH_CHECK(again.curve.empty());
  CATCH_CHECK(again.resumed_from_epoch == 2);
}

CATCH_TEST_CASE("supernet: SPOS leaves the ops off a step's path untouched (no weight decay, no momentum step)", "[training][supernet]") {
  nb201::Space space;
  TempDir dir("spos");
  const auto data = synthetic(64);
  const Split split = make_split(*data, 0, 32, 0, 1);  // 32 training images: one step per epoch, one path
  for (std::uint64_t seed : {1, 2, 3, 4}) {
    CATCH_CAPTURE(seed);
    auto o = tiny(2);
    o.seed = seed;
    o.batch_size = 32;
    o.weight_decay = 0.01;  // would move any op that has a (zero) gradient
    fs::remove(dir / "s.ckpt");
    // Epoch 1's state: its checkpoint, copied when the callback runs (after it is written), in
    // the same run (a resumed run would start step 2 without gradients anyway).
    train_supernet(space, *data, split, o, dir / "s.pt", dir / "s.ckpt", [&](const SupernetEpochLog& l) {
      if (l.epoch == 1) fs::copy_file(dir / "s.ckpt", dir / "e1.pt", fs::copy_options::overwrite_existing);
    });
    const NetworkOptions no = read_supernet_info(dir / "s.pt").network();
    std::map<std::string, int> changed_ops;  // "cells_K.edgeE_IJ" -> parameterised ops that moved in step 2
    bool skeleton_changed = false;
    for (const auto& g : {all_ops_cells()[1], all_ops_cells()[2]}) {  // all nor_conv_1x1, all nor_conv_3x3
      export_path_weights(space, dir / "e1.pt", g, dir / "w1.pt");
      export_path_weights(space, dir / "s.pt", g, dir / "w2.pt");
      auto a = standalone(space, g, no, dir / "w1.pt"), b = standalone(space, g, no, dir / "w2.pt");
      const auto pb = b->named_parameters(true);
      std::map<std::string, bool> op_changed;
      for (const auto& p : a->named_parameters(true)) {
        const auto& name = p.key();
        const bool moved = !torch::equal(p.value(), pb[name]);
        const auto edge = name.find(".edge");
        if (edge == std::string::npos) skeleton_changed = skeleton_changed || moved;
        else op_changed[name.substr(0, name.find('.', edge + 1))] |= moved;
      }
      for (const auto& [k, moved] : op_changed) changed_ops[k] += moved ? 1 : 0;
    }
    CATCH_CHECK(skeleton_changed);
    CATCH_REQUIRE(changed_ops.size() == 18);  // 3 cells x 6 edges
    for (const auto& [k, n] : changed_ops) {
      CATCH_CAPTURE(k);
      CATCH_CHECK(n <= 1);  // only the op that step 2's path chose
    }
  }
}

CATCH_TEST_CASE("supernet on the DARTS space: DARTS-V1 learns 28 x 8 weights and derives DARTS' genotype, reproducible and resumable", "[training][supernet]") {
  darts::Space space;
  TempDir dir("darts_space");
  const auto data = synthetic();
  const Split split = make_split(*data, 0, 32, 0, 1);
  auto o = tiny(3);
  o.network.layers = 3;  // reduction cells 1 and 2
  o.method = "darts-v1";
  std::vector<SupernetEpochLog> logs;
  const auto a = train_supernet(space, *data, split, o, dir / "a.pt", "", [&](const SupernetEpochLog& l) { logs.push_back(l); });
  CATCH_REQUIRE(a.arch_weights.size() == 28u * 8u);
  CATCH_CHECK(a.info.space == "darts");
  CATCH_CHECK(a.info.cells == 3);
  CATCH_CHECK(a.info.network().layers == 3);
  CATCH_CHECK(logs.front().arch_weights != logs.back().arch_weights);  // alpha learns
  CATCH_REQUIRE(space.valid(a.derived));
  // DARTS' derivation recomputed from the final weights: per node, the two inputs whose best op
  // other than none weighs most, each with that op.
  const darts::Genotype gt = darts::Space::to_genotype(a.derived);
  for (int t = 0; t < 2; ++t) {
    const auto& cell = t == 0 ? gt.normal : gt.reduce;
    for (int n = 0; n < darts::kNumNodes; ++n) {
      std::vector<std::pair<double, int>> strength;
      std::vector<int> best_op;
      for (int i = 0; i < n + 2; ++i) {
        const auto row = a.arch_weights.begin() + (t * 14 + n * (n + 3) / 2 + i) * 8;
        const auto best = std::max_element(row + 1, row + 8);
        strength.emplace_back(*best, i);
        best_op.push_back(static_cast<int>(best - row) - 1);
      }
      std::stable_sort(strength.begin(), strength.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
      for (int k = 0; k < 2; ++k) {
        CATCH_CAPTURE(t, n, k);
        const auto& e = cell[static_cast<std::size_t>(2 * n + k)];
        CATCH_CHECK(e.input == strength[static_cast<std::size_t>(k)].second);
        CATCH_CHECK(static_cast<int>(e.op) == best_op[e.input]);
      }
    }
  }
  // Reproducible, and a run ended after epoch 2's checkpoint resumes bit for bit.
  const auto b = train_supernet(space, *data, split, o, dir / "b.pt");
  CATCH_CHECK(a.arch_weights == b.arch_weights);
  CATCH_CHECK(a.derived == b.derived);
  CATCH_CHECK_THROWS(train_supernet(space, *data, split, o, dir / "c.pt", dir / "c.ckpt", [](const SupernetEpochLog& l) {
    if (l.epoch == 2) throw std::runtime_error("stop");
  }));
  const auto c = train_supernet(space, *data, split, o, dir / "c.pt", dir / "c.ckpt");
  CATCH_CHECK(c.resumed_from_epoch == 2);
  CATCH_CHECK(c.arch_weights == a.arch_weights);
  std::vector<float> xs(5 * 64);
  Rng rng(9);
  for (auto& v : xs) v = static_cast<float>(rng.uniform() - 0.5);
  for (int i = 0; i < 3; ++i) {
    const Genome g = space.sample(rng);
    CATCH_CHECK(supernet_path_logits(space, dir / "a.pt", g, xs, 5) == supernet_path_logits(space, dir / "c.pt", g, xs, 5));
  }
  // GDAS and DARTS-V2 run on it too.
  for (const char* method : {"gdas", "darts-v2"}) {
    auto m = tiny(1);
    m.network.layers = 3;
    m.method = method;
    CATCH_CHECK(space.valid(train_supernet(space, *data, split, m, dir / "m.pt").derived));
  }
  // Paths are drawn uniformly only; an NB201 search refuses the file.
  auto bad = tiny(1);
  bad.network.layers = 3;
  bad.sampling = "canonical";
  CATCH_CHECK_THROWS_AS(train_supernet(space, *data, split, bad, dir / "x.pt"), OptionError);
  CATCH_CHECK_THROWS_AS(SupernetEvaluator(nb201::Space{}, dir / "a.pt", data, split), DataError);
}

CATCH_TEST_CASE("supernet on the DARTS space: SPOS paths, each evaluated with exactly its own parameters, duplicates once", "[training][supernet]") {
  darts::Space space;
  TempDir dir("darts_spos");
  const auto data = synthetic();
  const Split split = make_split(*data, 0, 48, 0, 1);
  auto o = tiny(2);
  o.network.layers = 3;
  const auto r = train_supernet(space, *data, split, o, dir / "s.pt");
  CATCH_CHECK(r.derived.size() == 0);
  SupernetEvaluatorOptions eo;
  eo.bn_batches = 2;
  eo.batch_size = 32;
  SupernetEvaluator ev(space, dir / "s.pt", data, split, eo);
  Rng rng(4);
  for (int i = 0; i < 4; ++i) {
    const Genome g = space.sample(rng);
    CATCH_CAPTURE(space.format(g));
    const auto before = ev.path_bn_statistics(g);
    const Evaluation e = ev.evaluate(g);
    CATCH_CHECK((e.signal >= 0 && e.signal <= 100));
    CATCH_CHECK(ev.path_bn_statistics(g) != before);  // recalibrated
    // The path's parameters: the stand-alone network's with DARTS' search-cell BN (no scale and
    // shift in the ops and, unlike the stand-alone cell, in the two preprocessing layers: 2 x 2c
    // per cell of c channels: 4, 8 and 16 here).
    NetworkOptions n = ev.info().network();
    n.affine_ops = false;
    CATCH_CHECK(e.parameters == summarize_network(space, g, n).parameters - 4 * (4 + 8 + 16));
    // The same genotype with each node's inputs in the other order is a duplicate.
    darts::Genotype gt = darts::Space::to_genotype(g);
    for (int k = 0; k < darts::kNumNodes; ++k) std::swap(gt.normal[static_cast<std::size_t>(2 * k)], gt.normal[static_cast<std::size_t>(2 * k + 1)]);
    const auto evaluated = ev.evaluations();
    CATCH_CHECK(ev.evaluate(darts::Space::to_genome(gt)).signal == e.signal);
    CATCH_CHECK(ev.evaluations() == evaluated);
  }
  // Deterministic: a second evaluator agrees.
  SupernetEvaluator ev2(space, dir / "s.pt", data, split, eo);
  Rng again(4);
  const Genome g0 = space.sample(again);
  CATCH_CHECK(ev2.evaluate(g0).signal == SupernetEvaluator(space, dir / "s.pt", data, split, eo).evaluate(g0).signal);
}

namespace {
/// The parameters of `net` whose name contains `part`, all equal to `other`'s.
bool same_parameters(nas::training::detail::GenomeNetImpl& net, nas::training::detail::GenomeNetImpl& other, const std::string& part) {
  const auto po = other.named_parameters(true);
  std::size_t n = 0;
  for (const auto& p : net.named_parameters(true))
    if (p.key().find(part) != std::string::npos) {
      ++n;
      if (!torch::equal(p.value(), po[p.key()])) return false;
    }
  return n > 0;
}
}  // namespace

CATCH_TEST_CASE("few-shot supernets: one op fixed on an edge, started from the one-shot weights, cells routed by their op", "[training][supernet]") {
  nb201::Space space;
  TempDir dir("fewshot");
  const auto data = synthetic();
  const Split split = make_split(*data, 0, 48, 0, 1);
  train_supernet(space, *data, split, tiny(2), dir / "one.pt");
  std::vector<std::string> files;
  for (int k = nb201::kNumOps - 1; k >= 0; --k) {  // any order
    auto o = tiny(1);
    o.fix_edge = 5, o.fix_op = k, o.init_from = dir / "one.pt", o.seed = 10 + static_cast<std::uint64_t>(k);
    const auto r = train_supernet(space, *data, split, o, dir / ("op" + std::to_string(k) + ".pt"));
    CATCH_CHECK(r.info.fix_edge == 5);
    CATCH_CHECK(read_supernet_info(dir / ("op" + std::to_string(k) + ".pt")).fix_op == k);
    files.push_back(dir / ("op" + std::to_string(k) + ".pt"));
  }
  // Sub-supernet 3 (nor_conv_3x3 fixed on edge 5) trained that op there and no other op of edge 5:
  // their weights are still the one-shot supernet's.
  const NetworkOptions no = read_supernet_info(dir / "one.pt").network();
  const Genome conv3 = cell("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|skip_connect~1|nor_conv_3x3~2|");
  const Genome conv1 = cell("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|skip_connect~1|nor_conv_1x1~2|");
  export_path_weights(space, dir / "one.pt", conv1, dir / "w_one.pt");
  export_path_weights(space, dir / "op3.pt", conv1, dir / "w_op3.pt");
  auto a = standalone(space, conv1, no, dir / "w_one.pt"), b = standalone(space, conv1, no, dir / "w_op3.pt");
  CATCH_CHECK(same_parameters(*a, *b, "edge5_23"));
  CATCH_CHECK_FALSE(same_parameters(*a, *b, "stem"));  // the rest did train
  export_path_weights(space, dir / "one.pt", conv3, dir / "w_one.pt");
  export_path_weights(space, dir / "op3.pt", conv3, dir / "w_op3.pt");
  a = standalone(space, conv3, no, dir / "w_one.pt"), b = standalone(space, conv3, no, dir / "w_op3.pt");
  CATCH_CHECK_FALSE(same_parameters(*a, *b, "edge5_23"));
  // A sub-supernet measures only cells with its op.
  SupernetEvaluatorOptions eo;
  eo.bn_batches = 2, eo.batch_size = 32;
  SupernetEvaluator only3(space, dir / "op3.pt", data, split, eo);
  CATCH_CHECK_THROWS_AS(only3.evaluate(conv1), OptionError);
  // The set routes each cell (as its class's first cell in code order) to the sub-supernet of its
  // op; the order of queries does not matter.
  FewShotEvaluator fs(space, files, data, split, eo);
  CATCH_CHECK(fs.edge() == 5);
  std::vector<Genome> cells;
  Rng rng(6);
  for (int i = 0; i < 12; ++i) cells.push_back(space.sample(rng));
  std::vector<double> forward, backward(cells.size());
  for (const auto& g : cells) forward.push_back(fs.evaluate(g).signal);
  FewShotEvaluator fs2(space, files, data, split, eo);
  for (std::size_t i = cells.size(); i-- > 0;) backward[i] = fs2.evaluate(cells[i]).signal;
  CATCH_CHECK(forward == backward);
  const auto first_of_class = [&](const Genome& g) {
    for (int code = 0; code < nb201::kNumCells; ++code) {
      const Genome c = nb201::Space::to_genome(nb201::Cell::from_code(code));
      if (space.canonical_hash(c) == space.canonical_hash(g)) return c;
    }
    return g;
  };
  for (std::size_t i = 0; i < 4; ++i) {
    const Genome r = first_of_class(cells[i]);
    SupernetEvaluator sub(space, dir / ("op" + std::to_string(r[5]) + ".pt"), data, split, eo);
    CATCH_CHECK(sub.evaluate(r).signal == forward[i]);
  }
  // Refusals: not a set of one edge, one file per op.
  std::vector<std::string> four(files.begin(), files.begin() + 4);
  CATCH_CHECK(thrown_message<DataError>([&] { check_few_shot_set(four); }).find("one per op is needed") != std::string::npos);
  auto with_one = four;
  with_one.push_back(dir / "one.pt");
  CATCH_CHECK(thrown_message<DataError>([&] { check_few_shot_set(with_one); }).find("a one-shot supernet") != std::string::npos);
  auto twice = four;
  twice.push_back(files[0]);
  CATCH_CHECK(thrown_message<DataError>([&] { check_few_shot_set(twice); }).find("a second sub-supernet") != std::string::npos);
  auto bad = tiny(1);
  bad.fix_edge = 2;
  CATCH_CHECK_THROWS_AS(bad.validate(), OptionError);  // no op
  bad.fix_op = 1;
  bad.method = "gdas";
  CATCH_CHECK_THROWS_AS(bad.validate(), OptionError);
  bad.method = "spos";
  bad.fix_edge = 6;
  CATCH_CHECK_THROWS_AS(train_supernet(space, *data, split, bad, dir / "x.pt"), OptionError);
  bad.fix_edge = 2;
  bad.init_from = dir / "missing.pt";
  CATCH_CHECK_THROWS_AS(train_supernet(space, *data, split, bad, dir / "x.pt"), DataError);
}
