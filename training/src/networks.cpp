// The NAS-Bench-201 and DARTS networks in LibTorch, built from a genome (see network.hpp).
#include "networks.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include "nas/mutation/darts.hpp"
#include "nas/core/errors.hpp"
#include "nas/mutation/nb201.hpp"

namespace nas::training {

void NetworkOptions::validate() const {
  auto positive = [](const char* name, int v, int max) {
    if (v < 1 || v > max) throw OptionError(fmt::format("{} {}: expected 1..{}", name, v, max));
  };
  positive("--channels", channels, 4096);
  positive("--cells", cells, 256);
  positive("--layers", layers, 256);
  if (layers < 3) throw OptionError(fmt::format("--layers {}: a DARTS network needs at least 3 cells (two are reduction cells)", layers));
  positive("input channels", input_channels, 64);
  positive("input height", input_height, 4096);
  positive("input width", input_width, 4096);
  if (classes < 2) throw OptionError(fmt::format("classes {}: expected at least 2", classes));
  if (!(drop_path >= 0 && drop_path < 1)) throw OptionError(fmt::format("--drop-path {}: expected 0 <= p < 1", drop_path));
}

std::vector<std::string> trainable_space_names() { return {"nb201", "darts"}; }
bool trainable(std::string_view s) { return s == "nb201" || s == "darts"; }

namespace detail {
namespace nn = torch::nn;
namespace F = torch::nn::functional;
using torch::Tensor;

namespace {
thread_local ForwardProbe* tl_probe = nullptr;
}
ForwardProbe* active_probe() noexcept { return tl_probe; }
ProbeScope::ProbeScope(ForwardProbe* p) noexcept : outer_(tl_probe) { tl_probe = p; }
ProbeScope::~ProbeScope() { tl_probe = outer_; }

namespace {

// The layers with a probe point: the same modules, parameters and names as torch's (the
// initialisation and checkpoints see a Conv2dImpl etc.); forward tells the active probe.
class Conv2dPImpl final : public nn::Conv2dImpl {
 public:
  using nn::Conv2dImpl::Conv2dImpl;
  Tensor forward(const Tensor& x) {
    Tensor y = nn::Conv2dImpl::forward(x);
    if (auto* p = tl_probe) p->on_layer(*this, y);
    return y;
  }
};
class LinearPImpl final : public nn::LinearImpl {
 public:
  using nn::LinearImpl::LinearImpl;
  Tensor forward(const Tensor& x) {
    Tensor y = nn::LinearImpl::forward(x);
    if (auto* p = tl_probe) p->on_layer(*this, y);
    return y;
  }
};
class BatchNorm2dPImpl final : public nn::BatchNorm2dImpl {
 public:
  using nn::BatchNorm2dImpl::BatchNorm2dImpl;
  // LibTorch does not export the base's pretty_print instantiation that a subclass's vtable needs.
  void pretty_print(std::ostream& s) const override { s << "BatchNorm2d(" << options.num_features() << ")"; }
  Tensor forward(const Tensor& x) {
    if (auto* p = tl_probe; p && p->bypass_bn) return x;
    return nn::BatchNorm2dImpl::forward(x);
  }
};
class ReLUPImpl final : public nn::Module {
 public:
  Tensor forward(const Tensor& x) {
    if (auto* p = tl_probe) p->on_relu(x);
    return torch::relu(x);
  }
};
using Conv2dP = std::shared_ptr<Conv2dPImpl>;
using LinearP = std::shared_ptr<LinearPImpl>;
using BatchNorm2dP = std::shared_ptr<BatchNorm2dPImpl>;
Tensor probed_relu(const Tensor& x) {
  if (auto* p = tl_probe) p->on_relu(x);
  return torch::relu(x);
}
std::shared_ptr<ReLUPImpl> relu_module() { return std::make_shared<ReLUPImpl>(); }

/// Feature-map shape while a network is built, and the operations counted so far. Rules fitted to
/// NASLib's zc_flops for NAS-Bench-201 (agreement within 0.0011 MFLOPs per network): convolution
/// and linear multiply-adds (plus bias), pools k*k per output element, BN 2 and ReLU 1 per
/// element, global average pool 1 per input element; additions are free.
struct Builder {
  int c = 0, h = 0, w = 0;
  double flops = 0;
  static int out(int in, int k, int s, int p, int d = 1) { return (in + 2 * p - d * (k - 1) - 1) / s + 1; }
  Conv2dP conv(int cin, int cout, int k, int s, int p, int d = 1, int groups = 1, bool bias = false) {
    auto opt = nn::Conv2dOptions(cin, cout, k).stride(s).padding(p).dilation(d).groups(groups).bias(bias);
    h = out(h, k, s, p, d);
    w = out(w, k, s, p, d);
    c = cout;
    flops += static_cast<double>(k) * k * (cin / groups) * cout * h * w + (bias ? static_cast<double>(cout) * h * w : 0.0);
    return std::make_shared<Conv2dPImpl>(opt);
  }
  void bn() { flops += 2.0 * c * h * w; }
  void relu() { flops += static_cast<double>(c) * h * w; }
  void pool(int k, int s, int p, bool ceil = false) {
    auto o = [&](int in) { return ceil ? (in + 2 * p - k + s - 1) / s + 1 : out(in, k, s, p); };
    h = o(h);
    w = o(w);
    flops += static_cast<double>(k) * k * c * h * w;
  }
  /// The network's head: global average pool (one per input element) and a linear classifier.
  LinearP head(int classes) {
    flops += static_cast<double>(c) * h * w + static_cast<double>(c) * classes + classes;
    return std::make_shared<LinearPImpl>(nn::LinearOptions(c, classes));
  }
};

class IdentityImpl final : public OpImpl {
 public:
  IdentityImpl() { is_identity = true; }
  Tensor forward(Tensor x) override { return x; }
};

/// Any sequence of layers held as AnyModules (conv, BN, ReLU, pools, other ops).
class SeqImpl final : public OpImpl {
 public:
  explicit SeqImpl(nn::Sequential s) : seq_(register_module("seq", std::move(s))) {}
  Tensor forward(Tensor x) override { return seq_->forward(x); }

