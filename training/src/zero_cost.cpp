// Zero-cost proxies in LibTorch (see zero_cost.hpp): NASLib's definitions, per proxy below.
#include "nas/training/zero_cost.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <map>
#include <optional>
#include <mutex>
#include <thread>

#include <malloc.h>

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include "nas/core/errors.hpp"
#include "nas/core/rng.hpp"
#include "networks.hpp"

namespace nas::training {
namespace {
using Clock = std::chrono::steady_clock;
using torch::Tensor;
namespace nn = torch::nn;
namespace F = torch::nn::functional;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string names_text(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}
}  // namespace

const std::vector<ProxyInfo>& zero_cost_proxies() {
  static const std::vector<ProxyInfo> v{
      {"flops", ProxyNeeds::nothing, "multiply-adds of one forward pass, in millions"},
      {"params", ProxyNeeds::nothing, "trainable parameters, in millions"},
      {"synflow", ProxyNeeds::nothing, "log of sum |w * dR/dw|, R the output of the linearised net (|w|, no BN, float64) on an all-ones image"},
      {"grasp", ProxyNeeds::labels, "sum of -w * (H g): Hessian-gradient product of the cross-entropy loss"},
      {"fisher", ProxyNeeds::labels, "sum over channels of 0.5 * mean_n (sum_hw act * dL/dact)^2 at each conv/linear output"},
      {"grad_norm", ProxyNeeds::labels, "sum over layers of ||dL/dw||"},
      {"l2_norm", ProxyNeeds::nothing, "sum over layers of ||w||"},
      {"plain", ProxyNeeds::labels, "sum of w * dL/dw"},
      {"nwot", ProxyNeeds::images, "log-determinant of the Hamming-kernel of ReLU activation codes (Mellor et al.)"},
      {"epe_nas", ProxyNeeds::labels, "per-class correlation of input Jacobians (Lopes et al.)"},
      {"jacov", ProxyNeeds::images, "-sum(log(v + k) + 1/(v + k)) over eigenvalues v of the input Jacobians' correlation"},
      {"snip", ProxyNeeds::labels, "sum of |w * dL/dw|"},
      {"zen", ProxyNeeds::nothing, "log ||f(x) - f(x + 0.01 e)|| of pre-pool features on Gaussian x, plus the BN scales' logs (Lin et al.)"},
  };
  return v;
}

const ProxyInfo& proxy_info(std::string_view name) {
  for (const auto& p : zero_cost_proxies())
    if (p.name == name) return p;
  std::vector<std::string> known;
  for (const auto& p : zero_cost_proxies()) known.push_back(p.name);
  throw OptionError(fmt::format("unknown proxy '{}': expected one of {} (or all, data-free)", name, names_text(known)));
}

std::vector<std::string> parse_proxies(std::string_view list) {
  std::vector<std::string> out;
  if (list == "all") {
    for (const auto& p : zero_cost_proxies()) out.push_back(p.name);
    return out;
  }
  if (list == "data-free") {
    for (const auto& p : zero_cost_proxies())
      if (p.needs == ProxyNeeds::nothing) out.push_back(p.name);
    return out;
  }
  if (list.empty()) throw OptionError("proxy list is empty: expected names such as synflow,nwot (or all, data-free)");
  for (std::size_t a = 0; a <= list.size();) {
    const auto e = std::min(list.find(',', a), list.size());
    const std::string item(list.substr(a, e - a));
    if (item.empty()) throw OptionError(fmt::format("proxy list '{}': an empty name", list));
    proxy_info(item);
    if (std::find(out.begin(), out.end(), item) != out.end()) throw OptionError(fmt::format("proxy list '{}': {} given twice", list, item));
    out.push_back(item);
    a = e + 1;
  }
  return out;
}

std::vector<std::string> zc_dataset_names() { return {"cifar10", "cifar100", "ImageNet16-120", "fashion-mnist"}; }

ZcShape zc_shape(std::string_view d) {
  if (d == "cifar10") return {"cifar10", 3, 32, 32, 10};
  if (d == "cifar100") return {"cifar100", 3, 32, 32, 100};
  if (d == "ImageNet16-120") return {"ImageNet16-120", 3, 16, 16, 120};
  if (d == "fashion-mnist") return {"fashion-mnist", 1, 28, 28, 10};
  throw OptionError(fmt::format("--dataset {}: expected one of {}", d, names_text(zc_dataset_names())));
}

ZcBatch real_zc_batch(const ZcShape& shape, const ImageData& data, int batch_size, std::uint64_t seed) {
  const ImageSet& set = data.train;
  if (set.channels != shape.channels || set.height != shape.height || set.width != shape.width || data.classes != shape.classes)
    throw OptionError(fmt::format("data {} has {}x{}x{} images and {} classes; --dataset {} expects {}x{}x{} and {}", data.name, set.channels,
                                  set.height, set.width, data.classes, shape.dataset, shape.channels, shape.height, shape.width, shape.classes));
  if (batch_size < 1 || static_cast<std::size_t>(batch_size) > set.count())
    throw OptionError(fmt::format("--batch-size {}: expected 1..{} (the training images of {})", batch_size, set.count(), data.name));
  ZcBatch b;
  b.shape = shape;
  b.source = data.name;
  b.batch_size = batch_size;
  // A seeded partial Fisher-Yates draw: the same images for a seed on every machine.
  std::vector<std::uint32_t> idx(set.count());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<std::uint32_t>(i);
  Rng rng(seed);
  const std::size_t ib = set.image_bytes(), hw = static_cast<std::size_t>(set.height) * set.width;
  b.images.resize(static_cast<std::size_t>(batch_size) * ib);
  for (std::size_t i = 0; i < static_cast<std::size_t>(batch_size); ++i) {
    std::swap(idx[i], idx[i + rng.below(idx.size() - i)]);
    const std::uint8_t* px = set.pixels.data() + static_cast<std::size_t>(idx[i]) * ib;
    for (std::size_t k = 0; k < ib; ++k) {
      const std::size_t c = k / hw;
      b.images[i * ib + k] = (px[k] / 255.0f - data.mean[c]) / data.std[c];
    }
    b.labels.push_back(set.labels[idx[i]]);
  }
  return b;
}

ZcBatch random_zc_batch(const ZcShape& shape, int batch_size, std::uint64_t seed) {
  if (batch_size < 1 || batch_size > 65536) throw OptionError(fmt::format("--batch-size {}: expected 1..65536", batch_size));
  ZcBatch b;
  b.shape = shape;
  b.source = "random";
  b.batch_size = batch_size;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const Tensor x = torch::randn({batch_size, shape.channels, shape.height, shape.width}, gen, torch::kFloat);
  const Tensor y = torch::randint(shape.classes, {batch_size}, gen, torch::kInt64);
  b.images.assign(x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
  b.labels.assign(y.data_ptr<std::int64_t>(), y.data_ptr<std::int64_t>() + y.numel());
  return b;
}

ZcBatch no_zc_batch(const ZcShape& shape, int batch_size) {
  if (batch_size < 1 || batch_size > 65536) throw OptionError(fmt::format("--batch-size {}: expected 1..65536", batch_size));
  ZcBatch b;
  b.shape = shape;
  b.source = "none";
  b.batch_size = batch_size;
  return b;
}

void ZcOptions::check(bool with_data) const {
  if (proxies.empty()) throw OptionError("no proxy to compute: expected a list such as synflow,nwot");
  for (const auto& p : proxies) {
    const auto& info = proxy_info(p);
    if (info.needs != ProxyNeeds::nothing && !with_data)
      throw OptionError(fmt::format("proxy {} needs {}, and there is no data (--data none): use --data random or real images, or a data-free "
                                    "proxy (synflow, params, flops, l2_norm, zen)",
                                    p, info.needs == ProxyNeeds::images ? "images" : "images and labels"));
  }
}

// ---------------------------------------------------------------------------------------------
// The proxies. `Net` is a freshly initialised network (train mode), `x`/`y` the batch.

namespace {

/// One forward/backward of the cross-entropy on the batch that several proxies read: the weight
/// gradients (grad_norm, plain, snip, and GraSP's g), the conv/linear outputs' gradients (fisher)
/// and the ReLU codes (nwot). Each proxy alone would run the same pass on the same initial
/// network; sharing it changes no value.
struct LossPass {
  std::shared_ptr<detail::GenomeNetImpl> net;
  std::vector<Tensor> weights, grads;             // per conv/linear layer (module order); a grad undefined: unused
  std::map<nn::Module*, Tensor> fisher;           // per layer: 0.5 * mean_n (sum_hw act * grad)^2, per channel
  Tensor K;                                       // nwot's kernel
};

struct Ctx {
  const SearchSpace& space;
  const Genome& g;
  const NetworkOptions& net_options;
  std::uint64_t seed;
  const ZcBatch& batch;
  Tensor x, y;  // the batch as tensors (undefined without data)
  bool backward = false;  // some proxy of the list needs the loss gradients
  bool activations = false;  // fisher is in the list
  std::optional<LossPass> pass;
  Tensor jacobian;  // jacov's and epe_nas's
  /// Every proxy runs on the same initial network (NASLib deep-copies the net per measure), in
  /// train mode: BN uses batch statistics, as in NASLib.
  std::shared_ptr<detail::GenomeNetImpl> fresh() const {
    auto net = detail::build_network(space, g, net_options, seed);
    net->train();
    return net;
  }
};

/// The layers NASLib's measures visit: every Conv2d and Linear (module order).
std::vector<nn::Module*> weight_layers(nn::Module& net) {
  std::vector<nn::Module*> v;
  for (const auto& m : net.modules(false))
    if (m->as<nn::Conv2dImpl>() || m->as<nn::LinearImpl>()) v.push_back(m.get());
  return v;
}
Tensor& weight_of(nn::Module* m) {
  if (auto* c = m->as<nn::Conv2dImpl>()) return c->weight;
  return m->as<nn::LinearImpl>()->weight;
}


/// Sum over the layers of f(layer, W) (each a tensor; summed whole), in double: NASLib's sum_arr.
template <class Fn>
double layer_sum(nn::Module& net, Fn f) {
  double total = 0;
  for (auto* m : weight_layers(net)) {
    const Tensor& w = weight_of(m);
    const Tensor t = f(m, w);
    if (t.defined()) total += t.sum().item<double>();
  }
  return total;
}

Tensor cross_entropy(const Tensor& logits, const Tensor& y) { return F::cross_entropy(logits, y); }


double synflow(const Ctx& c) {
  auto net = c.fresh();
  net->to(torch::kDouble);
  {
    // "Linearise": |.| of every parameter and buffer (NASLib abs()es the whole state dict).
    torch::NoGradGuard ng;
    for (auto& p : net->parameters()) p.abs_();
    for (auto& b : net->buffers())
      if (b.is_floating_point()) b.abs_();
  }
  detail::ForwardProbe probe;
  probe.bypass_bn = true;
  detail::ProbeScope scope(&probe);
  net->zero_grad();
  const auto& s = c.batch.shape;
  const Tensor out = net->forward(torch::ones({1, s.channels, s.height, s.width}, torch::kDouble));
  out.sum().backward();
  const double S = layer_sum(*net, [](nn::Module*, const Tensor& w) { return w.grad().defined() ? (w * w.grad()).abs() : Tensor(); });
  if (!std::isfinite(S)) return std::nan("");
  // NASLib stores the logarithm (sign-preserving).
  return S > 0 ? std::log(S) : S < 0 ? -std::log(-S) : 0.0;
}

/// The weight gradient of layer i of the loss pass (undefined where the layer is unused).
template <class Fn>
double grad_sum(const LossPass& p, Fn f) {
  double total = 0;
  for (std::size_t i = 0; i < p.weights.size(); ++i)
    if (p.grads[i].defined()) total += f(p.weights[i], p.grads[i]).sum().template item<double>();
  return total;
}

struct PassProbe : detail::ForwardProbe {
  bool activations = false, codes = false;
  std::vector<std::pair<nn::Module*, Tensor>> acts;
  Tensor K;
  void on_layer(nn::Module& m, const Tensor& out) override {
    if (!activations || !out.requires_grad()) return;
    out.retain_grad();
    acts.emplace_back(&m, out);
  }
  void on_relu(const Tensor& in) override {
    if (!codes) return;
    // Counts of agreeing codes: whole numbers below 2^24 (a layer has fewer features), exact in
    // float's matrix product (as NASLib computes it), accumulated in double.
    const Tensor code = (in.reshape({in.size(0), -1}) > 0).to(torch::kFloat);
    const Tensor k = (code.matmul(code.t()) + (1 - code).matmul((1 - code).t())).to(torch::kDouble);
    K = K.defined() ? K + k : k;
  }
};

/// Runs the loss pass once per cell (forward only when no proxy of the list needs gradients).
const LossPass& loss_pass(Ctx& c) {
  if (c.pass) return *c.pass;
  LossPass p;
  p.net = c.fresh();
  PassProbe probe;
  probe.activations = c.activations;
  probe.codes = true;
  {
    detail::ProbeScope scope(&probe);
    p.net->zero_grad();
    if (c.backward) {
      cross_entropy(p.net->forward(c.x), c.y).backward();
    } else {
      torch::NoGradGuard ng;
      p.net->forward(c.x);
    }
  }
  p.K = probe.K;
  for (auto* m : weight_layers(*p.net)) {
    p.weights.push_back(weight_of(m).detach());
    p.grads.push_back(weight_of(m).grad().defined() ? weight_of(m).grad().clone() : Tensor());
  }
  for (const auto& [m, act] : probe.acts) {
    const Tensor g = act.grad();
    if (!g.defined()) continue;
    Tensor gnk = act.detach() * g;
    if (gnk.dim() > 2) gnk = gnk.sum({2, 3});
    const Tensor del = gnk.pow(2).mean(0).mul(0.5);
    auto& f = p.fisher[m];
    f = f.defined() ? f + del : del;
  }
  c.pass = std::move(p);
  return *c.pass;
}

double grad_norm(Ctx& c) { return grad_sum(loss_pass(c), [](const Tensor&, const Tensor& g) { return g.norm(); }); }
double plain(Ctx& c) { return grad_sum(loss_pass(c), [](const Tensor& w, const Tensor& g) { return g * w; }); }
double snip(Ctx& c) { return grad_sum(loss_pass(c), [](const Tensor& w, const Tensor& g) { return (g * w).abs(); }); }
double l2_norm(const Ctx& c) {
  auto net = c.fresh();
  torch::NoGradGuard ng;
  return layer_sum(*net, [](nn::Module*, const Tensor& w) { return w.norm(); });
}

/// GraSP (Wang et al. 2020), T = 1, one iteration: -W * (H g), g the loss gradient (the loss
/// pass's), H the Hessian: a second forward with its graph kept, then the Hessian-vector product.
double grasp(Ctx& c) {
  const LossPass& p = loss_pass(c);
  detail::ForwardProbe probe;  // every edge computed, nothing recorded
  detail::ProbeScope scope(&probe);
  std::vector<Tensor> weights;
  for (auto* m : weight_layers(*p.net)) weights.push_back(weight_of(m));
  p.net->zero_grad();
  const auto gf = torch::autograd::grad({cross_entropy(p.net->forward(c.x), c.y)}, weights, {}, true, true, /*allow_unused=*/true);
  Tensor z;
  for (std::size_t i = 0; i < weights.size(); ++i)
    if (p.grads[i].defined() && gf[i].defined()) {
      const Tensor t = (p.grads[i] * gf[i]).sum();
      z = z.defined() ? z + t : t;
    }
  if (!z.defined()) return 0;
  z.backward();
  double total = 0;
  for (const auto& w : weights)
    if (w.grad().defined()) total += (-w.detach() * w.grad()).sum().item<double>();
  p.net->zero_grad();
  return total;
}

/// Fisher (Turner et al. 2020 as in Abdelfattah et al.): per output channel of each conv/linear
/// layer, 0.5 * mean_n (sum_hw act * dL/dact)^2 (the loss pass's), weighted by the layer's fan-in
/// (NASLib spreads each channel's value over its weights before summing).
double fisher(Ctx& c) {
  const LossPass& p = loss_pass(c);
  double total = 0;
  for (auto* m : weight_layers(*p.net)) {
    const auto it = p.fisher.find(m);
    if (it == p.fisher.end()) continue;
    const Tensor& w = weight_of(m);
    total += it->second.abs().sum().item<double>() * static_cast<double>(w.numel() / w.size(0));
  }
  return total;
}

/// The Jacobian of the summed logits with respect to the input, one row per image (double).
Tensor input_jacobian(Ctx& c) {
  if (c.jacobian.defined()) return c.jacobian;
  auto net = c.fresh();
  detail::ForwardProbe probe;  // every edge computed, nothing recorded
  detail::ProbeScope scope(&probe);
  Tensor x = c.x.clone().requires_grad_(true);
  const Tensor out = net->forward(x);
  out.backward(torch::ones_like(out));
  // No path from the input to the logits (an all-none cell): the Jacobian is zero.
  const Tensor g = x.grad().defined() ? x.grad() : torch::zeros_like(x);
  c.jacobian = g.reshape({x.size(0), -1}).to(torch::kDouble);
  return c.jacobian;
}

/// numpy.corrcoef of the rows (Pearson; clipped to [-1, 1]). A row of zero variance gives NaN.
Tensor row_corrcoef(const Tensor& rows) {
  const Tensor centred = rows - rows.mean(1, true);
  const Tensor cov = centred.matmul(centred.t());
  const Tensor sd = cov.diagonal().sqrt();
  return (cov / sd.unsqueeze(1) / sd.unsqueeze(0)).clamp(-1, 1);
}

/// Jacobian covariance (Mellor et al. 2021 v1): -sum(log(v + k) + 1/(v + k)), k = 1e-5, over the
/// eigenvalues v of the images' Jacobian correlation matrix.
double jacov(Ctx& c) {
  const Tensor corr = row_corrcoef(input_jacobian(c));
  if (!torch::isfinite(corr).all().item<bool>()) return std::nan("");
  const Tensor v = torch::linalg::eigvalsh(corr, "L") + 1e-5;
  return -(v.log() + v.reciprocal()).sum().item<double>();
}

/// EPE-NAS (Lopes et al. 2021): the per-class correlation of the input Jacobians.
double epe_nas(Ctx& c) {
  const Tensor J = input_jacobian(c);
  const int n_classes = c.batch.shape.classes;
  std::map<std::int64_t, std::vector<std::int64_t>> rows;  // label -> rows, labels ascending
  std::vector<std::int64_t> order;                          // labels in order of first appearance (NASLib's dict)
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(c.batch.labels.size()); ++i) {
    const auto l = c.batch.labels[static_cast<std::size_t>(i)];
    if (!rows.count(l)) order.push_back(l);
    rows[l].push_back(i);
  }
  constexpr double k = 1e-5;
  std::vector<double> score_of;
  for (auto l : order) {
    const auto& r = rows[l];
    if (r.size() == 1) {
      // numpy's corrcoef of one row is the scalar 1; NASLib divides by its len() above 100 classes,
      // which fails and skips the class.
      if (n_classes > 100) continue;
      score_of.push_back(std::log(1 + k));
      continue;
    }
    const Tensor corr = row_corrcoef(J.index_select(0, torch::tensor(r, torch::kInt64)));
    double s = (corr.abs() + k).log().sum().item<double>();
    if (n_classes > 100) s /= static_cast<double>(r.size());
    score_of.push_back(s);
  }
  double score = 0;
  if (n_classes <= 100) {
    for (double s : score_of) score += std::abs(s);
  } else {
    if (score_of.empty()) return std::nan("");
    for (double a : score_of)
      for (double b : score_of) score += std::abs(a - b);
    score /= static_cast<double>(score_of.size());
  }
  return score;
}

/// NASWOT (Mellor et al. 2021): log|det K|, K the Hamming-similarity kernel of the binary codes
/// (input > 0) at every ReLU over the batch, from the loss pass's forward (the same activations
/// as NASLib's forward without gradients).
double nwot(Ctx& c) {
  const LossPass& p = loss_pass(c);
  if (!p.K.defined()) return std::nan("");
  return std::get<1>(torch::linalg::slogdet(p.K)).item<double>();
}

/// Zen-NAS (Lin et al. 2021), NASLib's version: Gaussian weights (BN scale 1, shift 0), Gaussian
/// input x and x + 0.01 e; log of the mean L1 distance of the pre-pool features, plus, for every
/// BN, log sqrt(mean running variance) after those two train-mode passes.
struct FeatureProbe : detail::ForwardProbe {
  Tensor features;
  void on_features(const Tensor& f) override { features = f; }
};
double zen(const Ctx& c) {
  auto net = c.fresh();
  torch::NoGradGuard ng;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(c.seed ^ 0x7e17ULL);
  for (const auto& m : net->modules(false)) {
    if (auto* conv = m->as<nn::Conv2dImpl>()) {
      conv->weight.normal_(0, 1, gen);
      if (conv->bias.defined()) conv->bias.zero_();
    } else if (auto* lin = m->as<nn::LinearImpl>()) {
      lin->weight.normal_(0, 1, gen);
      if (lin->bias.defined()) lin->bias.zero_();
    } else if (auto* bn = m->as<nn::BatchNorm2dImpl>()) {
      if (bn->weight.defined()) bn->weight.fill_(1);
      if (bn->bias.defined()) bn->bias.zero_();
    }
  }
  const auto& s = c.batch.shape;
  const Tensor x1 = torch::randn({c.batch.batch_size, s.channels, s.height, s.width}, gen, torch::kFloat);
  const Tensor x2 = torch::randn({c.batch.batch_size, s.channels, s.height, s.width}, gen, torch::kFloat);
  FeatureProbe probe;
  detail::ProbeScope scope(&probe);
  net->forward(x1);
  const Tensor f1 = probe.features;
  net->forward(x1 + 0.01 * x2);
  const Tensor f2 = probe.features;
  if (!f1.defined() || !f2.defined()) return std::nan("");
  const double d = (f1 - f2).abs().sum({1, 2, 3}).mean().item<double>();
  double bn_term = 0;
  for (const auto& m : net->modules(false))
    if (auto* bn = m->as<nn::BatchNorm2dImpl>())
      if (bn->running_var.defined()) bn_term += std::log(std::sqrt(bn->running_var.mean().item<double>()));
  return std::log(d) + bn_term;
}

double score_one(std::string_view proxy, Ctx& c, const NetworkSummary& summary) {
  if (proxy == "params") return static_cast<double>(summary.parameters) / 1e6;
  if (proxy == "flops") return summary.mflops;
  if (proxy == "synflow") return synflow(c);
  if (proxy == "grasp") return grasp(c);
  if (proxy == "fisher") return fisher(c);
  if (proxy == "grad_norm") return grad_norm(c);
  if (proxy == "l2_norm") return l2_norm(c);
  if (proxy == "plain") return plain(c);
  if (proxy == "nwot") return nwot(c);
  if (proxy == "epe_nas") return epe_nas(c);
  if (proxy == "jacov") return jacov(c);
  if (proxy == "snip") return snip(c);
  if (proxy == "zen") return zen(c);
  throw std::logic_error(fmt::format("score_one: no implementation of proxy {}", proxy));
}

}  // namespace

std::vector<ZcScore> zero_cost_scores(const SearchSpace& space, const Genome& g, const ZcBatch& batch, const ZcOptions& o) {
  o.check(batch);
  NetworkOptions no = o.network;
  no.input_channels = batch.shape.channels;
  no.input_height = batch.shape.height;
  no.input_width = batch.shape.width;
  no.classes = batch.shape.classes;
  no.drop_path = 0;
  const auto t0 = Clock::now();
  const NetworkSummary summary = summarize_network(space, g, no);
  Ctx c{space, g, no, o.seed, batch, {}, {}, false, false, std::nullopt, {}};
  for (const auto& p : o.proxies) {
    if (p == "grad_norm" || p == "plain" || p == "snip" || p == "fisher" || p == "grasp") c.backward = true;
    if (p == "fisher") c.activations = true;
  }
  if (batch.size() > 0) {
    const auto& s = batch.shape;
    c.x = torch::from_blob(const_cast<float*>(batch.images.data()), {static_cast<std::int64_t>(batch.size()), s.channels, s.height, s.width},
                           torch::kFloat)
              .clone();
    c.y = torch::tensor(batch.labels, torch::kInt64);
  }
  std::vector<ZcScore> out;
  double setup = since(t0);
  for (const auto& p : o.proxies) {
    const auto t = Clock::now();
    double v;
    try {
      v = score_one(p, c, summary);
    } catch (const c10::Error&) {
      v = std::nan("");  // a numerical failure of this proxy on this cell: missing, as NASLib drops it
    }
    if (!std::isfinite(v)) v = std::nan("");
    out.push_back({v, since(t) + setup});
    setup = 0;
  }
  return out;
}

void score_cells(const SearchSpace& space, const std::vector<Genome>& cells, const ZcBatch& batch, const ZcOptions& o, int threads,
                 const std::function<void(std::size_t, const std::vector<ZcScore>&)>& on_done) {
  o.check(batch);
  if (threads < 1) throw OptionError(fmt::format("threads {}: expected at least 1", threads));
  // One torch thread per scoring thread: cells run side by side, and a cell's result does not
  // depend on how many run at once.
  if (torch::get_num_threads() != 1) torch::set_num_threads(1);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex m;
  std::exception_ptr error;
  auto work = [&] {
    while (!stop) {
      const std::size_t i = next++;
      if (i >= cells.size()) return;
      // glibc keeps the heap a cell's many short-lived tensors leave behind: without a trim the
      // resident memory grew by 30-130 KB per cell (nwot: 1,500 cells 338 MB, with trims flat).
      if (i % 64 == 63) malloc_trim(0);
      try {
        const auto r = zero_cost_scores(space, cells[i], batch, o);
        std::lock_guard lock(m);
        if (!stop) on_done(i, r);
      } catch (...) {
        std::lock_guard lock(m);
        if (!error) error = std::current_exception();
        stop = true;
      }
    }
  };
  const int n = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads), std::max<std::size_t>(cells.size(), 1)));
  std::vector<std::thread> pool;
  for (int t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace nas::training
