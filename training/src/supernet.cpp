// The NAS-Bench-201 supernet, its SPOS training and the inherited-weights evaluator (see supernet.hpp).
#include "nas/training/supernet.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <numbers>
#include <numeric>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nas/core/errors.hpp"
#include "nas/core/rng.hpp"
#include "nas/mutation/nb201.hpp"
#include "batches.hpp"
#include "networks.hpp"

namespace nas::training {
using detail::gather;
using detail::prepare;
using detail::to_device;

namespace {
namespace nn = torch::nn;
using torch::Tensor;
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

constexpr const char* kFormat = "nas-supernet";
constexpr std::int64_t kVersion = 2;  // 2: architecture parameters ("alpha")

// ---------------------------------------------------------------------------------------------
// The modules

/// The relaxed forward of DARTS and GDAS: when `weights` is defined ([edges x ops], one row per
/// edge of the space: NB201's 6, or DARTS' 14 of the normal then 14 of the reduction cell), every
/// edge computes sum_k weights[e][k] * op_k(input) over its ops (none contributes zero), or, where
/// only[e] >= 0, that one op times its weight (GDAS: a hard one-hot whose gradient reaches the
/// architecture parameters by the straight-through estimator; `only` empty: every op). Every node
/// is live.
struct Mix {
  Tensor weights;
  std::vector<int> only;
  bool skip(std::size_t row, int k) const { return !only.empty() && only[row] >= 0 && only[row] != k; }
};

/// A supernet of one space: its modules, how a path or the relaxation runs through them, which
/// parameter names a path owns, and the cell its architecture parameters derive.
/// Not thread-safe: forward sets the path, and train-mode passes change BN statistics.
class Model {
 public:
  Model() = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  virtual ~Model() = default;
  std::shared_ptr<nn::Module> net;
  /// DARTS / GDAS architecture parameters [edges x ops] (the space's op order, none first);
  /// zeros for SPOS and RSPS.
  Tensor alpha;
  /// The network of path `g` (a valid genome of the space).
  virtual Tensor forward(const Tensor& x, const Genome& g) = 0;
  /// The relaxed forward (see Mix); `weights` shaped as alpha.
  Tensor forward_mixed(const Tensor& x, const Tensor& weights, const std::vector<int>& only) {
    mix->weights = weights;
    mix->only = only;
    Tensor y = run(x);
    mix->weights = Tensor();
    return y;
  }
  /// Whether the module or parameter `name` is used by path `g`: the skeleton's, or a chosen op.
  virtual bool on_path(const std::string& name, const Genome& g) const = 0;
  /// The cell alpha derives (the space's published rule).
  virtual Genome derive() const = 0;

 protected:
  virtual Tensor run(const Tensor& x) = 0;
  std::shared_ptr<Mix> mix = std::make_shared<Mix>();
};

/// The number after `prefix` at the start of `part` ("edge12" -> 12), or -1.
int number_after(std::string_view part, std::string_view prefix) {
  if (part.substr(0, prefix.size()) != prefix || part.size() == prefix.size()) return -1;
  int v = 0;
  for (char ch : part.substr(prefix.size())) {
    if (ch < '0' || ch > '9') return -1;
    v = v * 10 + (ch - '0');
  }
  return v;
}

/// A dotted name's parts.
std::vector<std::string_view> name_parts(std::string_view name) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find('.', start), name.size());
    out.push_back(name.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// ---- NAS-Bench-201

/// One edge: every candidate op under its own name ("nor_conv_3x3", ...), so that a supernet
/// parameter's name is the stand-alone network's with the op's name inserted after the edge.
class SuperEdgeImpl final : public nn::Module {
 public:
  explicit SuperEdgeImpl(int channels) {
    for (int k = 1; k < nb201::kNumOps; ++k) {
      const auto op = static_cast<nb201::Op>(k);
      ops[static_cast<std::size_t>(k)] = register_module(std::string(nb201::op_name(op)), detail::make_nb201_op(op, channels));
    }
  }
  std::array<std::shared_ptr<detail::OpImpl>, nb201::kNumOps> ops;  // [none] stays null
};

/// A cell with every op on every edge; forward runs the ops of the current path only, exactly as
/// the stand-alone cell (networks.cpp) runs its own: edges ending in a live node, in edge order,
/// a node with only `none` inputs is zero. With mix weights set, the relaxed forward (Mix).
class SuperCellImpl final : public detail::OpImpl {
 public:
  SuperCellImpl(int channels, std::shared_ptr<const nb201::Cell> path, std::shared_ptr<const Mix> mix)
      : path_(std::move(path)), mix_(std::move(mix)) {
    for (int e = 0; e < nb201::kNumEdges; ++e)
      edges_[static_cast<std::size_t>(e)] =
          register_module(fmt::format("edge{}_{}{}", e, nb201::kEdgeFrom[e], nb201::kEdgeTo[e]), std::make_shared<SuperEdgeImpl>(channels));
  }
  Tensor forward(Tensor x) override {
    if (mix_->weights.defined()) return forward_mixed(x);
    const nb201::Cell& cell = *path_;
    const std::array<bool, 4> live = detail::nb201_live_nodes(cell);
    const auto* probe = detail::active_probe();
    const bool all_edges = probe && probe->all_edges;
    std::array<Tensor, 4> node{x, {}, {}, {}};
    for (std::size_t j = 1; j <= 3; ++j) {
      for (std::size_t e = 0; e < nb201::kNumEdges; ++e) {
        const auto op = cell.ops[e];
        if (static_cast<std::size_t>(nb201::kEdgeTo[e]) != j || op == nb201::Op::none || !(all_edges || live[j])) continue;
        Tensor t = edges_[e]->ops[static_cast<std::size_t>(op)]->forward(node[static_cast<std::size_t>(nb201::kEdgeFrom[e])]);
        node[j] = node[j].defined() ? node[j] + t : t;
      }
      if (!node[j].defined()) node[j] = torch::zeros_like(x);
    }
    return node[3];
  }

 private:
  Tensor forward_mixed(const Tensor& x) {
    const Mix& m = *mix_;
    std::array<Tensor, 4> node{x, {}, {}, {}};
    for (std::size_t j = 1; j <= 3; ++j) {
      for (std::size_t e = 0; e < nb201::kNumEdges; ++e) {
        if (static_cast<std::size_t>(nb201::kEdgeTo[e]) != j) continue;
        const Tensor& in = node[static_cast<std::size_t>(nb201::kEdgeFrom[e])];
        const Tensor w = m.weights[static_cast<std::int64_t>(e)];
        for (int k = 1; k < nb201::kNumOps; ++k) {
          if (m.skip(e, k)) continue;
          const Tensor t = edges_[e]->ops[static_cast<std::size_t>(k)]->forward(in) * w[k];
          node[j] = node[j].defined() ? node[j] + t : t;
        }
      }
      if (!node[j].defined()) node[j] = torch::zeros_like(x);
    }
    return node[3];
  }

  std::shared_ptr<const nb201::Cell> path_;
  std::shared_ptr<const Mix> mix_;
  std::array<std::shared_ptr<SuperEdgeImpl>, nb201::kNumEdges> edges_;
};

/// Whether the module or parameter named `name` belongs to `cell`'s path: the skeleton's, or the
/// chosen op of its edge ("cells_1.edge0_01.nor_conv_3x3.seq.1.weight").
bool nb201_on_path(const std::string& name, const nb201::Cell& cell) {
  const auto parts = name_parts(name);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].substr(0, 4) != "edge" || parts[i].size() < 5) continue;
    if (i + 1 >= parts.size()) return true;  // the edge container itself
    const int e = parts[i][4] - '0';
    return parts[i + 1] == nb201::op_name(cell.ops[static_cast<std::size_t>(e)]);
  }
  return true;
}

/// The NB201 supernet: the stand-alone skeleton (networks.cpp) around super-cells that all read
/// one shared path.
class Nb201Model final : public Model {
 public:
  Nb201Model(const NetworkOptions& o, std::uint64_t init_seed) {
    auto p = path_;
    auto m = mix;
    net = detail::build_nb201_skeleton(
        o, [p, m](int channels) -> std::shared_ptr<detail::OpImpl> { return std::make_shared<SuperCellImpl>(channels, p, m); }, init_seed);
    alpha = torch::zeros({nb201::kNumEdges, nb201::kNumOps});
  }
  Tensor forward(const Tensor& x, const Genome& g) override {
    *path_ = nb201::Space::to_cell(g);
    mix->weights = Tensor();
    return run(x);
  }
  bool on_path(const std::string& name, const Genome& g) const override { return nb201_on_path(name, nb201::Space::to_cell(g)); }
  /// NB201's derivation: each edge's op of largest architecture weight (none included).
  Genome derive() const override {
    const Tensor best = alpha.detach().to(torch::kCPU).argmax(-1);
    nb201::Cell cell;
    for (int e = 0; e < nb201::kNumEdges; ++e) cell.ops[static_cast<std::size_t>(e)] = static_cast<nb201::Op>(best[e].item<std::int64_t>());
    return nb201::Space::to_genome(cell);
  }

