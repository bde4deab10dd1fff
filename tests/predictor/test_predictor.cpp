// Predictor tests through the torch-free API only (no torch header here: glog's CHECK would
// clash with Catch2's). Fixed seeds; stochastic checks have explicit tolerances.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <numeric>

#include "nas/datasets/benchmark.hpp"
#include "nas/engine/metrics.hpp"
#include "nas/core/errors.hpp"
#include "nas/mutation/nb201.hpp"
#include "nas/predictor/encoding.hpp"
#include "nas/predictor/explain.hpp"
#include "nas/predictor/factory.hpp"

using namespace nas;
using predictor::PredictorOptions;

namespace {

const nb201::Space& space() {
  static const nb201::Space s;
  return s;
}

Genome cell(const char* text) { return space().parse(text); }

// 50 cells of the real table spread over it (from every 311th row on, skipping a cell whose
// canonical class is already in: graph models see isomorphic cells as the same input, and the
// table gives them slightly different accuracies, which no model can rank), CIFAR-10 200-epoch test.
struct Sample {
  std::vector<Genome> archs;
  std::vector<double> y;
};
const Sample& sample50() {
  static const Sample s = [] {
    const auto t = datasets::nb201::load(space(), NAS_TEST_DATA_DIR "/nasbench201/nb201.csv");
    const auto col = t->column("cifar10_test_200ep");
    Sample r;
    std::vector<ArchitectureHash> seen;
    for (std::size_t row = 0; r.archs.size() < 50; row = (row + 311) % t->rows()) {
      const auto h = space().canonical_hash(t->genome(row));
      if (std::find(seen.begin(), seen.end(), h) != seen.end()) continue;
      seen.push_back(h);
      r.archs.push_back(t->genome(row));
      r.y.push_back(t->value(row, col));
    }
    return r;
  }();
  return s;
}

PredictorOptions quick(const std::string& kind) {
  PredictorOptions o;
  o.kind = kind;
  o.device = "cpu";
  o.torch_threads = 1;
  o.seed = 7;
  if (kind == "tart") { o.tart_layers = 3; o.tart_learning_rate = 2e-3; }  // shorter test; converges in 300 epochs
  return o;
}

}  // namespace

TEST_CASE("graph batches: one-hot ops, adjacency, masks and zero padding") {
  const std::vector<Genome> archs{
      cell("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"),  // everything pruned: input, output
      cell("|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|skip_connect~1|nor_conv_3x3~2|"),  // 8 nodes
  };
  const auto b = predictor::encode_graphs(space(), archs, 8);
  REQUIRE(b.batch == 2);
  REQUIRE(b.nodes == 8);
  REQUIRE(b.features == static_cast<int>(space().graph_op_names().size()));
  REQUIRE(b.x.size() == 2u * 8 * 6);
  REQUIRE(b.adj.size() == 2u * 8 * 8);
  REQUIRE(b.node_mask.size() == 2u * 8);
  for (int i = 0; i < 2; ++i) {
    const auto g = space().graph_view(archs[static_cast<std::size_t>(i)]);
    for (int v = 0; v < 8; ++v) {
      float row = 0;
      for (int f = 0; f < 6; ++f) row += b.x[static_cast<std::size_t>((i * 8 + v) * 6 + f)];
      const float m = b.node_mask[static_cast<std::size_t>(i * 8 + v)];
      CHECK(row == m);
      CHECK(m == (v < g.num_nodes ? 1.0f : 0.0f));
      if (v < g.num_nodes) CHECK(b.x[static_cast<std::size_t>((i * 8 + v) * 6 + g.ops[static_cast<std::size_t>(v)])] == 1.0f);
      for (int w = 0; w < 8; ++w) {
        const float a = b.adj[static_cast<std::size_t>((i * 8 + v) * 8 + w)];
        CHECK(a == ((v < g.num_nodes && w < g.num_nodes && g.edge(v, w)) ? 1.0f : 0.0f));
      }
    }
  }
  CHECK(std::accumulate(b.node_mask.begin(), b.node_mask.begin() + 8, 0.0f) == 2.0f);
  CHECK(std::accumulate(b.node_mask.begin() + 8, b.node_mask.end(), 0.0f) == 8.0f);
  CHECK_THROWS_AS(predictor::encode_graphs(space(), archs, 4), std::invalid_argument);
}

