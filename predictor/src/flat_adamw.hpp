#pragma once
// AdamW over one flat buffer. The surrogates are small (tens of parameter tensors, ~100k values)
// and their fits are dominated by per-op overhead, not arithmetic: torch::optim::AdamW issues
// about ten ops per parameter tensor per step (1.1 ms of an 8.8 ms CARL step, measured). Here the
// parameters are views into one contiguous buffer and every step is a dozen ops over all of it.
// The update is LibTorch 1.13's AdamW, term for term (decoupled decay p *= 1 - lr wd; moments;
// denom = sqrt(v) / sqrt(1 - b2^t) + eps; p -= lr / (1 - b1^t) * m / denom), with one step count
// per parameter tensor: a tensor whose gradient is undefined in a step is skipped, as there.
// Internal to predictor/src (torch types). Not thread-safe: one optimiser per surrogate.
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <torch/serialize/archive.h>
#include <torch/types.h>

namespace nas::predictor::detail {

class FlatAdamW {
 public:
  FlatAdamW() = default;
  /// Takes `params` (a module's parameters) and re-seats each as a view of one flat buffer,
  /// keeping its values. Call again after anything replaces a parameter's storage (load()).
  FlatAdamW(std::vector<torch::Tensor> params, double weight_decay) : params_(std::move(params)), wd_(weight_decay) {
    seat();
    m_ = torch::zeros_like(flat_);
    v_ = torch::zeros_like(flat_);
    steps_.assign(params_.size(), 0);
  }

  void set_lr(double lr) { lr_ = lr; }

  /// Drops every gradient (the next backward allocates fresh ones, as zero_grad(set_to_none)).
  void zero_grad() {
    for (auto& p : params_) p.mutable_grad().reset();
  }

  void step() {
    torch::NoGradGuard no_grad;
    bool all = true;
    for (std::size_t i = 0; i < params_.size(); ++i) all = all && params_[i].grad().defined() && steps_[i] == steps_[0];
    if (all && !params_.empty()) {
      std::vector<torch::Tensor> g;
      g.reserve(params_.size());
      for (auto& p : params_) g.push_back(p.grad().reshape({-1}));
      update(flat_, m_, v_, torch::cat(g), ++steps_[0]);
      for (std::size_t i = 1; i < steps_.size(); ++i) steps_[i] = steps_[0];
      return;
    }
    // Some tensor took no part in this loss (or fell behind before): per-tensor updates on views.
    for (std::size_t i = 0; i < params_.size(); ++i) {
      if (!params_[i].grad().defined()) continue;
      update(view(flat_, i), view(m_, i), view(v_, i), params_[i].grad().reshape({-1}), ++steps_[i]);
    }
  }

  void save(torch::serialize::OutputArchive& a) const {
    a.write("format", torch::tensor(std::int64_t{2}));  // 2: flat AdamW (1 was torch::optim::AdamW's archive)
    a.write("exp_avg", m_);
    a.write("exp_avg_sq", v_);
    a.write("steps", torch::tensor(steps_));
  }
  /// Restores the moments and step counts; `params` must be the same layout (same options).
  /// Throws std::runtime_error for another layout or an optimiser state of another format.
  void load(torch::serialize::InputArchive& a) {
    torch::Tensor format, m, v, steps;
    if (!a.try_read("format", format) || format.item<std::int64_t>() != 2)
      throw std::runtime_error("surrogate checkpoint: optimiser state of an older format (written before the flat AdamW); retrain and save again");
    a.read("exp_avg", m);
    a.read("exp_avg_sq", v);
    a.read("steps", steps);
    seat();
    if (m.numel() != flat_.numel() || v.numel() != flat_.numel() || steps.numel() != static_cast<std::int64_t>(params_.size()))
      throw std::runtime_error("surrogate checkpoint: optimiser state does not match the model's parameters");
    m_ = m.to(flat_.device()).contiguous();
    v_ = v.to(flat_.device()).contiguous();
    const auto s = steps.to(torch::kCPU, torch::kInt64).contiguous();
    steps_.assign(s.data_ptr<std::int64_t>(), s.data_ptr<std::int64_t>() + s.numel());
  }

 private:
  static constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kEps = 1e-8;  // torch's AdamW defaults

  // Copies the parameters into one buffer and makes each a view of its slice.
  void seat() {
    torch::NoGradGuard no_grad;
    offsets_.assign(1, 0);
    for (auto& p : params_) offsets_.push_back(offsets_.back() + p.numel());
    if (params_.empty()) return;
    flat_ = torch::empty({offsets_.back()}, params_[0].options());
    for (std::size_t i = 0; i < params_.size(); ++i) {
      auto slice = view(flat_, i);
      slice.copy_(params_[i].detach().reshape({-1}));
      params_[i].set_data(slice.view(params_[i].sizes()));
    }
  }
  torch::Tensor view(const torch::Tensor& t, std::size_t i) const {
    return t.narrow(0, offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  void update(torch::Tensor p, torch::Tensor m, torch::Tensor v, const torch::Tensor& g, std::int64_t t) const {
    if (wd_ != 0) p.mul_(1 - lr_ * wd_);
    const double bc1 = 1 - std::pow(kBeta1, static_cast<double>(t)), bc2 = 1 - std::pow(kBeta2, static_cast<double>(t));
    m.mul_(kBeta1).add_(g, 1 - kBeta1);
    v.mul_(kBeta2).addcmul_(g, g, 1 - kBeta2);
    const auto denom = (v.sqrt() / std::sqrt(bc2)).add_(kEps);
    p.addcdiv_(m, denom, -lr_ / bc1);
  }

  std::vector<torch::Tensor> params_;
  std::vector<std::int64_t> offsets_;
  std::vector<std::int64_t> steps_;
  torch::Tensor flat_, m_, v_;
  double lr_ = 1e-3, wd_ = 0;
};

}  // namespace nas::predictor::detail