 private:
  Tensor run(const Tensor& x) override { return std::static_pointer_cast<detail::GenomeNetImpl>(net)->forward(x); }
  std::shared_ptr<nb201::Cell> path_ = std::make_shared<nb201::Cell>();
};

// ---- DARTS

constexpr int kDartsEdges = 14;                  // per cell: node n reads inputs 0..n+1
constexpr int kDartsOps = darts::kNumOps + 1;    // none first, then DARTS' PRIMITIVES order
/// The edge (node n, input i) of a DARTS cell: 0..13 in DARTS' order.
constexpr int darts_edge(int node, int input) { return node * (node + 3) / 2 + input; }
constexpr bool darts_reduction(int i, int layers) { return i == layers / 3 || i == 2 * layers / 3; }

/// A DARTS edge: every op with DARTS' search-network modules (BN without scale and shift; pools
/// followed by such a BN, as DARTS' MixedOp adds), named by the op.
class DartsSuperEdgeImpl final : public nn::Module {
 public:
  DartsSuperEdgeImpl(int channels, int height, int width, int stride) {
    for (int k = 1; k < kDartsOps; ++k) {
      const auto op = static_cast<darts::Op>(k - 1);
      std::shared_ptr<detail::OpImpl> m = detail::make_darts_op(op, channels, height, width, stride, false);
      if (op == darts::Op::max_pool_3x3 || op == darts::Op::avg_pool_3x3) m = std::make_shared<PoolBnImpl>(m, channels);
      ops[static_cast<std::size_t>(k)] = register_module(std::string(darts::op_name(op)), m);
    }
  }
  std::array<std::shared_ptr<detail::OpImpl>, kDartsOps> ops;  // [none] stays null

 private:
  class PoolBnImpl final : public detail::OpImpl {
   public:
    PoolBnImpl(std::shared_ptr<detail::OpImpl> pool, int channels)
        : pool_(register_module("pool", std::move(pool))), bn_(register_module("bn", nn::BatchNorm2d(nn::BatchNorm2dOptions(channels).affine(false)))) {}
    Tensor forward(Tensor x) override { return bn_->forward(pool_->forward(x)); }

   private:
    std::shared_ptr<detail::OpImpl> pool_;
    nn::BatchNorm2d bn_;
  };
};

/// What the DARTS cells read: the path (spos) or the mix (relaxed).
struct DartsPath {
  darts::Genotype genotype;
};

/// DARTS' search cell (model_search.py): preprocessed inputs, 4 nodes each summing its 2 path
/// edges (spos) or all its incoming mixed edges (relaxed), the 4 nodes concatenated.
class DartsSuperCellImpl final : public nn::Module {
 public:
  DartsSuperCellImpl(int c_pp, int c_p, int C, int h_pp, int w_pp, int h, int w, bool reduction, bool reduction_prev,
                     std::shared_ptr<const DartsPath> path, std::shared_ptr<const Mix> mix)
      : reduction_(reduction), C_(C), path_(std::move(path)), mix_(std::move(mix)) {
    pre0_ = register_module("preprocess0", detail::make_darts_preprocess(reduction_prev, c_pp, C, h_pp, w_pp, false));
    pre1_ = register_module("preprocess1", detail::make_darts_preprocess(false, c_p, C, h, w, false));
    for (int n = 0; n < darts::kNumNodes; ++n)
      for (int i = 0; i < n + 2; ++i) {
        const int s = reduction && i < 2 ? 2 : 1;
        edges_[static_cast<std::size_t>(darts_edge(n, i))] =
            register_module(fmt::format("edge{}", darts_edge(n, i)), std::make_shared<DartsSuperEdgeImpl>(C, h, w, s));
      }
    out_h_ = reduction ? (h + 1) / 2 : h;
    out_w_ = reduction ? (w + 1) / 2 : w;
  }
  Tensor forward(const Tensor& s0, const Tensor& s1) {
    std::vector<Tensor> st{pre0_->forward(s0), pre1_->forward(s1)};
    const std::size_t row0 = reduction_ ? kDartsEdges : 0;
    for (int n = 0; n < darts::kNumNodes; ++n) {
      Tensor sum;
      const auto add = [&](const Tensor& t) { sum = sum.defined() ? sum + t : t; };
      if (mix_->weights.defined()) {
        for (int i = 0; i < n + 2; ++i) {
          const auto e = static_cast<std::size_t>(darts_edge(n, i));
          const Tensor w = mix_->weights[static_cast<std::int64_t>(row0 + e)];
          for (int k = 1; k < kDartsOps; ++k)
            if (!mix_->skip(row0 + e, k)) add(edges_[e]->ops[static_cast<std::size_t>(k)]->forward(st[static_cast<std::size_t>(i)]) * w[k]);
        }
      } else {
        const auto& cell = reduction_ ? path_->genotype.reduce : path_->genotype.normal;
        for (int k = 0; k < 2; ++k) {
          const auto& e = cell[static_cast<std::size_t>(2 * n + k)];
          add(edges_[static_cast<std::size_t>(darts_edge(n, e.input))]->ops[static_cast<std::size_t>(e.op) + 1]->forward(st[e.input]));
        }
      }
      // GDAS can sample none on every input of a node: zero, as none is.
      if (!sum.defined()) sum = torch::zeros({s1.size(0), C_, out_h_, out_w_}, s1.options());
      st.push_back(sum);
    }
    return torch::cat({st[2], st[3], st[4], st[5]}, 1);
  }

 private:
  bool reduction_;
  int C_, out_h_ = 0, out_w_ = 0;
  std::shared_ptr<const DartsPath> path_;
  std::shared_ptr<const Mix> mix_;
  std::shared_ptr<detail::OpImpl> pre0_, pre1_;
  std::array<std::shared_ptr<DartsSuperEdgeImpl>, kDartsEdges> edges_;
};

/// DARTS' search network: stem (3x3 conv to 3C, BN), `layers` cells (reductions at 1/3 and 2/3,
/// doubling the channels), global pool, linear classifier.
class DartsSuperNetImpl final : public nn::Module {
 public:
  DartsSuperNetImpl(const NetworkOptions& o, std::shared_ptr<const DartsPath> path, std::shared_ptr<const Mix> mix) {
    const int C = o.channels;
    nn::Sequential stem;
    stem->push_back(nn::Conv2d(nn::Conv2dOptions(o.input_channels, 3 * C, 3).padding(1).bias(false)));
    stem->push_back(nn::BatchNorm2d(3 * C));
    stem_ = register_module("stem", stem);
    int c_pp = 3 * C, c_p = 3 * C, c = C, h_pp = o.input_height, w_pp = o.input_width, h = h_pp, w = w_pp;
    bool reduction_prev = false;
    for (int i = 0; i < o.layers; ++i) {
      const bool reduction = darts_reduction(i, o.layers);
      if (reduction) c *= 2;
      cells_.push_back(register_module(fmt::format("cells_{}", i),
                                       std::make_shared<DartsSuperCellImpl>(c_pp, c_p, c, h_pp, w_pp, h, w, reduction, reduction_prev, path, mix)));
      c_pp = c_p;
      c_p = 4 * c;
      h_pp = h;
      w_pp = w;
      if (reduction) h = (h + 1) / 2, w = (w + 1) / 2;
      reduction_prev = reduction;
    }
    fc_ = register_module("classifier", nn::Linear(c_p, o.classes));
  }
  Tensor forward(const Tensor& x) {
    Tensor s0 = stem_->forward(x), s1 = s0;
    for (auto& cell : cells_) {
      Tensor s2 = cell->forward(s0, s1);
      s0 = s1;
      s1 = s2;
    }
    return fc_->forward(s1.mean({2, 3}));
  }

 private:
  nn::Sequential stem_{nullptr};
  std::vector<std::shared_ptr<DartsSuperCellImpl>> cells_;
  nn::Linear fc_{nullptr};
};