TEST_CASE("flat encodings stack the space's one-hot rows") {
  const std::vector<Genome> archs{space().at(0), space().at(15624)};
  const auto f = predictor::encode_flat(space(), archs);
  REQUIRE(f.size() == 2 * space().flat_encoding_size());
  CHECK(std::accumulate(f.begin(), f.begin() + 30, 0.0f) == 6.0f);
  CHECK(std::accumulate(f.begin() + 30, f.end(), 0.0f) == 6.0f);
}

TEST_CASE("LAP tokens of a 3-node path, checked by hand (eigenvectors up to sign)") {
  // 0 -> 1 -> 2. Undirected degrees 1,2,1; normalised Laplacian eigenvalues 0, 1, 2 with
  // eigenvectors (1,sqrt2,1)/2, (1,0,-1)/sqrt2, (1,-sqrt2,1)/2. d_p = 3 > n-1 = 2: third column 0.
  GraphView g;
  g.num_nodes = 3;
  g.ops = {0, 4, 1};
  g.adj = {0, 1, 0, 0, 0, 1, 0, 0, 0};
  const auto t = predictor::lap_tokens(g, 3, false, 6);
  REQUIRE(t.rows == 5);
  REQUIRE(t.cols == 1 + 2 * 3 + 4);
  REQUIRE(t.cols == predictor::lap_token_width(3, false, 6));
  const double r2 = std::sqrt(2.0);
  const double e1[3] = {1 / r2, 0, -1 / r2}, e2[3] = {0.5, -r2 / 2, 0.5};
  // Sign of each column fixed from node 0 (nonzero there for both).
  const double s1 = t(0, 1) > 0 ? 1 : -1, s2 = t(0, 2) > 0 ? 1 : -1;
  for (int v = 0; v < 3; ++v) {
    CHECK(t(v, 0) == static_cast<float>(g.ops[static_cast<std::size_t>(v)]));
    CHECK(t(v, 1) == Approx(s1 * e1[v]).margin(1e-5));
    CHECK(t(v, 2) == Approx(s2 * e2[v]).margin(1e-5));
    CHECK(t(v, 3) == 0.0f);
    for (int k = 0; k < 3; ++k) CHECK(t(v, 4 + k) == t(v, 1 + k));  // P_v twice
    CHECK(t(v, 7) == 1.0f);
    CHECK(t(v, 8) == 0.0f);
    CHECK(t(v, 9) == -1.0f);
    CHECK(t(v, 10) == -1.0f);
  }
  const int from[2] = {0, 1}, to[2] = {1, 2};
  for (int k = 0; k < 2; ++k) {
    const int r = 3 + k;
    CHECK(t(r, 0) == 1.0f);
    for (int c = 0; c < 3; ++c) {
      CHECK(t(r, 1 + c) == t(from[k], 1 + c));  // P_u
      CHECK(t(r, 4 + c) == t(to[k], 1 + c));    // P_v
    }
    CHECK(t(r, 7) == 0.0f);
    CHECK(t(r, 8) == 1.0f);
    CHECK(t(r, 9) == static_cast<float>(from[k]));
    CHECK(t(r, 10) == static_cast<float>(to[k]));
  }
  // One-hot node features: d_f = number of ops.
  const auto h = predictor::lap_tokens(g, 3, true, 6);
  REQUIRE(h.cols == 6 + 6 + 4);
  CHECK(h(1, 4) == 1.0f);
  CHECK(h(1, 0) == 0.0f);
  CHECK(h(3, 0) == 1.0f);  // edge token: A_uv in the first slot
}