 private:
  nn::Sequential seq_;
};

BatchNorm2dP batch_norm(int c, bool affine = true) { return std::make_shared<BatchNorm2dPImpl>(nn::BatchNorm2dOptions(c).affine(affine)); }

std::shared_ptr<OpImpl> relu_conv_bn(Builder& b, int cout, int k, int s, int p, int d = 1, bool affine = true) {
  const int cin = b.c;
  nn::Sequential q;
  q->push_back(relu_module());
  b.relu();
  q->push_back(b.conv(cin, cout, k, s, p, d));
  q->push_back(batch_norm(cout, affine));
  b.bn();
  return std::make_shared<SeqImpl>(q);
}

/// DARTS' DilConv: ReLU, depthwise k x k (dilated), pointwise 1x1, BN.
void dil_conv_into(nn::Sequential& q, Builder& b, int cout, int k, int s, int p, int d, bool affine) {
  const int cin = b.c;
  q->push_back(relu_module());
  b.relu();
  q->push_back(b.conv(cin, cin, k, s, p, d, cin));
  q->push_back(b.conv(cin, cout, 1, 1, 0));
  q->push_back(batch_norm(cout, affine));
  b.bn();
}

/// The 3x3 average pool as a module (see avg_pool_3x3 in networks.hpp for why a convolution).
class AvgPool3x3Impl final : public OpImpl {
 public:
  explicit AvgPool3x3Impl(int stride) : stride_(stride) {}
  Tensor forward(Tensor x) override { return avg_pool_3x3(x, stride_); }