class DartsModel final : public Model {
 public:
  DartsModel(const NetworkOptions& o, std::uint64_t init_seed) : layers_(o.layers) {
    impl_ = std::make_shared<DartsSuperNetImpl>(o, path_, mix);
    detail::initialise_parameters(*impl_, init_seed);
    net = impl_;
    alpha = torch::zeros({2 * kDartsEdges, kDartsOps});
  }
  Tensor forward(const Tensor& x, const Genome& g) override {
    path_->genotype = darts::Space::to_genotype(g);
    mix->weights = Tensor();
    return run(x);
  }
  /// "cells_3.edge5.sep_conv_3x3...." is on the path when cell 3's genotype (normal or reduce)
  /// has edge 5 (node, input) with that op; the preprocessing, stem and classifier always are.
  bool on_path(const std::string& name, const Genome& g) const override {
    const auto parts = name_parts(name);
    int cell = -1;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (const int c = number_after(parts[i], "cells_"); c >= 0) cell = c;
      const int e = number_after(parts[i], "edge");
      if (e < 0 || cell < 0) continue;
      if (i + 1 >= parts.size()) return true;  // the edge container itself
      const darts::Genotype gt = darts::Space::to_genotype(g);
      const auto& edges = darts_reduction(cell, layers_) ? gt.reduce : gt.normal;
      for (int k = 0; k < darts::kNumEdges; ++k) {
        const auto& pe = edges[static_cast<std::size_t>(k)];
        if (darts_edge(k / 2, pe.input) == e && parts[i + 1] == darts::op_name(pe.op)) return true;
      }
      return false;
    }
    return true;
  }
  /// DARTS' derivation (model_search.py genotype()): per node, the 2 incoming edges whose
  /// strongest op other than none has the largest softmax weight, each with that op.
  Genome derive() const override {
    const Tensor w = alpha.detach().to(torch::kCPU).softmax(-1).contiguous();
    const auto* p = w.data_ptr<float>();
    darts::Genotype gt;
    for (int t = 0; t < 2; ++t) {
      auto& cell = t == 0 ? gt.normal : gt.reduce;
      for (int n = 0; n < darts::kNumNodes; ++n) {
        std::vector<std::pair<float, int>> score;  // (strength, input), best op in `op`
        std::array<int, darts::kNumNodes + 2> op{};
        for (int i = 0; i < n + 2; ++i) {
          const float* row = p + static_cast<std::ptrdiff_t>((t * kDartsEdges + darts_edge(n, i)) * kDartsOps);
          int best = 1;
          for (int k = 2; k < kDartsOps; ++k)
            if (row[k] > row[best]) best = k;
          op[static_cast<std::size_t>(i)] = best;
          score.emplace_back(row[best], i);
        }
        std::stable_sort(score.begin(), score.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        for (int k = 0; k < 2; ++k) {
          const int i = score[static_cast<std::size_t>(k)].second;
          cell[static_cast<std::size_t>(2 * n + k)] = {static_cast<darts::Op>(op[static_cast<std::size_t>(i)] - 1), static_cast<std::uint8_t>(i)};
        }
      }
    }
    return darts::Space::to_genome(gt);
  }

 private:
  Tensor run(const Tensor& x) override { return impl_->forward(x); }
  int layers_;
  std::shared_ptr<DartsPath> path_ = std::make_shared<DartsPath>();
  std::shared_ptr<DartsSuperNetImpl> impl_;
};

/// The supernet of `space` ("nb201", "darts") with skeleton `o`; nullptr for another space.
std::unique_ptr<Model> make_model(std::string_view space, const NetworkOptions& o, std::uint64_t init_seed) {
  if (space == "nb201") return std::make_unique<Nb201Model>(o, init_seed);
  if (space == "darts") return std::make_unique<DartsModel>(o, init_seed);
  return nullptr;
}

/// The supernet name of a stand-alone network's parameter or buffer: the edge's op inserted.
std::string supernet_name(const std::string& standalone, const nb201::Cell& cell) {
  std::size_t start = 0;
  while (start < standalone.size()) {
    const std::size_t end = std::min(standalone.find('.', start), standalone.size());
    if (standalone.compare(start, 4, "edge") == 0 && end > start + 4) {
      const int e = standalone[start + 4] - '0';
      return standalone.substr(0, end) + "." + std::string(nb201::op_name(cell.ops[static_cast<std::size_t>(e)])) + standalone.substr(end);
    }
    start = end + 1;
  }
  return standalone;
}

std::int64_t path_parameters(const Model& m, const Genome& g) {
  std::int64_t n = 0;
  for (const auto& p : m.net->named_parameters(true))
    if (m.on_path(p.key(), g)) n += p.value().numel();
  return n;
}

std::vector<nn::BatchNorm2dImpl*> path_batch_norms(const Model& m, const Genome& g) {
  std::vector<nn::BatchNorm2dImpl*> out;
  for (const auto& mod : m.net->named_modules("", false))
    if (auto* bn = mod.value()->as<nn::BatchNorm2dImpl>(); bn && m.on_path(mod.key(), g)) out.push_back(bn);
  return out;
}

bool supernet_space(std::string_view s) { return s == "nb201" || s == "darts"; }

/// `g` checked as a path of a supernet of `space`: OptionError for a space without supernets or
/// an invalid genome.
void check_path(const SearchSpace& space, const Genome& g) {
  if (!supernet_space(space.name())) throw OptionError(fmt::format("--space {}: supernets are built for nb201 and darts", space.name()));
  if (!space.valid(g)) throw OptionError(fmt::format("not a valid {} genome ({} positions)", space.name(), g.size()));
}

nb201::Cell cell_of(const SearchSpace& space, const Genome& g) {
  if (space.name() != "nb201") throw OptionError(fmt::format("--space {}: a path's weights are exported for nb201 supernets only", space.name()));
  check_path(space, g);
  return nb201::Space::to_cell(g);
}

// ---------------------------------------------------------------------------------------------
// Files: "format", "version", "info" (SupernetInfo), "net" (parameters and buffers), and in a
// training checkpoint "train" (optimiser, generator, step, and the options it depends on).

using Fields = std::vector<std::pair<std::string, std::string>>;

void write_info(torch::serialize::OutputArchive& a, const SupernetInfo& i) {
  auto s = [&](const char* k, const std::string& v) { a.write(k, c10::IValue(v)); };
  auto n = [&](const char* k, std::int64_t v) { a.write(k, c10::IValue(v)); };
  s("space", i.space);
  s("method", i.method);
  s("sampling", i.sampling);
  s("data", i.data);
  n("channels", i.channels);
  n("cells", i.cells);
  n("input_channels", i.input_channels);
  n("input_height", i.input_height);
  n("input_width", i.input_width);
  n("classes", i.classes);
  n("epochs_done", i.epochs_done);
  n("epochs", i.epochs);
  n("seed", static_cast<std::int64_t>(i.seed));
  n("parameters", i.parameters);
  n("valid_count", i.valid_count);
  n("valid_hash", static_cast<std::int64_t>(i.valid_hash));
  n("split_valid_images", i.split_valid_images);
  n("split_seed", static_cast<std::int64_t>(i.split_seed));
  n("fix_edge", i.fix_edge);
  n("fix_op", i.fix_op);
}

/// A hash of a split part's image indices (order-independent: parts are sorted).
std::uint64_t indices_hash(const std::vector<std::uint32_t>& idx) {
  std::uint64_t h = idx.size();
  for (auto i : idx) h = splitmix64(h ^ i);
  return h;
}

SupernetInfo read_info(torch::serialize::InputArchive& a) {
  auto s = [&](const char* k) {
    c10::IValue v;
    a.read(k, v);
    return v.toStringRef();
  };
  auto n = [&](const char* k) {
    c10::IValue v;
    a.read(k, v);
    return v.toInt();
  };
  SupernetInfo i;
  i.space = s("space");
  i.method = s("method");
  i.sampling = s("sampling");
  i.data = s("data");
  i.channels = static_cast<int>(n("channels"));
  i.cells = static_cast<int>(n("cells"));
  i.input_channels = static_cast<int>(n("input_channels"));
  i.input_height = static_cast<int>(n("input_height"));
  i.input_width = static_cast<int>(n("input_width"));
  i.classes = static_cast<int>(n("classes"));
  i.epochs_done = static_cast<int>(n("epochs_done"));
  i.epochs = static_cast<int>(n("epochs"));
  i.seed = static_cast<std::uint64_t>(n("seed"));
  i.parameters = n("parameters");
  // Recorded since the split check; older files have none of them.
  c10::IValue v;
  if (a.try_read("valid_count", v)) i.valid_count = v.toInt();
  if (a.try_read("valid_hash", v)) i.valid_hash = static_cast<std::uint64_t>(v.toInt());
  if (a.try_read("split_valid_images", v)) i.split_valid_images = v.toInt();
  if (a.try_read("split_seed", v)) i.split_seed = static_cast<std::uint64_t>(v.toInt());
  if (a.try_read("fix_edge", v)) i.fix_edge = static_cast<int>(v.toInt());
  if (a.try_read("fix_op", v)) i.fix_op = static_cast<int>(v.toInt());
  return i;
}