TEST_CASE("token cache: one entry per canonical class, padding marks") {
  predictor::TokenCache cache(3, false);
  // Two cells that NB201 considers the same network (a none edge into a dead node).
  const Genome a = cell("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|");
  const Genome b = cell("|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|none~1|none~2|");
  const Genome c = cell("|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|skip_connect~1|nor_conv_3x3~2|");
  REQUIRE(space().canonical_hash(a) == space().canonical_hash(b));
  const std::vector<Genome> archs{a, b, c};
  const auto seqs = cache.get(space(), archs);
  CHECK(cache.size() == 2);
  CHECK(seqs[0].get() == seqs[1].get());
  const auto again = cache.get(space(), archs);
  CHECK(again[2].get() == seqs[2].get());
  const auto gc = space().graph_view(c);
  CHECK(seqs[2]->rows == gc.num_nodes + gc.num_edges());
  const auto p = predictor::pad_tokens(seqs);
  REQUIRE(p.batch == 3);
  REQUIRE(p.tokens == std::max(seqs[0]->rows, seqs[2]->rows));
  REQUIRE(p.width == 11);
  REQUIRE(p.data.size() == static_cast<std::size_t>(3 * p.tokens * p.width));
  for (int i = 0; i < 3; ++i)
    for (int t = 0; t < p.tokens; ++t) {
      const bool real = t < seqs[static_cast<std::size_t>(i)]->rows;
      CHECK(p.pad[static_cast<std::size_t>(i * p.tokens + t)] == (real ? 0 : 1));
      if (!real)
        for (int w = 0; w < p.width; ++w) CHECK(p.data[static_cast<std::size_t>((i * p.tokens + t) * p.width + w)] == 0.0f);
    }
}

TEST_CASE("options: validate() names the bad field") {
  PredictorOptions o;
  CHECK_NOTHROW(o.validate());
  auto fails_on = [](PredictorOptions p, const char* field) {
    try {
      p.validate();
      FAIL("no exception for " << field);
    } catch (const OptionError& e) {
      CHECK(std::string(e.what()).find(field) != std::string::npos);
    }
  };
  { auto p = o; p.kind = "xgb"; fails_on(p, "kind"); }
  { auto p = o; p.device = "tpu"; fails_on(p, "device"); }
  { auto p = o; p.epochs = 0; fails_on(p, "epochs"); }
  { auto p = o; p.learning_rate = -1; fails_on(p, "learning_rate"); }
  { auto p = o; p.ranking_loss = "listnet"; fails_on(p, "ranking_loss"); }
  { auto p = o; p.lambda_r = -0.5; fails_on(p, "lambda_r"); }
  { auto p = o; p.tart_heads = 3; fails_on(p, "tart_heads"); }
  { auto p = o; p.gcn_mode = "gat"; fails_on(p, "gcn_mode"); }
  CHECK_THROWS_AS(predictor::make_surrogate(space(), [] { PredictorOptions p; p.batch_size = 1; return p; }()), OptionError);
}

TEST_CASE("every predictor overfits 50 real NB201 cells (tau > 0.9 on them)") {
  const auto& s = sample50();
  for (const char* kind : {"carl", "gcn", "mlp", "tart"}) {
    DYNAMIC_SECTION(kind) {
      auto m = predictor::make_surrogate(space(), quick(kind));
      CHECK(m->name() == kind);
      CHECK(m->device() == "cpu");
      CHECK_THROWS_AS(m->score(s.archs), std::logic_error);
      FitOptions f;
      f.epochs = 300;
      const auto st = m->fit(s.archs, s.y, f);
      CHECK(st.cells == 50);
      CHECK(st.epochs == 300);
      CHECK(m->last_training().epochs == 300);
      const auto p = m->score(s.archs);
      REQUIRE(p.size() == 50);
      const double tau = kendall_tau(p, s.y);
      std::printf("overfit %s: tau %.3f, %.2f s, loss %.4f\n", kind, tau, st.seconds, st.final_loss);
      CHECK(tau > 0.9);
    }
  }
}

TEST_CASE("fit is deterministic for a seed, clone and save/load give identical scores") {
  const auto& s = sample50();
  for (const char* kind : {"carl", "tart"}) {
    DYNAMIC_SECTION(kind) {
      FitOptions f;
      f.epochs = 10;
      f.seed = 3;
      auto a = predictor::make_surrogate(space(), quick(kind));
      auto b = predictor::make_surrogate(space(), quick(kind));
      a->fit(s.archs, s.y, f);
      b->fit(s.archs, s.y, f);
      const auto pa = a->score(s.archs);
      CHECK(pa == b->score(s.archs));
      f.seed = 4;
      b->fit(s.archs, s.y, f);
      CHECK(pa != b->score(s.archs));

      auto c = a->clone();
      CHECK(c->score(s.archs) == pa);
      CHECK(c->last_training().epochs == 10);
      // The clone is independent, and carries the optimiser state (a warm step gives the same result).
      FitOptions warm;
      warm.epochs = 2;
      warm.warm_start = true;
      auto d = a->clone();
      c->fit(s.archs, s.y, warm);
      CHECK(a->score(s.archs) == pa);
      d->fit(s.archs, s.y, warm);
      CHECK(c->score(s.archs) == d->score(s.archs));

      const auto path = (std::filesystem::temp_directory_path() / (std::string("nas_pred_") + kind + ".pt")).string();
      a->save(path);
      auto e = predictor::make_surrogate(space(), quick(kind));
      e->load(path);
      CHECK(e->score(s.archs) == pa);
      std::filesystem::remove(path);
      CHECK_THROWS(e->load(path));
    }
  }
}