 private:
  int stride_;
};

std::shared_ptr<OpImpl> avg_pool(Builder& b, int s) {
  auto op = std::make_shared<AvgPool3x3Impl>(s);
  b.pool(3, s, 1);
  return op;
}

/// Halves the resolution with two 1x1 stride-2 convolutions, the second on the input shifted by
/// one pixel, concatenated. An odd side is padded after the shift so both halves agree (the
/// published code assumes even sides; for those this is identical).
class FactorizedReduceImpl final : public OpImpl {
 public:
  FactorizedReduceImpl(Builder& b, int cout, bool affine = true) {
    const int cin = b.c, h = b.h, w = b.w;
    odd_h_ = h % 2 == 1;
    odd_w_ = w % 2 == 1;
    b.relu();
    c1_ = register_module("conv_1", b.conv(cin, cout / 2, 1, 2, 0));
    b.h = h, b.w = w;
    c2_ = register_module("conv_2", b.conv(cin, cout - cout / 2, 1, 2, 0));
    b.c = cout;
    b.bn();
    bn_ = register_module("bn", batch_norm(cout, affine));
  }
  Tensor forward(Tensor x) override {
    x = probed_relu(x);
    Tensor y = x.slice(2, 1).slice(3, 1);
    if (odd_h_ || odd_w_) y = F::pad(y, F::PadFuncOptions({0, odd_w_ ? 1 : 0, 0, odd_h_ ? 1 : 0}));
    return bn_->forward(torch::cat({c1_->forward(x), c2_->forward(y)}, 1));
  }

 private:
  bool odd_h_ = false, odd_w_ = false;
  Conv2dP c1_, c2_;
  BatchNorm2dP bn_;
};

// ---------------------------------------------------------------------------------------------
// NAS-Bench-201

/// An NB201 edge's op on `eb`'s shape (c x h x w to c x h x w); nullptr for none.
std::shared_ptr<OpImpl> nb201_edge_op(Builder& eb, nb201::Op op) {
  const int c = eb.c;
  switch (op) {
    case nb201::Op::none: return nullptr;
    case nb201::Op::skip_connect: return std::make_shared<IdentityImpl>();
    case nb201::Op::nor_conv_1x1: return relu_conv_bn(eb, c, 1, 1, 0);
    case nb201::Op::nor_conv_3x3: return relu_conv_bn(eb, c, 3, 1, 1);
    case nb201::Op::avg_pool_3x3: return avg_pool(eb, 1);
  }
  throw std::logic_error("nb201_edge_op: unknown op");
}

/// One cell: nodes 1..3, node j = sum over edges (i -> j) of op(node i). `none` edges and ops whose
/// node feeds nothing are not computed (their outputs never reach the logits; the reference
/// computes and discards them, so parameters and results are the same). Parameters of every
/// non-`none` edge are built, as in the benchmark's count.
class Nb201CellImpl final : public OpImpl {
 public:
  Nb201CellImpl(Builder& b, const nb201::Cell& cell) {
    const std::array<bool, 4> live = nb201_live_nodes(cell);
    for (int e = 0; e < nb201::kNumEdges; ++e) {
      Builder eb = b;  // every edge maps c x h x w to c x h x w
      eb.flops = 0;
      std::shared_ptr<OpImpl> op = nb201_edge_op(eb, cell.ops[e]);
      if (!op) continue;
      b.flops += eb.flops;
      register_module(fmt::format("edge{}_{}{}", e, nb201::kEdgeFrom[e], nb201::kEdgeTo[e]), op);
      all_edges_.push_back({nb201::kEdgeFrom[e], nb201::kEdgeTo[e], op});
      if (live[nb201::kEdgeTo[e]]) edges_.push_back(all_edges_.back());
    }
  }
  Tensor forward(Tensor x) override {
    std::array<Tensor, 4> node{x, {}, {}, {}};
    const auto* probe = active_probe();
    const auto& edges = probe && probe->all_edges ? all_edges_ : edges_;
    for (int j = 1; j <= 3; ++j) {
      for (const auto& e : edges)
        if (e.to == j) {
          Tensor t = e.op->forward(node[e.from]);
          node[j] = node[j].defined() ? node[j] + t : t;
        }
      // A node with only `none` inputs is zero (the reference multiplies by 0); ops reading it
      // still run on the zeros, which matters: ReLU-Conv-BN of zeros is BN's bias in training.
      if (!node[j].defined()) node[j] = torch::zeros_like(x);
    }
    return node[3];
  }