/// Opens a supernet file and reads its header; DataError naming the file for anything unreadable.
SupernetInfo open_file(const std::string& path, torch::serialize::InputArchive& archive, torch::Device dev = torch::kCPU) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw DataError(fmt::format("{}: no such supernet file", path));
  std::string format;
  std::int64_t version = 0;
  try {
    archive.load_from(path, dev);
    c10::IValue v;
    if (!archive.try_read("format", v) || !v.isString())
      throw DataError(fmt::format("{}: not a supernet file (a torch archive without the '{}' header)", path, kFormat));
    format = v.toStringRef();
    if (archive.try_read("version", v) && v.isInt()) version = v.toInt();
    if (format != kFormat) throw DataError(fmt::format("{}: not a supernet file (format '{}', expected '{}')", path, format, kFormat));
    if (version != kVersion) throw DataError(fmt::format("{}: supernet file version {}; this program reads version {}", path, version, kVersion));
    torch::serialize::InputArchive info;
    archive.read("info", info);
    return read_info(info);
  } catch (const DataError&) {
    throw;
  } catch (const std::exception& e) {
    // c10::Error for a truncated or corrupt zip, or a missing field.
    const std::string what = detail::first_line(e);
    throw DataError(fmt::format("{}: corrupt or truncated supernet file ({})", path, what));
  }
}

void load_weights(const std::string& path, torch::serialize::InputArchive& archive, Model& m) {
  try {
    torch::serialize::InputArchive net;
    archive.read("net", net);
    m.net->load(net);
    torch::NoGradGuard no_grad;
    Tensor alpha;
    archive.read("alpha", alpha);
    if (alpha.sizes() != m.alpha.sizes())
      throw DataError(fmt::format("{}: architecture parameters of shape {}, expected {}", path, fmt::join(alpha.sizes(), "x"), fmt::join(m.alpha.sizes(), "x")));
    m.alpha.copy_(alpha);
  } catch (const std::exception& e) {
    const std::string what = detail::first_line(e);
    throw DataError(fmt::format("{}: the supernet's weights cannot be read ({})", path, what));
  }
}

/// DataError unless the file's `field` is `expected`.
template <class T>
void expect_field(const std::string& path, const char* field, const T& value, const T& expected, const char* why) {
  if (value != expected)
    throw DataError(fmt::format("{}: {} is {}; expected {} ({})", path, field, value, expected, why));
}

void check_against(const std::string& path, const SupernetInfo& i, const SearchSpace& space, const ImageData& data) {
  expect_field(path, "space", i.space, std::string(space.name()), "the space searched");
  expect_field(path, "input_channels", i.input_channels, data.train.channels, "the data's image channels");
  expect_field(path, "input_height", i.input_height, data.train.height, "the data's image height");
  expect_field(path, "input_width", i.input_width, data.train.width, "the data's image width");
  expect_field(path, "classes", i.classes, data.classes, "the data's classes");
}

/// Writes `path` atomically (temporary file + rename): a process killed meanwhile leaves the
/// previous file intact.
void save_file(const std::string& path, const SupernetInfo& info, Model& m, torch::serialize::OutputArchive* train) {
  const std::string tmp = path + ".tmp";
  try {
    torch::serialize::OutputArchive archive, info_archive, net_archive;
    archive.write("format", c10::IValue(std::string(kFormat)));
    archive.write("version", c10::IValue(kVersion));
    write_info(info_archive, info);
    archive.write("info", info_archive);
    m.net->save(net_archive);
    archive.write("net", net_archive);
    archive.write("alpha", m.alpha.detach().to(torch::kCPU));
    if (train) archive.write("train", *train);
    archive.save_to(tmp);
  } catch (const c10::Error& e) {
    throw DataError(fmt::format("{}: cannot write the supernet: {}", path, e.what_without_backtrace()));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw DataError(fmt::format("{}: cannot write the supernet (rename failed)", path));
}

/// The loaded file, checked for `space`.
struct Loaded {
  SupernetInfo info;
  std::unique_ptr<Model> model;
};
Loaded load_supernet(const std::string& path, const SearchSpace& space) {
  torch::serialize::InputArchive archive;
  Loaded l;
  l.info = open_file(path, archive);
  expect_field(path, "space", l.info.space, std::string(space.name()), "the space asked for");
  NetworkOptions o = l.info.network();
  try {
    o.validate();
  } catch (const OptionError& e) {
    throw DataError(fmt::format("{}: the supernet's skeleton is invalid: {}", path, e.what()));
  }
  l.model = make_model(l.info.space, o, 0);
  if (!l.model) throw DataError(fmt::format("{}: space {} has no supernet", path, l.info.space));
  load_weights(path, archive, *l.model);
  return l;
}

/// Draws a step's path.
class PathSampler {
 public:
  PathSampler(const SearchSpace& space, bool canonical) : space_(space), canonical_(canonical) {
    if (!canonical) return;
    // Classes in the order of their first cell's code: the same list in every process.
    std::unordered_map<ArchitectureHash, std::size_t, ArchitectureHashHasher> index;
    for (int code = 0; code < nb201::kNumCells; ++code) {
      const auto h = space.canonical_hash(nb201::Space::to_genome(nb201::Cell::from_code(code)));
      auto [it, fresh] = index.emplace(h, classes_.size());
      if (fresh) classes_.emplace_back();
      classes_[it->second].push_back(code);
    }
  }
  Genome draw(Rng& rng) const {
    if (canonical_) {
      const auto& c = classes_[rng.below(classes_.size())];
      return nb201::Space::to_genome(nb201::Cell::from_code(c[rng.below(c.size())]));
    }
    if (space_.name() != "nb201") return space_.sample(rng);  // DARTS: uniform, and so uniform over its classes
    nb201::Cell cell;
    for (auto& op : cell.ops) op = static_cast<nb201::Op>(rng.below(nb201::kNumOps));
    return nb201::Space::to_genome(cell);
  }

 private:
  const SearchSpace& space_;
  bool canonical_;
  std::vector<std::vector<int>> classes_;
};

Tensor cross_entropy(const Tensor& logits, const Tensor& y) { return torch::nn::functional::cross_entropy(logits, y); }
/// Forward_mixed's `only` for every op of every edge (DARTS).
const std::vector<int> kAllOps;

/// A standard normal draw from the project's generator (Box-Muller), for reproducible inits.
double normal(Rng& rng) {
  const double u = 1.0 - rng.uniform();  // (0, 1]
  return std::sqrt(-2.0 * std::log(u)) * std::cos(2 * std::numbers::pi * rng.uniform());
}

/// GDAS' sample (NB201's search_model_gdas): per edge, softmax((log_softmax(alpha) + Gumbel) /
/// tau), its argmax as a one-hot whose value is exactly that one-hot and whose gradient is the
/// soft sample's (straight-through). The noise comes from `rng`, so a resumed run draws the same.
std::pair<Tensor, std::vector<int>> gumbel_hard(const Tensor& alpha, double tau, Rng& rng) {
  std::vector<float> g(static_cast<std::size_t>(alpha.numel()));
  for (auto& v : g) {
    const double u = 1.0 - rng.uniform();  // (0, 1]
    v = static_cast<float>(-std::log(-std::log(u) + 1e-20));
  }
  const Tensor noise = torch::tensor(g).view(alpha.sizes()).to(alpha.device());
  const Tensor probs = ((alpha.log_softmax(-1) + noise) / tau).softmax(-1);
  const Tensor index = probs.detach().argmax(-1);
  const Tensor one_hot = torch::zeros_like(probs).scatter_(-1, index.unsqueeze(-1), 1.0);
  const Tensor ic = index.to(torch::kCPU).contiguous();
  std::vector<int> only(ic.data_ptr<std::int64_t>(), ic.data_ptr<std::int64_t>() + ic.numel());
  return {one_hot - probs.detach() + probs, only};
}

/// DARTS' second-order architecture gradient (Liu et al. 2019, eq. 7-8): the validation loss
/// after one virtual SGD step w' = w - xi (grad_w L_train + wd w), minus xi times the
/// finite-difference Hessian-vector product (grad_a L_train(w+) - grad_a L_train(w-)) / 2 eps,
/// w+- = w +- eps grad_w' L_val, eps = 0.01 / |grad_w' L_val|. The virtual step leaves momentum
/// out (DARTS adds the optimiser's momentum buffer); the weights are restored before returning.
Tensor unrolled_alpha_gradient(Model& m, std::vector<Tensor>& params, const Tensor& x, const Tensor& y, const Tensor& xa, const Tensor& ya,
                               double xi, double weight_decay) {
  const auto ce = cross_entropy;
  const auto& all = kAllOps;
  std::vector<Tensor> backup;
  {
    torch::NoGradGuard no_grad;
    for (const auto& p : params) backup.push_back(p.detach().clone());
  }
  const auto grads = [&](const Tensor& loss, const std::vector<Tensor>& wrt) {
    auto g = torch::autograd::grad({loss}, wrt, {}, false, false, /*allow_unused=*/true);
    for (std::size_t i = 0; i < g.size(); ++i)
      if (!g[i].defined()) g[i] = torch::zeros_like(wrt[i]);
    return g;
  };
  const auto dw = grads(ce(m.forward_mixed(x, m.alpha.softmax(-1), all), y), params);
  {
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < params.size(); ++i) params[i].sub_(xi * (dw[i] + weight_decay * backup[i]));
  }
  std::vector<Tensor> wrt{m.alpha};
  wrt.insert(wrt.end(), params.begin(), params.end());
  const auto gv = grads(ce(m.forward_mixed(xa, m.alpha.softmax(-1), all), ya), wrt);
  double sq = 0;
  for (std::size_t i = 1; i < gv.size(); ++i) sq += gv[i].pow(2).sum().item<double>();
  const double eps = 0.01 / std::max(std::sqrt(sq), 1e-12);
  const auto alpha_grad_at = [&](double sign) {
    {
      torch::NoGradGuard no_grad;
      for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(backup[i] + sign * eps * gv[i + 1]);
    }
    return grads(ce(m.forward_mixed(x, m.alpha.softmax(-1), all), y), {m.alpha})[0];
  };
  const Tensor gp = alpha_grad_at(1), gm = alpha_grad_at(-1);
  {
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(backup[i]);
  }
  return gv[0] - xi * (gp - gm) / (2 * eps);
}