TEST_CASE("fit options: sample weights and argument checks") {
  const auto& s = sample50();
  auto m = predictor::make_surrogate(space(), quick("gcn"));
  FitOptions f;
  f.epochs = 3;
  f.sample_weights.assign(50, 1.0);
  f.sample_weights[0] = 5.0;
  CHECK_NOTHROW(m->fit(s.archs, s.y, f));
  f.sample_weights.resize(3);
  CHECK_THROWS_AS(m->fit(s.archs, s.y, f), std::invalid_argument);
  CHECK_THROWS_AS(m->fit(std::span(s.archs).first(10), s.y, FitOptions{}), std::invalid_argument);
  // A refused cold fit leaves the trained model as it was (the checks come before re-initialisation).
  const auto before = m->score(s.archs);
  for (double bad : {-1.0, std::nan(""), 0.0}) {
    FitOptions g;
    g.epochs = 3;
    g.sample_weights.assign(50, bad == 0.0 ? 0.0 : 1.0);
    if (bad != 0.0) g.sample_weights[7] = bad;
    CHECK_THROWS_AS(m->fit(s.archs, s.y, g), std::invalid_argument);
    FitOptions lr;
    lr.learning_rate_scale = bad;
    CHECK_THROWS_AS(m->fit(s.archs, s.y, lr), std::invalid_argument);
  }
  CHECK(m->score(s.archs) == before);
}

TEST_CASE("CARL's masks are not constant after training, explain() refuses other models") {
  const auto& s = sample50();
  auto m = predictor::make_surrogate(space(), quick("carl"));
  FitOptions f;
  f.epochs = 100;
  m->fit(s.archs, s.y, f);
  const auto ex = predictor::explain(*m, s.archs);
  REQUIRE(ex.size() == 50);
  float nlo = 1, nhi = 0, elo = 1, ehi = 0;
  for (std::size_t i = 0; i < ex.size(); ++i) {
    const auto g = space().graph_view(s.archs[i]);
    REQUIRE(ex[i].node_mask.size() == static_cast<std::size_t>(g.num_nodes));
    REQUIRE(ex[i].edges.size() == static_cast<std::size_t>(g.num_edges()));
    for (float a : ex[i].node_mask) { CHECK(a > 0.0f); CHECK(a < 1.0f); nlo = std::min(nlo, a); nhi = std::max(nhi, a); }
    for (const auto& e : ex[i].edges) { CHECK(g.edge(e.from, e.to)); elo = std::min(elo, e.mask); ehi = std::max(ehi, e.mask); }
  }
  std::printf("CARL masks after training: node [%.3f, %.3f], edge [%.3f, %.3f]\n", nlo, nhi, elo, ehi);
  CHECK(nhi - nlo > 0.05f);
  CHECK(ehi - elo > 0.05f);
  auto mlp = predictor::make_surrogate(space(), quick("mlp"));
  CHECK_THROWS_AS(predictor::explain(*mlp, s.archs), std::invalid_argument);
}

namespace {

// Per-cell features from a map (a stand-in for zero-cost scores); a cell it lacks gets NaN.
class MapScorer final : public CellScorer {
 public:
  MapScorer(std::vector<std::string> names, std::map<std::string, std::vector<double>> rows) : names_(std::move(names)), rows_(std::move(rows)) {}
  const std::vector<std::string>& names() const override { return names_; }
  std::vector<std::vector<double>> scores(std::span<const Genome> cells) override {
    std::vector<std::vector<double>> out;
    for (const auto& g : cells) {
      const auto it = rows_.find(space().format(g));
      out.push_back(it != rows_.end() ? it->second : std::vector<double>(names_.size(), std::nan("")));
    }
    return out;
  }