 private:
  struct Edge {
    int from, to;
    std::shared_ptr<OpImpl> op;
  };
  std::vector<Edge> edges_, all_edges_;
};

/// The residual block between stages: ReLU-Conv3x3(stride 2)-BN, ReLU-Conv3x3-BN, plus a shortcut
/// AvgPool 2x2 stride 2 (ceil mode: identical for even sides, defined for odd ones) + conv1x1.
class ResNetBlockImpl final : public OpImpl {
 public:
  ResNetBlockImpl(Builder& b, int planes) {
    Builder sc = b;
    sc.flops = 0;
    a_ = register_module("conv_a", relu_conv_bn(b, planes, 3, 2, 1));
    b_ = register_module("conv_b", relu_conv_bn(b, planes, 3, 1, 1));
    sc.pool(2, 2, 0, true);
    nn::Sequential d;
    d->push_back(nn::AvgPool2d(nn::AvgPool2dOptions(2).stride(2).padding(0).ceil_mode(true)));
    d->push_back(sc.conv(sc.c, planes, 1, 1, 0));
    down_ = register_module("downsample", d);
    b.flops += sc.flops;
  }
  Tensor forward(Tensor x) override { return down_->forward(x) + b_->forward(a_->forward(x)); }

 private:
  std::shared_ptr<OpImpl> a_, b_;
  nn::Sequential down_{nullptr};
};

class Nb201NetImpl final : public GenomeNetImpl {
 public:
  /// The cells are `cell`'s, or made by `make_cell` where given (a supernet's).
  Nb201NetImpl(const nb201::Cell& cell, const NetworkOptions& o, const Nb201CellMaker* make_cell = nullptr) {
    Builder b{o.input_channels, o.input_height, o.input_width, 0};
    const int C = o.channels;
    nn::Sequential stem;
    stem->push_back(b.conv(o.input_channels, C, 3, 1, 1));
    stem->push_back(batch_norm(C));
    b.bn();
    stem_ = register_module("stem", stem);
    int idx = 0;
    for (int stage = 0; stage < 3; ++stage) {
      if (stage > 0) blocks_.push_back(register_module(fmt::format("cells_{}", idx++), std::make_shared<ResNetBlockImpl>(b, C << stage)));
      for (int i = 0; i < o.cells; ++i)
        blocks_.push_back(register_module(fmt::format("cells_{}", idx++), make_cell ? (*make_cell)(b.c) : std::make_shared<Nb201CellImpl>(b, cell)));
    }
    last_bn_ = register_module("lastact_bn", batch_norm(b.c));
    b.bn();
    b.relu();
    fc_ = register_module("classifier", b.head(o.classes));
    mflops = b.flops / 1e6;
  }
  Tensor forward(Tensor x) override {
    x = stem_->forward(x);
    for (auto& m : blocks_) x = m->forward(x);
    x = probed_relu(last_bn_->forward(x));
    if (auto* p = tl_probe) p->on_features(x);
    return fc_->forward(x.mean({2, 3}));
  }