/// The options a checkpoint depends on, as (field, value) strings: a resume with any of them
/// changed would not continue the same run.
Fields run_fields(const SupernetOptions& o, const Split& split, std::string_view space) {
  const std::uint64_t h = indices_hash(split.train);
  Fields f{{"method", o.method},
          {"sampling", o.sampling},
          {"channels", fmt::format("{}", o.network.channels)},
          {"cells", fmt::format("{}", space == "darts" ? o.network.layers : o.network.cells)},
          {"epochs", fmt::format("{}", o.epochs)},
          {"batch_size", fmt::format("{}", o.batch_size)},
          {"learning_rate", fmt::format("{}", o.learning_rate)},
          {"lr_min", fmt::format("{}", o.lr_min)},
          {"momentum", fmt::format("{}", o.momentum)},
          {"nesterov", o.nesterov ? "true" : "false"},
          {"weight_decay", fmt::format("{}", o.weight_decay)},
          {"augment", std::string(augment_name(o.augment))},
          {"seed", fmt::format("{}", o.seed)},
          {"training images", fmt::format("{} (indices hash {:016x})", split.train.size(), h)}};
  if (o.method == "darts-v1" || o.method == "darts-v2" || o.method == "gdas") {
    f.emplace_back("arch_learning_rate", fmt::format("{}", o.arch_learning_rate));
    f.emplace_back("arch_weight_decay", fmt::format("{}", o.arch_weight_decay));
  }
  if (o.method == "gdas") f.emplace_back("tau", fmt::format("{}..{}", o.tau_max, o.tau_min));
  if (o.fix_edge >= 0) f.emplace_back("fixed op", fmt::format("{} on edge {}", o.fix_op, o.fix_edge));
  if (!o.init_from.empty()) f.emplace_back("init_from", o.init_from);
  return f;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

void SupernetOptions::validate() const {
  network.validate();
  if (method != "spos" && method != "rsps" && method != "darts-v1" && method != "darts-v2" && method != "gdas")
    throw OptionError(fmt::format("--method {}: expected spos, rsps, darts-v1, darts-v2 or gdas", method));
  if (sampling != "uniform" && sampling != "canonical" && sampling != "fair")
    throw OptionError(fmt::format("--sampling {}: expected uniform, canonical or fair", sampling));
  if (sampling != "uniform" && method != "spos")
    throw OptionError(fmt::format("--sampling {}: applies to spos only ({} {})", sampling, method,
                                  method == "rsps" ? "draws every path uniformly" : "learns the architecture's distribution"));
  if ((fix_edge < 0) != (fix_op < 0)) throw OptionError(fmt::format("fix_edge {} / fix_op {}: give both (a few-shot sub-supernet) or neither", fix_edge, fix_op));
  if (fix_edge >= 0 && (method != "spos" || sampling != "uniform"))
    throw OptionError(fmt::format("a fixed op (few-shot) applies to spos with uniform sampling, not {} with {} sampling", method, sampling));
  if (!(arch_learning_rate > 0 && arch_learning_rate < 1e3)) throw OptionError(fmt::format("--arch-lr {}: expected > 0", arch_learning_rate));
  if (!(arch_weight_decay >= 0 && arch_weight_decay < 1e3)) throw OptionError(fmt::format("--arch-weight-decay {}: expected >= 0", arch_weight_decay));
  if (!(tau_min > 0 && tau_max >= tau_min && tau_max < 1e6))
    throw OptionError(fmt::format("--tau-max {} / --tau-min {}: expected tau-max >= tau-min > 0", tau_max, tau_min));
  detail::check_sgd_schedule("--", epochs, batch_size, learning_rate, lr_min, momentum, nesterov, weight_decay);
  if (threads < 0 || threads > 1024) throw OptionError(fmt::format("--threads {}: expected 0..1024", threads));
  (void)to_device(device);
}

void SupernetEvaluatorOptions::validate() const {
  if (bn_batches < 0 || bn_batches > 100000) throw OptionError(fmt::format("--bn-batches {}: expected 0..100000", bn_batches));
  if (batch_size < 2 || batch_size > 65536) throw OptionError(fmt::format("--bn-batch {}: expected 2..65536 (BN needs 2 images)", batch_size));
  if (threads < 0 || threads > 1024) throw OptionError(fmt::format("--threads {}: expected 0..1024", threads));
  if (metric != "accuracy" && metric != "loss") throw OptionError(fmt::format("--supernet-metric {}: expected accuracy or loss", metric));
  (void)to_device(device);
}

SupernetInfo read_supernet_info(const std::string& path) {
  torch::serialize::InputArchive archive;
  return open_file(path, archive);
}

SupernetInfo check_supernet(const std::string& path, const SearchSpace& space, const ImageData& data) {
  const SupernetInfo i = read_supernet_info(path);
  check_against(path, i, space, data);
  return i;
}

SupernetResult train_supernet(const SearchSpace& space, const ImageData& data, const Split& split, const SupernetOptions& options,
                              const std::string& out_path, const std::string& checkpoint_path, const SupernetEpochCallback& on_epoch) {
  const auto t0 = Clock::now();
  if (!supernet_space(space.name())) throw OptionError(fmt::format("--space {}: supernets are built for nb201 and darts", space.name()));
  SupernetOptions o = options;
  o.network.input_channels = data.train.channels;
  o.network.input_height = data.train.height;
  o.network.input_width = data.train.width;
  o.network.classes = data.classes;
  o.validate();
  if (space.name() != "nb201" && o.sampling != "uniform")
    throw OptionError(fmt::format("--sampling {}: applies to the nb201 space only (a DARTS path is drawn uniformly, which is uniform over its classes too)", o.sampling));
  const bool darts_space = space.name() == "darts";
  if (o.fix_edge >= 0 && (darts_space || o.fix_edge >= nb201::kNumEdges || o.fix_op >= nb201::kNumOps))
    throw OptionError(darts_space ? std::string("a fixed op (few-shot) is built for nb201 supernets only")
                                  : fmt::format("fixed op {} on edge {}: NB201 has edges 0..5 and ops 0..4", o.fix_op, o.fix_edge));
  if (split.train.size() < 2) throw OptionError(fmt::format("the training part has {} images; expected at least 2", split.train.size()));
  if (out_path.empty()) throw OptionError("the supernet's output file is empty");
  if (o.threads > 0 && torch::get_num_threads() != o.threads) torch::set_num_threads(o.threads);
  const torch::Device dev = to_device(o.device);

  const std::unique_ptr<Model> model_ptr = make_model(space.name(), o.network, derive_seed(o.seed, 1));
  Model& model = *model_ptr;
  SupernetResult r;
  r.device = dev.str();
  SupernetInfo& info = r.info;
  info.space = std::string(space.name());
  info.method = o.method;
  info.sampling = o.sampling;
  info.data = data.name;
  info.channels = o.network.channels;
  info.cells = darts_space ? o.network.layers : o.network.cells;
  info.input_channels = o.network.input_channels;
  info.input_height = o.network.input_height;
  info.input_width = o.network.input_width;
  info.classes = o.network.classes;
  info.epochs = o.epochs;
  info.seed = o.seed;
  info.parameters = detail::count_parameters(*model.net);
  info.valid_count = static_cast<std::int64_t>(split.valid.size());
  info.valid_hash = indices_hash(split.valid);
  info.split_valid_images = o.split_valid_images;
  info.split_seed = o.split_seed;
  info.fix_edge = o.fix_edge;
  info.fix_op = o.fix_op;
  if (!o.init_from.empty()) {
    // Few-shot: start from the one-shot supernet's weights (and BN statistics).
    torch::serialize::InputArchive archive;
    const SupernetInfo from = open_file(o.init_from, archive);
    check_against(o.init_from, from, space, data);
    expect_field(o.init_from, "channels", from.channels, info.channels, "this supernet's");
    expect_field(o.init_from, "cells", from.cells, info.cells, "this supernet's");
    load_weights(o.init_from, archive, model);
  }
  model.net->to(dev);

  const auto [train_x, train_y] = gather(data.train, split.train, dev);
  const auto C = data.train.channels;
  const Tensor mean = torch::tensor(data.mean).view({1, C, 1, 1}).to(dev);
  const Tensor stdv = torch::tensor(data.std).view({1, C, 1, 1}).to(dev);
  const bool augment = o.augment == Augment::on || (o.augment == Augment::automatic && data.name == "cifar10");

  auto params = model.net->parameters();
  torch::optim::SGD sgd(params, torch::optim::SGDOptions(o.learning_rate).momentum(o.momentum).nesterov(o.nesterov).weight_decay(o.weight_decay));
  // DARTS and GDAS: architecture parameters, Adam as in DARTS (betas 0.5, 0.999), initialised
  // as NB201's search code does (1e-3 x standard normal, drawn from the seed).
  const bool relaxed = o.method == "darts-v1" || o.method == "darts-v2" || o.method == "gdas";
  if (relaxed) {
    torch::NoGradGuard no_grad;
    Rng init(derive_seed(o.seed, 4));
    std::vector<float> a(static_cast<std::size_t>(model.alpha.numel()));
    for (auto& v : a) v = static_cast<float>(1e-3 * normal(init));
    model.alpha = torch::tensor(a).view(model.alpha.sizes()).to(dev);
  } else {
    model.alpha = model.alpha.to(dev);
  }
  model.alpha.set_requires_grad(relaxed);
  torch::optim::Adam adam({model.alpha}, torch::optim::AdamOptions(o.arch_learning_rate).betas({0.5, 0.999}).weight_decay(o.arch_weight_decay));
  Rng rng(derive_seed(o.seed, 2));  // data order, augmentation, paths and Gumbel noise
  const PathSampler sampler(space, o.sampling == "canonical");
  // The relaxed methods learn the weights on one half of the training part and the architecture
  // on the other (DARTS' bilevel split; NB201 halves CIFAR-10's training set); alternate rows.
  std::vector<std::int64_t> w_rows, a_rows;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(split.train.size()); ++i) (relaxed && i % 2 ? a_rows : w_rows).push_back(i);
  if (relaxed && a_rows.size() < 2)
    throw OptionError(fmt::format("--method {} needs at least 4 training images (half of them tune the architecture)", o.method));
  const auto n = static_cast<std::int64_t>(w_rows.size());
  // The trainer's rule: drop a last batch of a single image (BN cannot normalise it).
  const std::int64_t steps_per_epoch = (n + o.batch_size - 1) / o.batch_size - (n % o.batch_size == 1 ? 1 : 0);
  const double total_steps = static_cast<double>(steps_per_epoch) * o.epochs;
  const Fields fields = run_fields(o, split, space.name());
  std::int64_t t = 0;
  int first = 1;

  std::error_code ec;
  if (!checkpoint_path.empty() && std::filesystem::exists(checkpoint_path, ec)) {
    torch::serialize::InputArchive archive;
    const SupernetInfo saved = open_file(checkpoint_path, archive, dev);
    check_against(checkpoint_path, saved, space, data);
    load_weights(checkpoint_path, archive, model);
    Tensor state;
    try {
      torch::serialize::InputArchive train;
      archive.read("train", train);
      for (const auto& [k, v] : fields) {
        c10::IValue s;
        train.read("opt " + k, s);
        if (s.toStringRef() != v)
          throw DataError(fmt::format("{}: a checkpoint of another run: {} is {}; this run has {}", checkpoint_path, k, s.toStringRef(), v));
      }
      torch::serialize::InputArchive sgd_archive;
      train.read("sgd", sgd_archive);
      sgd.load(sgd_archive);
      if (relaxed) {
        torch::serialize::InputArchive adam_archive;
        train.read("adam", adam_archive);
        adam.load(adam_archive);
      }
      train.read("state", state);
    } catch (const DataError&) {
      throw;
    } catch (const std::exception& e) {
      const std::string what = detail::first_line(e);
      throw DataError(fmt::format("{}: not a resumable supernet checkpoint ({})", checkpoint_path, what));
    }
    if (state.numel() != 6 || state.scalar_type() != torch::kInt64)
      throw DataError(fmt::format("{}: not a resumable supernet checkpoint (state of {} values, expected 6)", checkpoint_path, state.numel()));
    const auto* s = state.data_ptr<std::int64_t>();
    first = static_cast<int>(s[0]) + 1;
    t = s[1];
    rng.set_state({static_cast<std::uint64_t>(s[2]), static_cast<std::uint64_t>(s[3]), static_cast<std::uint64_t>(s[4]),
                   static_cast<std::uint64_t>(s[5])});
    r.resumed_from_epoch = first - 1;
    model.net->to(dev);
  }

  std::vector<std::int64_t> perm, a_perm;
  const auto ce = cross_entropy;
  const auto& all_ops = kAllOps;
  for (int epoch = first; epoch <= o.epochs; ++epoch) {
    const auto te = Clock::now();
    model.net->train();
    perm = w_rows;
    for (std::size_t i = perm.size(); i > 1; --i) std::swap(perm[i - 1], perm[rng.below(i)]);
    const Tensor order = torch::tensor(perm).to(dev);
    a_perm = a_rows;
    for (std::size_t i = a_perm.size(); i > 1; --i) std::swap(a_perm[i - 1], a_perm[rng.below(i)]);
    const Tensor a_order = torch::tensor(a_perm).to(dev);
    // GDAS' temperature, linear from tau_max in the first epoch to tau_min in the last (NB201).
    const double tau = o.epochs > 1 ? o.tau_max - (o.tau_max - o.tau_min) * (epoch - 1) / (o.epochs - 1) : o.tau_min;
    SupernetEpochLog log;
    log.epoch = epoch;
    Tensor loss_sum = torch::zeros({}, torch::TensorOptions().device(dev));
    std::int64_t seen = 0;
    for (std::int64_t s = 0; s < steps_per_epoch; ++s, ++t) {
      const double lr = o.lr_min + 0.5 * (o.learning_rate - o.lr_min) * (1 + std::cos(std::numbers::pi * static_cast<double>(t) / total_steps));
      if (s == 0) log.learning_rate = lr;
      for (auto& group : sgd.param_groups()) static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);
      const auto idx = order.slice(0, s * o.batch_size, std::min<std::int64_t>((s + 1) * o.batch_size, n));
      const Tensor x = prepare(train_x.index_select(0, idx), mean, stdv, augment ? &rng : nullptr);
      const Tensor y = train_y.index_select(0, idx);
      Tensor loss;
      if (!relaxed) {
        // No gradient at all (not a zero one) for the ops off the path: SGD then skips them, so
        // weight decay and momentum do not move weights the step did not use.
        for (auto& p : params) p.mutable_grad() = Tensor();
        if (o.sampling == "fair") {
          // FairNAS' strict fairness (Chu et al. 2021): per edge a random order of its 5 ops;
          // path m takes each edge's m-th op, so the 5 paths train every op once on this batch;
          // their gradients add up to one step. The loss logged is their mean.
          std::array<std::array<nb201::Op, nb201::kNumOps>, nb201::kNumEdges> order_ops{};
          for (auto& ops : order_ops) {
            for (int k = 0; k < nb201::kNumOps; ++k) ops[static_cast<std::size_t>(k)] = static_cast<nb201::Op>(k);
            for (std::size_t i = ops.size(); i > 1; --i) std::swap(ops[i - 1], ops[rng.below(i)]);
          }
          Tensor sum;
          for (std::size_t m = 0; m < nb201::kNumOps; ++m) {
            nb201::Cell path;
            for (std::size_t e = 0; e < nb201::kNumEdges; ++e) path.ops[e] = order_ops[e][m];
            const Tensor l = ce(model.forward(x, nb201::Space::to_genome(path)), y);
            l.backward();
            sum = sum.defined() ? sum + l.detach() : l.detach();
          }
          loss = sum / nb201::kNumOps;
        } else {
          Genome path = sampler.draw(rng);
          if (o.fix_edge >= 0) path[static_cast<std::size_t>(o.fix_edge)] = static_cast<std::uint8_t>(o.fix_op);
          loss = ce(model.forward(x, path), y);
          loss.backward();
        }
        sgd.step();
      } else {
        // 1. The architecture step, on a batch of the other half.
        const auto na = static_cast<std::int64_t>(a_perm.size());
        const std::int64_t a0 = (s * o.batch_size) % na;
        const auto aidx = a_order.slice(0, a0, std::min<std::int64_t>(a0 + o.batch_size, na));
        const Tensor xa = prepare(train_x.index_select(0, aidx), mean, stdv, augment ? &rng : nullptr);
        const Tensor ya = train_y.index_select(0, aidx);
        Tensor g_alpha;
        if (o.method == "gdas") {
          const auto [h, only] = gumbel_hard(model.alpha, tau, rng);
          // A sample whose output does not depend on alpha (every op reaching the output is
          // none) gives no gradient: a zero one, so Adam's state moves on as for any step.
          g_alpha = torch::autograd::grad({ce(model.forward_mixed(xa, h, only), ya)}, {model.alpha}, {}, false, false, /*allow_unused=*/true)[0];
          if (!g_alpha.defined()) g_alpha = torch::zeros_like(model.alpha);
        } else if (o.method == "darts-v1") {
          g_alpha = torch::autograd::grad({ce(model.forward_mixed(xa, model.alpha.softmax(-1), all_ops), ya)}, {model.alpha})[0];
        } else {
          g_alpha = unrolled_alpha_gradient(model, params, x, y, xa, ya, lr, o.weight_decay);
        }
        adam.zero_grad();
        model.alpha.mutable_grad() = g_alpha;
        adam.step();
        // 2. The weight step with the architecture fixed (GDAS: a fresh hard sample).
        for (auto& p : params) p.mutable_grad() = Tensor();
        if (o.method == "gdas") {
          const auto [h, only] = gumbel_hard(model.alpha, tau, rng);
          loss = ce(model.forward_mixed(x, h.detach(), only), y);
        } else {
          loss = ce(model.forward_mixed(x, model.alpha.softmax(-1).detach(), all_ops), y);
        }
        loss.backward();
        sgd.step();
        model.alpha.mutable_grad() = Tensor();
      }
      loss_sum += loss.detach() * x.size(0);
      seen += idx.size(0);
    }
    log.train_loss = loss_sum.item<double>() / static_cast<double>(seen);
    if (relaxed) {
      const Tensor w = model.alpha.detach().softmax(-1).to(torch::kCPU).contiguous();
      log.arch_weights.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
    }
    log.seconds = since(te);
    log.images_per_second = log.seconds > 0 ? static_cast<double>(seen) / log.seconds : 0;
    if (!std::isfinite(log.train_loss))
      throw TrainingFailed(fmt::format("supernet training diverged in epoch {} (loss {}); try a smaller learning rate", epoch, log.train_loss));
    info.epochs_done = epoch;
    if (!checkpoint_path.empty()) {
      torch::serialize::OutputArchive train, sgd_archive;
      for (const auto& [k, v] : fields) train.write("opt " + k, c10::IValue(v));
      sgd.save(sgd_archive);
      train.write("sgd", sgd_archive);
      if (relaxed) {
        torch::serialize::OutputArchive adam_archive;
        adam.save(adam_archive);
        train.write("adam", adam_archive);
      }
      const auto st = rng.state();
      train.write("state", torch::tensor(std::vector<std::int64_t>{epoch, t, static_cast<std::int64_t>(st[0]), static_cast<std::int64_t>(st[1]),
                                                                    static_cast<std::int64_t>(st[2]), static_cast<std::int64_t>(st[3])},
                                         torch::kInt64));
      save_file(checkpoint_path, info, model, &train);
    }
    r.curve.push_back(log);
    if (on_epoch) on_epoch(log);
  }
  info.epochs_done = o.epochs;
  model.net->to(torch::kCPU);
  model.alpha = model.alpha.detach().to(torch::kCPU);
  if (relaxed) {
    r.derived = model.derive();
    const Tensor w = model.alpha.softmax(-1).contiguous();
    r.arch_weights.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
  }
  save_file(out_path, info, model, nullptr);
  r.seconds = since(t0);
  return r;
}