 private:
  std::vector<std::string> names_;
  std::map<std::string, std::vector<double>> rows_;
};

// The 50 sample cells with two features: the target itself (an ideal proxy, in its own units) and
// a constant (no information, and a zero spread the standardisation must survive).
std::shared_ptr<CellScorer> oracle_features() {
  std::map<std::string, std::vector<double>> rows;
  for (std::size_t i = 0; i < sample50().archs.size(); ++i) rows[space().format(sample50().archs[i])] = {1e6 * sample50().y[i], 3.0};
  return std::make_shared<MapScorer>(std::vector<std::string>{"oracle", "constant"}, std::move(rows));
}

}  // namespace

TEST_CASE("surrogate features: every kind uses an informative feature to rank cells it has not seen") {
  const auto& s = sample50();
  const std::span<const Genome> train(s.archs.data(), 20), test(s.archs.data() + 20, 30);
  const std::span<const double> y_train(s.y.data(), 20), y_test(s.y.data() + 20, 30);
  for (const char* kind : {"carl", "gcn", "mlp", "tart"}) {
    DYNAMIC_SECTION(kind) {
      FitOptions f;
      f.epochs = 60;
      auto plain = predictor::make_surrogate(space(), quick(kind));
      auto with = predictor::make_surrogate(space(), quick(kind), oracle_features());
      plain->fit(train, y_train, f);
      with->fit(train, y_train, f);
      const auto p = plain->score(test), q = with->score(test);
      const double tau_plain = kendall_tau(p, y_test), tau_with = kendall_tau(q, y_test);
      std::printf("features %s: held-out tau %.3f without, %.3f with the oracle feature\n", kind, tau_plain, tau_with);
      for (double v : q) CHECK(std::isfinite(v));
      // Measured: carl 0.586 -> 0.949, gcn 0.582 -> 0.940, tart 0.779 -> 0.954, mlp 0.255 -> 0.720.
      CHECK(tau_with > (kind == std::string("mlp") ? 0.6 : 0.9));
      CHECK(tau_with > tau_plain + 0.1);
    }
  }
}

TEST_CASE("surrogate features: clone and checkpoints carry the standardisation, a feature count mismatch is refused") {
  const auto& s = sample50();
  FitOptions f;
  f.epochs = 10;
  auto a = predictor::make_surrogate(space(), quick("carl"), oracle_features());
  a->fit(s.archs, s.y, f);
  const auto pa = a->score(s.archs);
  CHECK(a->clone()->score(s.archs) == pa);
  const auto path = (std::filesystem::temp_directory_path() / "nas_pred_features.pt").string();
  a->save(path);
  auto b = predictor::make_surrogate(space(), quick("carl"), oracle_features());
  b->load(path);
  CHECK(b->score(s.archs) == pa);
  auto none = predictor::make_surrogate(space(), quick("carl"));
  CHECK_THROWS_WITH(none->load(path), Catch::Contains("a surrogate with 2 feature input(s); this one has 0"));
  std::filesystem::remove(path);
  // A warm fit keeps the standardisation of the cold one: the same cells and seed give the same
  // scores as a clone warmed the same way.
  FitOptions warm = f;
  warm.warm_start = true;
  warm.epochs = 2;
  auto c = a->clone();
  a->fit(std::span(s.archs).first(10), std::span(s.y).first(10), warm);
  c->fit(std::span(s.archs).first(10), std::span(s.y).first(10), warm);
  CHECK(a->score(s.archs) == c->score(s.archs));
  // A cell the scorer has no value for (NaN) still gets a finite score.
  const auto unknown = cell("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|");
  CHECK(std::isfinite(a->score(std::span(&unknown, 1))[0]));
  // A scorer whose rows are not as wide as its names: refused with the widths.
  class Ragged final : public CellScorer {
   public:
    const std::vector<std::string>& names() const override { return names_; }
    std::vector<std::vector<double>> scores(std::span<const Genome> cells) override { return std::vector<std::vector<double>>(cells.size(), {1.0}); }
    std::vector<std::string> names_{"a", "b"};
  };
  auto r = predictor::make_surrogate(space(), quick("mlp"), std::make_shared<Ragged>());
  CHECK_THROWS_WITH(r->fit(s.archs, s.y, f), Catch::Contains("a row of 1 values, expected 2"));
}
