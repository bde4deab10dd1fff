// The surrogate driver shared by every kind: options, device, batching, losses, the training
// loop, scoring, checkpoints, clone, explain. The networks live in carl.cpp and tart.cpp.
#include "nas/predictor/factory.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <torch/cuda.h>
#include <torch/nn/functional/activation.h>
#include <torch/serialize/archive.h>
#include <torch/utils.h>

#include "flat_adamw.hpp"
#include "net.hpp"
#include "nas/core/errors.hpp"
#include "nas/predictor/encoding.hpp"
#include "nas/predictor/explain.hpp"

namespace nas::predictor {

const char* predictor_kinds() { return "carl, tart, gcn, mlp"; }

void PredictorOptions::validate() const {
  // Names both the field (embedders) and the command-line option (users of nas).
  auto bad = [](const char* field, const auto& value, const char* expected) {
    std::string flag = field == std::string_view("kind") ? "predictor" : field == std::string_view("learning_rate") ? "lr" : field;
    std::replace(flag.begin(), flag.end(), '_', '-');
    throw OptionError(fmt::format("--{} {}: expected {} (predictor option {})", flag, value, expected, field));
  };
  if (kind != "carl" && kind != "tart" && kind != "gcn" && kind != "mlp") bad("kind", kind, "carl | tart | gcn | mlp");
  if (!std::regex_match(device, std::regex("auto|cpu|cuda(:[0-9]+)?"))) bad("device", device, "auto | cpu | cuda | cuda:N");
  if (torch_threads < 0) bad("torch_threads", torch_threads, ">= 0 (0 = hardware cores)");
  if (epochs < 1) bad("epochs", epochs, ">= 1");
  if (batch_size < 2) bad("batch_size", batch_size, ">= 2");
  if (!(learning_rate > 0) || !std::isfinite(learning_rate)) bad("learning_rate", learning_rate, "> 0");
  if (!(weight_decay >= 0) || !std::isfinite(weight_decay)) bad("weight_decay", weight_decay, ">= 0");
  if (hidden < 1) bad("hidden", hidden, ">= 1");
  if (layers < 0) bad("layers", layers, ">= 0");
  if (ranking_loss != "pairwise_logistic" && ranking_loss != "hinge") bad("ranking_loss", ranking_loss, "pairwise_logistic | hinge");
  if (!(hinge_margin >= 0)) bad("hinge_margin", hinge_margin, ">= 0");
  if (!(mse_weight >= 0)) bad("mse_weight", mse_weight, ">= 0");
  if (gcn_mode != "directed" && gcn_mode != "sym") bad("gcn_mode", gcn_mode, "directed | sym");
  if (!(lambda_r >= 0)) bad("lambda_r", lambda_r, ">= 0");
  if (!(lambda_i >= 0)) bad("lambda_i", lambda_i, ">= 0");
  if (!(mask_budget > 0 && mask_budget < 1)) bad("mask_budget", mask_budget, "in (0, 1)");
  if (!(lambda_binary >= 0)) bad("lambda_binary", lambda_binary, ">= 0");
  if (!(lambda_mask >= 0)) bad("lambda_mask", lambda_mask, ">= 0");
  if (intervention_combine != "concat" && intervention_combine != "sum") bad("intervention_combine", intervention_combine, "concat | sum");
  if (interventions < 0) bad("interventions", interventions, ">= 0");
  if (!(tart_learning_rate > 0) || !std::isfinite(tart_learning_rate)) bad("tart_learning_rate", tart_learning_rate, "> 0");
  if (tart_dp < 1) bad("tart_dp", tart_dp, ">= 1");
  if (tart_d_model < 1) bad("tart_d_model", tart_d_model, ">= 1");
  if (tart_layers < 1) bad("tart_layers", tart_layers, ">= 1");
  if (tart_heads < 1 || tart_d_model % tart_heads != 0) bad("tart_heads", tart_heads, "a divisor of tart_d_model");
}

namespace detail {

std::int64_t Inputs::size() const {
  for (const auto* t : {&x, &tokens, &flat})
    if (t->defined()) return t->size(0);
  return 0;
}

Inputs Inputs::select(const torch::Tensor& idx) const {
  Inputs r;
  auto pick = [&](const torch::Tensor& t) { return t.defined() ? t.index_select(0, idx) : t; };
  r.x = pick(x); r.adj = pick(adj); r.mask = pick(mask);
  r.tokens = pick(tokens); r.pad = pick(pad); r.flat = pick(flat); r.feat = pick(feat);
  return r;
}

torch::Tensor weighted_mse(const torch::Tensor& s, const torch::Tensor& target, const torch::Tensor& w) {
  return ((s - target).pow(2) * w).sum() / (w.sum().clamp_min(1e-12) * static_cast<double>(s.numel() / std::max<std::int64_t>(1, w.numel())));
}

torch::Tensor ranking_loss(const torch::Tensor& s, const torch::Tensor& y, const torch::Tensor& w, const PredictorOptions& o) {
  // s is [B] or [K,B] (K score vectors against the same targets, e.g. K interventions): the
  // loss is the mean over the K rows, computed in one broadcast pass.
  const auto ds = s.unsqueeze(-1) - s.unsqueeze(-2);                          // s_i - s_j
  const auto better = (y.unsqueeze(1) > y.unsqueeze(0)).to(s.scalar_type());  // y_i > y_j
  const auto pw = better * (w.unsqueeze(1) + w.unsqueeze(0)) * 0.5;
  const auto per_pair = o.ranking_loss == "hinge" ? torch::relu(o.hinge_margin - ds) : torch::nn::functional::softplus(-ds);
  const double rows = static_cast<double>(s.numel() / std::max<std::int64_t>(1, y.numel()));
  auto L = (per_pair * pw).sum() / (pw.sum().clamp_min(1e-12) * rows);
  if (o.mse_weight > 0) L = L + o.mse_weight * weighted_mse(s, y, w);
  return L;
}

torch::Tensor permutation(std::int64_t n, Rng& rng, torch::Device device) {
  std::vector<std::int64_t> p(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) p[static_cast<std::size_t>(i)] = i;
  for (std::int64_t i = n - 1; i > 0; --i) std::swap(p[static_cast<std::size_t>(i)], p[rng.below(static_cast<std::uint64_t>(i + 1))]);
  return torch::from_blob(p.data(), {n}, torch::kInt64).to(device, /*non_blocking=*/false, /*copy=*/true);
}

namespace {

torch::Device resolve_device(const std::string& d) {
  if (d == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (d == "cpu") return torch::Device(torch::kCPU);
  if (!torch::cuda::is_available()) throw OptionError(fmt::format("predictor option device = {}: CUDA is not available in this LibTorch/machine", d));
  torch::Device dev(d == "cuda" ? std::string("cuda:0") : d);
  if (dev.index() >= static_cast<int>(torch::cuda::device_count()))
    throw OptionError(fmt::format("predictor option device = {}: only {} CUDA device(s)", d, torch::cuda::device_count()));
  return dev;
}

// torch::manual_seed and module initialisation use torch's global generator: serialise them so
// that surrogates built on different threads still get the weights their seed promises.
std::mutex& init_mutex() {
  static std::mutex m;
  return m;
}

torch::Tensor to_device(std::vector<float>& v, std::vector<std::int64_t> shape, torch::Device dev) {
  return torch::from_blob(v.data(), shape, torch::kFloat32).to(dev, false, /*copy=*/true);
}

class TorchSurrogate final : public Surrogate {
 public:
  TorchSurrogate(const SearchSpace& space, const PredictorOptions& o, std::shared_ptr<TokenCache> cache, std::shared_ptr<CellScorer> features)
      : space_(space), o_(o), device_(resolve_device(o.device)), cache_(std::move(cache)), features_(std::move(features)),
        extra_(features_ ? static_cast<int>(features_->names().size()) : 0) {
    if (features_ && extra_ == 0) throw std::invalid_argument("make_surrogate: a feature scorer with no scores");
    if (!cache_ && o_.kind == "tart") cache_ = std::make_shared<TokenCache>(o_.tart_dp, o_.tart_onehot);
    torch::set_num_threads(o_.torch_threads > 0 ? o_.torch_threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    build(o_.seed);
  }

  std::string name() const override { return o_.kind; }
  std::string device() const override { return device_.str(); }
  TrainingStats last_training() const override { return last_; }
  const PredictorOptions& options() const { return o_; }
  const SearchSpace& space() const { return space_; }
  detail::Net& net() { return *net_; }

  TrainingStats fit(std::span<const Genome> archs, std::span<const double> targets, const FitOptions& f) override {
    if (archs.size() != targets.size()) throw std::invalid_argument(fmt::format("fit: {} architectures but {} targets", archs.size(), targets.size()));
    if (!f.sample_weights.empty() && f.sample_weights.size() != targets.size())
      throw std::invalid_argument(fmt::format("fit: {} sample weights for {} targets", f.sample_weights.size(), targets.size()));
    if (archs.size() < 2) throw std::invalid_argument("fit: needs at least 2 architectures");
    if (!(f.learning_rate_scale > 0) || !std::isfinite(f.learning_rate_scale))
      throw std::invalid_argument(fmt::format("fit: learning_rate_scale {} must be > 0", f.learning_rate_scale));
    // Every argument is checked before a cold fit re-initialises the model: a bad call leaves it as it was.
    double ws = 0;
    for (double v : f.sample_weights) {
      if (!(v >= 0) || !std::isfinite(v)) throw std::invalid_argument("fit: sample weights must be finite and >= 0");
      ws += v;
    }
    if (!f.sample_weights.empty() && !(ws > 0)) throw std::invalid_argument("fit: sample weights sum to 0");
    const auto t0 = std::chrono::steady_clock::now();
    const std::uint64_t seed = derive_seed(o_.seed, f.seed);
    const auto n = static_cast<std::int64_t>(archs.size());
    std::vector<float> raw = extra_ > 0 ? raw_features(archs) : std::vector<float>{};
    if (!f.warm_start || !fitted_) {
      // The features' standardisation is fixed at a cold fit, from its cells: a warm fit continues
      // a network whose inputs must keep their meaning.
      if (extra_ > 0) feature_scale(raw);
      build(seed);
    }

    // z-scored targets and weights normalised to mean 1 (only the order of scores matters).
    double mean = 0, var = 0;
    for (double t : targets) mean += t;
    mean /= static_cast<double>(n);
    for (double t : targets) var += (t - mean) * (t - mean);
    const double sd = std::sqrt(var / static_cast<double>(n)) + 1e-12;
    std::vector<float> y(archs.size()), w(archs.size(), 1.0f);
    for (std::size_t i = 0; i < archs.size(); ++i) y[i] = static_cast<float>((targets[i] - mean) / sd);
    if (!f.sample_weights.empty()) {
      for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(f.sample_weights[i] * static_cast<double>(n) / ws);
    }
    const Inputs all = encode(archs, std::move(raw));
    const auto Y = to_device(y, {n}, device_), W = to_device(w, {n}, device_);

    const int epochs = f.epochs > 0 ? f.epochs : o_.epochs;
    const double base_lr = (o_.kind == "tart" ? o_.tart_learning_rate : o_.learning_rate) * f.learning_rate_scale;
    // Near-equal minibatches (never a tiny last one: pairwise losses need pairs).
    const std::int64_t nb = std::max<std::int64_t>(1, (n + o_.batch_size - 1) / o_.batch_size);
    Rng rng(derive_seed(seed, 1));
    net_->train();
    double last_loss = 0;
    const int total_steps = epochs * static_cast<int>(nb);
    int step = 0;
    for (int e = 0; e < epochs; ++e) {
      const auto perm = permutation(n, rng, torch::kCPU);
      double sum = 0;
      for (std::int64_t b = 0; b < nb; ++b, ++step) {
        // Cosine decay of the learning rate over the fit (restarted by every fit).
        const double lr = base_lr * 0.5 * (1.0 + std::cos(M_PI * step / std::max(1, total_steps)));
        opt_.set_lr(lr);
        const auto idx = perm.slice(0, b * n / nb, (b + 1) * n / nb).to(device_);
        const auto loss = net_->loss(all.select(idx), Y.index_select(0, idx), W.index_select(0, idx), rng);
        opt_.zero_grad();
        loss.backward();
        opt_.step();
        sum += loss.item<double>();
      }
      last_loss = sum / static_cast<double>(nb);
    }
    fitted_ = true;
    last_ = {archs.size(), epochs, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), last_loss};
    return last_;
  }

  std::vector<double> score(std::span<const Genome> archs) override {
    if (!fitted_) throw std::logic_error("score: surrogate " + o_.kind + " has not been fitted or loaded");
    torch::NoGradGuard no_grad;
    net_->eval();
    std::vector<double> out;
    out.reserve(archs.size());
    constexpr std::size_t kChunk = 4096;
    for (std::size_t s = 0; s < archs.size(); s += kChunk) {
      const auto part = archs.subspan(s, std::min(kChunk, archs.size() - s));
      const auto sc = net_->score(encode(part)).to(torch::kCPU, torch::kFloat64).contiguous();
      out.insert(out.end(), sc.data_ptr<double>(), sc.data_ptr<double>() + sc.numel());
    }
    return out;
  }

  std::unique_ptr<Surrogate> clone() const override {
    std::stringstream buf;
    write(buf);
    auto c = std::make_unique<TorchSurrogate>(space_, o_, cache_, features_);
    c->read(buf);
    c->last_ = last_;
    return c;
  }

  void save(const std::string& path) const override {
    std::ofstream out(path, std::ios::binary);
    if (!out) throw std::runtime_error(path + ": cannot open for writing");
    write(out);
    if (!out) throw std::runtime_error(path + ": write failed");
  }
  void load(const std::string& path) override {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot open checkpoint");
    read(in);
  }

  /// `raw`: the cells' raw_features() where the caller has them already (empty: read here).
  Inputs encode(std::span<const Genome> archs, std::vector<float> raw = {}) {
    Inputs in;
    const auto B = static_cast<std::int64_t>(archs.size());
    if (o_.kind == "carl" || o_.kind == "gcn") {
      GraphBatch g = encode_graphs(space_, archs, space_.max_graph_nodes());
      in.x = to_device(g.x, {B, g.nodes, g.features}, device_);
      in.adj = to_device(g.adj, {B, g.nodes, g.nodes}, device_);
      in.mask = to_device(g.node_mask, {B, g.nodes}, device_);
    } else if (o_.kind == "tart") {
      const auto seqs = cache_->get(space_, archs);
      TokenBatch t = pad_tokens(seqs);
      in.tokens = to_device(t.data, {B, t.tokens, t.width}, device_);
      in.pad = torch::from_blob(t.pad.data(), {B, t.tokens}, torch::kUInt8).to(device_, torch::kBool, false, true);
    } else {
      std::vector<float> f = encode_flat(space_, archs);
      in.flat = to_device(f, {B, static_cast<std::int64_t>(space_.flat_encoding_size())}, device_);
    }
    if (extra_ > 0) {
      // z = (v - mean) / sd, clamped: a candidate far outside the training cells' range (a small
      // first sample) must not dominate the head; a missing score (NaN) sits at the mean.
      auto v = raw.empty() ? raw_features(archs) : std::move(raw);
      for (std::size_t i = 0; i < v.size(); ++i) {
        const auto k = i % static_cast<std::size_t>(extra_);
        const float z = std::isnan(v[i]) ? 0.0f : (v[i] - feat_mean_[k]) / feat_sd_[k];
        v[i] = std::clamp(z, -kFeatureClamp, kFeatureClamp);
      }
      in.feat = to_device(v, {B, extra_}, device_);
    }
    return in;
  }

 private:
  static constexpr float kFeatureClamp = 6.0f;

  // The scorer's rows for `archs`, row-major [B,K] (NaN = missing). Throws std::invalid_argument
  // if a row is not K wide, and what the scorer throws.
  std::vector<float> raw_features(std::span<const Genome> archs) const {
    const auto rows = features_->scores(archs);
    if (rows.size() != archs.size()) throw std::invalid_argument(fmt::format("surrogate features: {} rows for {} cells", rows.size(), archs.size()));
    std::vector<float> v;
    v.reserve(archs.size() * static_cast<std::size_t>(extra_));
    for (const auto& r : rows) {
      if (r.size() != static_cast<std::size_t>(extra_))
        throw std::invalid_argument(fmt::format("surrogate features: a row of {} values, expected {}", r.size(), extra_));
      for (double x : r) v.push_back(std::isfinite(x) ? static_cast<float>(x) : std::nanf(""));
    }
    return v;
  }

  // Mean and standard deviation of each feature over the present values (sd 1 where it is
  // constant or absent).
  void feature_scale(const std::vector<float>& v) {
    const auto K = static_cast<std::size_t>(extra_);
    feat_mean_.assign(K, 0.0f);
    feat_sd_.assign(K, 1.0f);
    for (std::size_t k = 0; k < K; ++k) {
      double sum = 0, sq = 0, n = 0;
      for (std::size_t i = k; i < v.size(); i += K)
        if (!std::isnan(v[i])) { sum += v[i]; sq += static_cast<double>(v[i]) * v[i]; ++n; }
      if (n == 0) continue;
      const double mean = sum / n, var = std::max(0.0, sq / n - mean * mean);
      feat_mean_[k] = static_cast<float>(mean);
      if (std::sqrt(var) > 1e-12 * std::max(1.0, std::abs(mean))) feat_sd_[k] = static_cast<float>(std::sqrt(var));
    }
  }

  void build(std::uint64_t seed) {
    {
      std::lock_guard lock(init_mutex());
      torch::manual_seed(seed);
      const int ops = static_cast<int>(space_.graph_op_names().size());
      if (o_.kind == "carl" || o_.kind == "gcn") {
        PredictorOptions c = o_;
        if (o_.kind == "gcn") c.lambda_r = c.lambda_i = c.lambda_mask = c.lambda_binary = 0;  // the ablation: a plain GCN ranker
        net_ = make_carl(c, ops, extra_);
      } else if (o_.kind == "tart") {
        net_ = make_tart(o_, lap_token_width(o_.tart_dp, o_.tart_onehot, ops), o_.tart_onehot ? ops : 1, extra_);
      } else {
        net_ = make_mlp(o_, static_cast<int>(space_.flat_encoding_size()), extra_);
      }
    }
    net_->to(device_);
    opt_ = FlatAdamW(net_->parameters(), o_.weight_decay);
  }

  void write(std::ostream& os) const {
    torch::serialize::OutputArchive root, model, optim;
    net_->save(model);
    opt_.save(optim);
    root.write("model", model);
    root.write("optimizer", optim);
    root.write("fitted", torch::tensor(fitted_ ? 1 : 0));
    if (extra_ > 0) {
      auto scale = torch::empty({2, extra_}, torch::kFloat32);
      std::copy(feat_mean_.begin(), feat_mean_.end(), scale.data_ptr<float>());
      std::copy(feat_sd_.begin(), feat_sd_.end(), scale.data_ptr<float>() + extra_);
      root.write("feature_scale", scale);
    }
    root.save_to(os);
  }
  void read(std::istream& is) {
    torch::serialize::InputArchive root, model, optim;
    root.load_from(is, device_);
    // The feature count first: a mismatch would otherwise surface as torch's shape error.
    torch::Tensor scale;
    const bool has_scale = root.try_read("feature_scale", scale);
    const std::int64_t saved = has_scale ? scale.size(1) : 0;
    if (saved != extra_)
      throw std::runtime_error(fmt::format("checkpoint: a surrogate with {} feature input(s); this one has {}", saved, extra_));
    root.read("model", model);
    root.read("optimizer", optim);
    net_->load(model);
    opt_.load(optim);
    torch::Tensor fitted;
    root.read("fitted", fitted);
    fitted_ = fitted.item<int>() != 0;
    if (extra_ > 0) {
      const auto sc = scale.to(torch::kCPU, torch::kFloat32).contiguous();
      feat_mean_.assign(sc.data_ptr<float>(), sc.data_ptr<float>() + extra_);
      feat_sd_.assign(sc.data_ptr<float>() + extra_, sc.data_ptr<float>() + 2 * extra_);
    }
  }

  const SearchSpace& space_;
  PredictorOptions o_;
  torch::Device device_;
  std::shared_ptr<TokenCache> cache_;  // shared with clones (it is thread-safe)
  std::shared_ptr<CellScorer> features_;  // shared with clones (it is thread-safe); null = none
  int extra_ = 0;                         // features per cell
  std::vector<float> feat_mean_, feat_sd_;
  std::shared_ptr<Net> net_;
  FlatAdamW opt_;
  TrainingStats last_;
  bool fitted_ = false;
};

}  // namespace
}  // namespace detail

std::unique_ptr<Surrogate> make_surrogate(const SearchSpace& space, const PredictorOptions& options, std::shared_ptr<CellScorer> features) {
  options.validate();
  return std::make_unique<detail::TorchSurrogate>(space, options, nullptr, std::move(features));
}

std::vector<MaskExplanation> explain(Surrogate& s, std::span<const Genome> archs) {
  auto* t = dynamic_cast<detail::TorchSurrogate*>(&s);
  if (!t || (t->options().kind != "carl" && t->options().kind != "gcn"))
    throw std::invalid_argument("explain: needs a CARL or GCN surrogate, got " + s.name());
  if (archs.empty()) return {};
  // Validate "fitted" the same way score() does.
  (void)t->score(archs.first(1));
  torch::NoGradGuard no_grad;
  t->net().eval();
  const auto [a, b] = detail::carl_masks(t->net(), t->encode(archs));
  const auto A = a.to(torch::kCPU).contiguous(), Bm = b.to(torch::kCPU).contiguous();
  const auto N = A.size(1);
  const float* pa = A.data_ptr<float>();
  const float* pb = Bm.data_ptr<float>();
  std::vector<MaskExplanation> out(archs.size());
  for (std::size_t i = 0; i < archs.size(); ++i) {
    auto& e = out[i];
    e.graph = t->space().graph_view(archs[i]);
    const int n = e.graph.num_nodes;
    const auto base = static_cast<std::int64_t>(i) * N;
    for (int v = 0; v < n; ++v) e.node_mask.push_back(pa[base + v]);
    for (int u = 0; u < n; ++u)
      for (int v = 0; v < n; ++v)
        if (e.graph.edge(u, v)) e.edges.push_back({u, v, pb[(base + u) * N + v]});
  }
  return out;
}

}  // namespace nas::predictor