void export_path_weights(const SearchSpace& space, const std::string& supernet_path, const Genome& g, const std::string& weights_path) {
  const nb201::Cell cell = cell_of(space, g);
  Loaded l = load_supernet(supernet_path, space);
  auto net = detail::build_network(space, g, l.info.network(), 0);
  const auto sp = l.model->net->named_parameters(true);
  const auto sb = l.model->net->named_buffers(true);
  torch::NoGradGuard no_grad;
  auto copy = [&](const std::string& name, Tensor& to, const torch::OrderedDict<std::string, Tensor>& from) {
    const std::string key = supernet_name(name, cell);
    const Tensor* src = from.find(key);
    if (!src || src->sizes() != to.sizes())
      throw std::logic_error(fmt::format("export_path_weights: no supernet tensor {} of shape {} for {}", key, fmt::join(to.sizes(), "x"), name));
    to.copy_(*src);
  };
  for (auto& p : net->named_parameters(true)) copy(p.key(), p.value(), sp);
  for (auto& b : net->named_buffers(true)) copy(b.key(), b.value(), sb);
  try {
    torch::serialize::OutputArchive archive;
    net->save(archive);
    archive.save_to(weights_path);
  } catch (const c10::Error& e) {
    throw DataError(fmt::format("{}: cannot save the weights: {}", weights_path, e.what_without_backtrace()));
  }
}

