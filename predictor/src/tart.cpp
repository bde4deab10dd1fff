// TART (He, arXiv 2501.02007) over LAP tokens (encoding.cpp), and the flat-encoding MLP baseline.
// TART: linear lift to d_model, nn::TransformerEncoder (`tart_layers`, `tart_heads`, feed-forward
// 2*d_model, no dropout: dropout would draw from torch's global generator and break per-seed
// determinism; the training sets are small and weight decay regularises), src_key_padding_mask,
// mean pool over real tokens, FC head. Training flips the sign of each eigenvector column at
// random per architecture (the same flip for its P_u and P_v slots).
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/transformercoder.h>
#include <torch/nn/modules/transformerlayer.h>

#include "net.hpp"

namespace nas::predictor::detail {
namespace {

class Tart final : public Net {
 public:
  Tart(const PredictorOptions& o, int width, int d_f, int extra) : width_(width), d_f_(d_f), d_p_(o.tart_dp), extra_(extra) {
    const int D = o.tart_d_model;
    lift_ = register_module("lift", torch::nn::Linear(width, D));
    auto layer = torch::nn::TransformerEncoderLayer(torch::nn::TransformerEncoderLayerOptions(D, o.tart_heads).dim_feedforward(2 * D).dropout(0.0));
    encoder_ = register_module("encoder", torch::nn::TransformerEncoder(torch::nn::TransformerEncoderOptions(layer, o.tart_layers)));
    head_ = register_module("head", torch::nn::Sequential(torch::nn::Linear(D, D), torch::nn::ReLU(), torch::nn::Linear(D, 1)));
    // Features: an embedding added to the pooled tokens (see carl.cpp for why not concatenated).
    if (extra > 0) feat_ = register_module("features", torch::nn::Linear(extra, D));
    o_ = o;
  }

  torch::Tensor forward_tokens(const torch::Tensor& tokens, const torch::Tensor& pad, const torch::Tensor& feat) {
    // The C++ TransformerEncoder of LibTorch 1.13 takes (S, B, E) (no batch_first option).
    auto h = lift_(tokens).transpose(0, 1);
    h = encoder_(h, torch::Tensor(), pad).transpose(0, 1);  // [B,T,D]
    const auto real = (~pad).to(h.scalar_type()).unsqueeze(-1);
    const auto pooled = (h * real).sum(1) / real.sum(1).clamp_min(1.0);
    return head_->forward(extra_ > 0 ? pooled + feat_(feat) : pooled).squeeze(-1);
  }

  torch::Tensor score(const Inputs& in) override { return forward_tokens(in.tokens, in.pad, in.feat); }

  torch::Tensor loss(const Inputs& in, const torch::Tensor& y, const torch::Tensor& w, Rng& rng) override {
    const auto B = in.tokens.size(0);
    std::vector<float> sign(static_cast<std::size_t>(B * width_), 1.0f);
    for (std::int64_t b = 0; b < B; ++b)
      for (int k = 0; k < d_p_; ++k) {
        const float s = (rng() >> 63) ? -1.0f : 1.0f;
        sign[static_cast<std::size_t>(b * width_ + d_f_ + k)] = s;
        sign[static_cast<std::size_t>(b * width_ + d_f_ + d_p_ + k)] = s;
      }
    const auto flips = torch::from_blob(sign.data(), {B, 1, width_}, torch::kFloat32).to(in.tokens.device());
    return ranking_loss(forward_tokens(in.tokens * flips, in.pad, in.feat), y, w, o_);
  }

 private:
  PredictorOptions o_;
  int width_, d_f_, d_p_, extra_;
  torch::nn::Linear lift_{nullptr}, feat_{nullptr};
  torch::nn::TransformerEncoder encoder_{nullptr};
  torch::nn::Sequential head_{nullptr};
};

class Mlp final : public Net {
 public:
  Mlp(const PredictorOptions& o, int inputs, int extra) : o_(o), extra_(extra) {
    net_ = torch::nn::Sequential();
    int in = inputs;
    for (int l = 0; l < std::max(1, o.layers); ++l) {
      net_->push_back(torch::nn::Linear(in, o.hidden));
      net_->push_back(torch::nn::ReLU());
      in = o.hidden;
    }
    if (extra == 0) net_->push_back(torch::nn::Linear(in, 1));  // the layout of checkpoints without features
    register_module("mlp", net_);
    if (extra > 0) {
      // Features: an embedding added to the last hidden layer (see carl.cpp for why not appended
      // to the input, where they were one input among the encoding's and learnt too slowly).
      out_ = register_module("out", torch::nn::Linear(in, 1));
      feat_ = register_module("features", torch::nn::Linear(extra, in));
    }
  }
  torch::Tensor score(const Inputs& in) override {
    if (extra_ == 0) return net_->forward(in.flat).squeeze(-1);
    return out_(net_->forward(in.flat) + feat_(in.feat)).squeeze(-1);
  }
  torch::Tensor loss(const Inputs& in, const torch::Tensor& y, const torch::Tensor& w, Rng&) override {
    return ranking_loss(score(in), y, w, o_);
  }

 private:
  PredictorOptions o_;
  int extra_;
  torch::nn::Sequential net_{nullptr};
  torch::nn::Linear out_{nullptr}, feat_{nullptr};
};

}  // namespace

std::shared_ptr<Net> make_tart(const PredictorOptions& o, int token_width, int d_f, int extra) {
  return std::make_shared<Tart>(o, token_width, d_f, extra);
}
std::shared_ptr<Net> make_mlp(const PredictorOptions& o, int inputs, int extra) { return std::make_shared<Mlp>(o, inputs, extra); }

}  // namespace nas::predictor::detail