 private:
  nn::Sequential stem_{nullptr};
  std::vector<std::shared_ptr<OpImpl>> blocks_;
  BatchNorm2dP last_bn_;
  LinearP fc_;
};

// ---------------------------------------------------------------------------------------------
// DARTS

std::shared_ptr<OpImpl> darts_op(Builder& b, darts::Op op, int s, bool affine) {
  const int c = b.c;
  nn::Sequential q;
  switch (op) {
    case darts::Op::max_pool_3x3:
      q->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(s).padding(1)));
      b.pool(3, s, 1);
      return std::make_shared<SeqImpl>(q);
    case darts::Op::avg_pool_3x3: return avg_pool(b, s);
    case darts::Op::skip_connect:
      if (s == 1) return std::make_shared<IdentityImpl>();
      return std::make_shared<FactorizedReduceImpl>(b, c, affine);
    case darts::Op::sep_conv_3x3:
    case darts::Op::sep_conv_5x5: {
      const int k = op == darts::Op::sep_conv_3x3 ? 3 : 5;
      dil_conv_into(q, b, c, k, s, k / 2, 1, affine);
      dil_conv_into(q, b, c, k, 1, k / 2, 1, affine);
      return std::make_shared<SeqImpl>(q);
    }
    case darts::Op::dil_conv_3x3: dil_conv_into(q, b, c, 3, s, 2, 2, affine); return std::make_shared<SeqImpl>(q);
    case darts::Op::dil_conv_5x5: dil_conv_into(q, b, c, 5, s, 4, 2, affine); return std::make_shared<SeqImpl>(q);
  }
  throw std::logic_error("darts_op: unknown op");
}

Tensor drop_path(const Tensor& x, double p, at::Generator& gen) {
  const double keep = 1 - p;
  Tensor mask = torch::empty({x.size(0), 1, 1, 1}, torch::kFloat).bernoulli_(keep, gen).to(x.device());
  return x / keep * mask;
}

class DartsCellImpl final : public nn::Module {
 public:
  /// b0, b1: shapes of the two inputs (c_{k-2}, c_{k-1}); on return b1 holds the output shape.
  DartsCellImpl(Builder& b0, Builder& b1, const darts::CellEdges& edges, int C, bool reduction, bool reduction_prev, bool affine) {
    double flops = b1.flops;  // the running total travels with the newest input
    Builder p0 = b0, p1 = b1;
    p0.flops = p1.flops = 0;
    if (reduction_prev) pre0_ = register_module("preprocess0", std::make_shared<FactorizedReduceImpl>(p0, C));
    else pre0_ = register_module("preprocess0", relu_conv_bn(p0, C, 1, 1, 0));
    pre1_ = register_module("preprocess1", relu_conv_bn(p1, C, 1, 1, 0));
    flops += p0.flops + p1.flops;
    std::array<Builder, 2 + darts::kNumNodes> state{p0, p1};
    for (int n = 0; n < darts::kNumNodes; ++n) {
      for (int k = 0; k < 2; ++k) {
        const auto& e = edges[static_cast<std::size_t>(2 * n + k)];
        const int s = reduction && e.input < 2 ? 2 : 1;
        Builder eb = state[e.input];
        eb.flops = 0;
        auto op = darts_op(eb, e.op, s, affine);
        flops += eb.flops;
        ops_.push_back(register_module(fmt::format("op{}", 2 * n + k), op));
        inputs_.push_back(e.input);
        state[static_cast<std::size_t>(n + 2)] = eb;
      }
    }
    b1.c = 4 * C;
    b1.h = state[2].h;
    b1.w = state[2].w;
    b1.flops = flops;
  }
  Tensor forward(const Tensor& s0, const Tensor& s1, double p, at::Generator& gen) {
    std::vector<Tensor> st{pre0_->forward(s0), pre1_->forward(s1)};
    for (int n = 0; n < darts::kNumNodes; ++n) {
      Tensor sum;
      for (int k = 0; k < 2; ++k) {
        const auto i = static_cast<std::size_t>(2 * n + k);
        Tensor h = ops_[i]->forward(st[inputs_[i]]);
        if (is_training() && p > 0 && !ops_[i]->is_identity) h = drop_path(h, p, gen);
        sum = sum.defined() ? sum + h : h;
      }
      st.push_back(sum);
    }
    return torch::cat({st[2], st[3], st[4], st[5]}, 1);
  }