std::vector<float> supernet_path_logits(const SearchSpace& space, const std::string& supernet_path, const Genome& g,
                                        const std::vector<float>& images, int n) {
  check_path(space, g);
  Loaded l = load_supernet(supernet_path, space);
  const auto& i = l.info;
  const std::size_t want = static_cast<std::size_t>(std::max(n, 0)) * i.input_channels * i.input_height * i.input_width;
  if (n < 1 || images.size() != want)
    throw DataError(fmt::format("{}: {} floats for {} images; the supernet takes {} x {} x {} images", supernet_path, images.size(), n,
                                i.input_channels, i.input_height, i.input_width));
  torch::NoGradGuard no_grad;
  l.model->net->eval();
  const Tensor x = torch::from_blob(const_cast<float*>(images.data()), {n, i.input_channels, i.input_height, i.input_width}, torch::kFloat).clone();
  const Tensor y = l.model->forward(x, g).contiguous();
  return {y.data_ptr<float>(), y.data_ptr<float>() + y.numel()};
}

// ---------------------------------------------------------------------------------------------

struct SupernetEvaluator::State {
  const SearchSpace& space;
  std::shared_ptr<const ImageData> data;
  SupernetEvaluatorOptions options;
  SupernetInfo info;
  std::unique_ptr<Model> model;
  torch::Device dev{torch::kCPU};
  std::vector<Tensor> bn_batches;  // prepared, the same for every cell
  Tensor valid_x, valid_y, mean, stdv;
};

SupernetEvaluator::SupernetEvaluator(const SearchSpace& space, const std::string& supernet_path, std::shared_ptr<const ImageData> data, Split split,
                                     SupernetEvaluatorOptions options) {
  options.validate();
  if (options.threads > 0 && torch::get_num_threads() != options.threads) torch::set_num_threads(options.threads);
  const torch::Device dev = to_device(options.device);
  Loaded l = load_supernet(supernet_path, space);
  check_against(supernet_path, l.info, space, *data);
  if (split.valid.empty()) throw OptionError("the validation part is empty: the supernet evaluator measures accuracy on it");
  if (l.info.valid_count >= 0 && (static_cast<std::int64_t>(split.valid.size()) != l.info.valid_count || indices_hash(split.valid) != l.info.valid_hash))
    throw DataError(fmt::format("{}: trained with another held-out part ({} images{}); this split's validation part ({} images) may hold images it "
                                "trained on: split as it was (nas oneshot --valid-images / --split-seed as --valid-size / --split-seed)",
                                supernet_path, l.info.valid_count,
                                l.info.split_valid_images >= 0 ? fmt::format(", --valid-images {} --split-seed {}", l.info.split_valid_images, l.info.split_seed) : "",
                                split.valid.size()));
  if (options.valid_subset > 0 && options.valid_subset < split.valid.size()) split.valid.resize(options.valid_subset);
  if (options.bn_batches > 0 && split.train.size() < 2)
    throw OptionError(fmt::format("BN recalibration needs training images; the training part has {}", split.train.size()));
  state_ = std::make_unique<State>(State{space, std::move(data), options, l.info, std::move(l.model), dev, {}, {}, {}, {}, {}});
  State& s = *state_;
  s.model->net->to(dev);
  s.model->net->eval();
  const auto C = s.data->train.channels;
  s.mean = torch::tensor(s.data->mean).view({1, C, 1, 1}).to(dev);
  s.stdv = torch::tensor(s.data->std).view({1, C, 1, 1}).to(dev);
  std::tie(s.valid_x, s.valid_y) = gather(s.data->train, split.valid, dev);
  if (options.bn_batches > 0) {
    // K batches of distinct training images (wrapping around a small training part), drawn once.
    std::vector<std::uint32_t> order = split.train;
    Rng rng(derive_seed(options.seed, 3));
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    std::size_t at = 0;
    for (int b = 0; b < options.bn_batches; ++b) {
      std::vector<std::uint32_t> idx;
      for (int k = 0; k < options.batch_size && k < static_cast<int>(order.size()); ++k) idx.push_back(order[at++ % order.size()]);
      s.bn_batches.push_back(prepare(gather(s.data->train, idx, dev).first, s.mean, s.stdv, nullptr));
    }
  }
}

SupernetEvaluator::~SupernetEvaluator() = default;

const SupernetInfo& SupernetEvaluator::info() const { return state_->info; }

Evaluation SupernetEvaluator::evaluate(const Genome& g) {
  State& s = *state_;
  check_path(s.space, g);
  if (s.info.fix_edge >= 0 && g[static_cast<std::size_t>(s.info.fix_edge)] != s.info.fix_op)
    throw OptionError(fmt::format("{}: not a path of this few-shot sub-supernet (op {} on edge {}; it fixes op {})", s.space.format(g),
                                  g[static_cast<std::size_t>(s.info.fix_edge)], s.info.fix_edge, s.info.fix_op));
  ++queries_;
  const ArchitectureHash h = s.space.canonical_hash(g);
  if (auto it = done_.find(h); it != done_.end()) {
    Evaluation e = it->second.evaluation;
    e.cost_seconds = 0;
    return e;
  }
  const auto t0 = Clock::now();
  torch::NoGradGuard no_grad;
  auto& net = *s.model->net;
  if (!s.bn_batches.empty()) {
    // Exact averages of the K batches' statistics (momentum none: cumulative average), then the
    // layers' own momentum back for anything that trains this module later.
    const auto bns = path_batch_norms(*s.model, g);
    std::vector<c10::optional<double>> momentum;
    for (auto* bn : bns) {
      momentum.push_back(bn->options.momentum());
      bn->reset_running_stats();
      bn->options.momentum(c10::nullopt);
    }
    net.train();
    for (const auto& x : s.bn_batches) (void)s.model->forward(x, g);
    for (std::size_t i = 0; i < bns.size(); ++i) bns[i]->options.momentum(momentum[i]);
  }
  net.eval();
  // Sums kept on the device and read once: one synchronisation per cell, not two per batch.
  Tensor correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kLong).device(s.dev));
  Tensor loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(s.dev));
  const std::int64_t nv = s.valid_x.size(0);
  for (std::int64_t b = 0; b < nv; b += s.options.batch_size) {
    const auto e = std::min<std::int64_t>(b + s.options.batch_size, nv);
    const Tensor logits = s.model->forward(prepare(s.valid_x.slice(0, b, e), s.mean, s.stdv, nullptr), g);
    const Tensor y = s.valid_y.slice(0, b, e);
    correct += logits.argmax(1).eq(y).sum();
    loss_sum += cross_entropy(logits, y).to(torch::kDouble) * static_cast<double>(e - b);
  }
  const double acc = 100.0 * static_cast<double>(correct.item<std::int64_t>()) / static_cast<double>(nv);
  const double loss = loss_sum.item<double>() / static_cast<double>(nv);
  Evaluation e = make_evaluation(s.options.metric == "loss" ? -loss : acc, acc, since(t0), path_parameters(*s.model, g));
  ++evaluations_;
  done_.emplace(h, Done{e, loss});
  return e;
}

std::optional<double> SupernetEvaluator::validation_loss(const Genome& g) const {
  const auto it = done_.find(state_->space.canonical_hash(g));
  if (it == done_.end()) return std::nullopt;
  return it->second.loss;
}

std::pair<double, double> SupernetEvaluator::path_bn_statistics(const Genome& g) const {
  check_path(state_->space, g);
  double m = 0, v = 0;
  for (auto* bn : path_batch_norms(*state_->model, g)) {
    m += bn->running_mean.sum().item<double>();
    v += bn->running_var.sum().item<double>();
  }
  return {m, v};
}

// ---------------------------------------------------------------------------------------------

std::vector<int> check_few_shot_set(const std::vector<std::string>& paths) {
  std::vector<int> ops;
  int edge = -1;
  for (const auto& path : paths) {
    const SupernetInfo i = read_supernet_info(path);
    if (i.space != "nb201") throw DataError(fmt::format("{}: a supernet of {}; few-shot sub-supernets are built for nb201 only", path, i.space));
    if (i.fix_edge < 0) throw DataError(fmt::format("{}: a one-shot supernet, not a few-shot sub-supernet (no op fixed on an edge)", path));
    if (edge >= 0 && i.fix_edge != edge)
      throw DataError(fmt::format("{}: fixes an op on edge {}; the other sub-supernets fix edge {}", path, i.fix_edge, edge));
    edge = i.fix_edge;
    if (i.fix_op < 0 || i.fix_op >= nb201::kNumOps) throw DataError(fmt::format("{}: fixed op {} is not an NB201 op", path, i.fix_op));
    if (std::find(ops.begin(), ops.end(), i.fix_op) != ops.end())
      throw DataError(fmt::format("{}: a second sub-supernet of op {} on edge {}", path, nb201::op_name(static_cast<nb201::Op>(i.fix_op)), edge));
    ops.push_back(i.fix_op);
  }
  for (int k = 0; k < nb201::kNumOps; ++k)
    if (std::find(ops.begin(), ops.end(), k) == ops.end())
      throw DataError(fmt::format("few-shot supernets: none for op {} on edge {} ({} files given; one per op is needed)",
                                  nb201::op_name(static_cast<nb201::Op>(k)), edge, paths.size()));
  return ops;
}

FewShotEvaluator::FewShotEvaluator(const SearchSpace& space, const std::vector<std::string>& paths, std::shared_ptr<const ImageData> data,
                                   const Split& split, const SupernetEvaluatorOptions& options)
    : space_(space) {
  if (space.name() != "nb201") throw OptionError(fmt::format("--space {}: few-shot supernets are built for nb201 only", space.name()));
  const std::vector<int> ops = check_few_shot_set(paths);
  by_op_.resize(nb201::kNumOps);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    by_op_[static_cast<std::size_t>(ops[i])] = std::make_unique<SupernetEvaluator>(space, paths[i], data, split, options);
    edge_ = by_op_[static_cast<std::size_t>(ops[i])]->info().fix_edge;
  }
  // Each class's first cell in code order measures the class (see the header).
  for (int code = nb201::kNumCells - 1; code >= 0; --code) {
    const Genome g = nb201::Space::to_genome(nb201::Cell::from_code(code));
    representative_[space.canonical_hash(g)] = g;
  }
}

FewShotEvaluator::~FewShotEvaluator() = default;

std::uint64_t FewShotEvaluator::evaluations() const {
  std::uint64_t n = 0;
  for (const auto& e : by_op_) n += e->evaluations();
  return n;
}

Evaluation FewShotEvaluator::evaluate(const Genome& g) {
  check_path(space_, g);
  ++queries_;
  const Genome& rep = representative_.at(space_.canonical_hash(g));
  return by_op_[rep[static_cast<std::size_t>(edge_)]]->evaluate(rep);
}

std::optional<double> FewShotEvaluator::validation_loss(const Genome& g) const {
  const auto it = representative_.find(space_.canonical_hash(g));
  if (it == representative_.end()) return std::nullopt;
  return by_op_[it->second[static_cast<std::size_t>(edge_)]]->validation_loss(it->second);
}

}  // namespace nas::training