 private:
  std::shared_ptr<OpImpl> pre0_, pre1_;
  std::vector<std::shared_ptr<OpImpl>> ops_;
  std::vector<std::size_t> inputs_;
};

class DartsNetImpl final : public GenomeNetImpl {
 public:
  DartsNetImpl(const darts::Genotype& gt, const NetworkOptions& o, std::uint64_t seed) : gen_(at::make_generator<at::CPUGeneratorImpl>(seed ^ 0xd0d0)) {
    Builder b{o.input_channels, o.input_height, o.input_width, 0};
    const int C = o.channels;
    nn::Sequential stem;
    stem->push_back(b.conv(o.input_channels, 3 * C, 3, 1, 1));
    stem->push_back(batch_norm(3 * C));
    b.bn();
    stem_ = register_module("stem", stem);
    Builder s0 = b, s1 = b;
    int c = C;
    bool reduction_prev = false;
    for (int i = 0; i < o.layers; ++i) {
      const bool reduction = i == o.layers / 3 || i == 2 * o.layers / 3;
      if (reduction) c *= 2;
      Builder out = s1;
      auto cell = std::make_shared<DartsCellImpl>(s0, out, reduction ? gt.reduce : gt.normal, c, reduction, reduction_prev,
                                                 o.affine_ops);
      cells_.push_back(register_module(fmt::format("cells_{}", i), cell));
      s0 = s1;
      s1 = out;
      reduction_prev = reduction;
      if (i == 2 * o.layers / 3 && o.auxiliary) {
        aux_at_ = i;
        const int k = std::min({5, s1.h, s1.w});
        const int ph = (s1.h - k) / 3 + 1, pw = (s1.w - k) / 3 + 1;
        nn::Sequential a;
        a->push_back(nn::ReLU());
        a->push_back(nn::AvgPool2d(nn::AvgPool2dOptions(k).stride(3).padding(0).count_include_pad(false)));
        a->push_back(nn::Conv2d(nn::Conv2dOptions(s1.c, 128, 1).bias(false)));
        a->push_back(nn::BatchNorm2d(128));
        a->push_back(nn::ReLU());
        // DARTS' head assumes 8 x 8 maps (pooled to 2 x 2, then a 2 x 2 conv); the kernel follows
        // the pooled size so other input sizes work too.
        a->push_back(nn::Conv2d(nn::Conv2dOptions(128, 768, {ph, pw}).bias(false)));
        a->push_back(nn::BatchNorm2d(768));
        a->push_back(nn::ReLU());
        a->push_back(nn::Flatten());
        a->push_back(nn::Linear(768, o.classes));
        aux_ = register_module("auxiliary_head", a);
        aux_parameters = count_parameters(*aux_);
      }
    }
    fc_ = register_module("classifier", s1.head(o.classes));
    mflops = s1.flops / 1e6;
  }
  void set_drop_path(double p) override { drop_ = p; }
  Tensor random_state() const override { return gen_.get_state(); }
  void set_random_state(const Tensor& s) override { gen_.set_state(s); }
  Tensor forward(Tensor x) override {
    Tensor s0 = stem_->forward(x), s1 = s0;
    aux_logits = Tensor();
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      Tensor s2 = cells_[i]->forward(s0, s1, drop_, gen_);
      s0 = s1;
      s1 = s2;
      if (static_cast<int>(i) == aux_at_ && aux_ && is_training()) aux_logits = aux_->forward(s1);
    }
    if (auto* p = tl_probe) p->on_features(s1);
    return fc_->forward(s1.mean({2, 3}));
  }

 private:
  at::Generator gen_;
  double drop_ = 0;
  int aux_at_ = -1;
  nn::Sequential stem_{nullptr}, aux_{nullptr};
  std::vector<std::shared_ptr<DartsCellImpl>> cells_;
  LinearP fc_;
};

/// PyTorch's default initialisation (kaiming_uniform with a = sqrt(5): bound 1/sqrt(fan_in) for
/// conv and linear weights and biases; BN weight 1, bias 0), drawn from a private generator.
void initialise(nn::Module& net, std::uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  torch::NoGradGuard no_grad;
  for (const auto& m : net.modules(/*include_self=*/false)) {
    Tensor w, bias;
    if (auto* c = m->as<nn::Conv2dImpl>()) w = c->weight, bias = c->bias;
    else if (auto* l = m->as<nn::LinearImpl>()) w = l->weight, bias = l->bias;
    else continue;
    const double fan_in = static_cast<double>(w.numel() / w.size(0));
    const double bound = 1.0 / std::sqrt(fan_in);
    w.uniform_(-bound, bound, gen);
    if (bias.defined()) bias.uniform_(-bound, bound, gen);
  }
}

}  // namespace

std::array<bool, 4> nb201_live_nodes(const nb201::Cell& cell) {
  std::array<bool, 4> live{false, false, false, true};
  for (int j = 2; j >= 0; --j)
    for (int e = 0; e < nb201::kNumEdges; ++e)
      if (nb201::kEdgeFrom[e] == j && cell.ops[e] != nb201::Op::none && live[nb201::kEdgeTo[e]]) live[j] = true;
  return live;
}

std::shared_ptr<OpImpl> make_nb201_op(nb201::Op op, int channels) {
  Builder eb{channels, 1, 1, 0};  // the op's modules depend on the channels only
  return nb201_edge_op(eb, op);
}

std::shared_ptr<OpImpl> make_darts_op(darts::Op op, int channels, int height, int width, int stride, bool affine) {
  Builder b{channels, height, width, 0};
  return darts_op(b, op, stride, affine);
}

std::shared_ptr<OpImpl> make_darts_preprocess(bool factorized, int cin, int cout, int height, int width, bool affine) {
  Builder b{cin, height, width, 0};
  if (factorized) return std::make_shared<FactorizedReduceImpl>(b, cout, affine);
  return relu_conv_bn(b, cout, 1, 1, 0, 1, affine);
}

void initialise_parameters(nn::Module& net, std::uint64_t seed) { initialise(net, seed); }

std::shared_ptr<GenomeNetImpl> build_nb201_skeleton(const NetworkOptions& o, const Nb201CellMaker& make_cell, std::uint64_t init_seed) {
  o.validate();
  auto net = std::make_shared<Nb201NetImpl>(nb201::Cell{}, o, &make_cell);
  initialise(*net, init_seed);
  return net;
}

Tensor avg_pool_3x3(const Tensor& x, int stride) {
  namespace F = torch::nn::functional;
  const auto c = x.size(1);
  // In-image pixels of each window: 9 inside, 6 on an edge, 4 in a corner (stride 1).
  const Tensor divisor = F::conv2d(torch::ones({1, 1, x.size(2), x.size(3)}, x.options()), torch::ones({1, 1, 3, 3}, x.options()),
                                   F::Conv2dFuncOptions().stride(stride).padding(1));
  return F::conv2d(x, torch::ones({c, 1, 3, 3}, x.options()), F::Conv2dFuncOptions().stride(stride).padding(1).groups(c)) / divisor;
}

std::int64_t count_parameters(const nn::Module& m) {
  std::int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

std::shared_ptr<GenomeNetImpl> build_network(const SearchSpace& space, const Genome& g, const NetworkOptions& o, std::uint64_t init_seed) {
  o.validate();
  std::shared_ptr<GenomeNetImpl> net;
  if (space.name() == "nb201") net = std::make_shared<Nb201NetImpl>(nb201::Space::to_cell(g), o);
  else if (space.name() == "darts") net = std::make_shared<DartsNetImpl>(darts::Space::to_genotype(g), o, init_seed);
  else throw OptionError(fmt::format("--space {}: no network builder; trainable spaces are nb201 and darts", space.name()));
  initialise(*net, init_seed);
  return net;
}

}  // namespace detail

NetworkSummary summarize_network(const SearchSpace& space, const Genome& g, const NetworkOptions& options, bool run_forward) {
  auto net = detail::build_network(space, g, options, 0);
  NetworkSummary s;
  s.parameters = detail::count_parameters(*net);
  s.aux_parameters = net->aux_parameters;
  s.mflops = net->mflops;
  if (run_forward) {
    torch::NoGradGuard no_grad;
    net->eval();
    const auto y = net->forward(torch::randn({2, options.input_channels, options.input_height, options.input_width}));
    s.output_shape = y.sizes().vec();
  }
  return s;
}

}  // namespace nas::training
