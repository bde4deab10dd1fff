#pragma once
// Internal (torch) side of network.hpp: the modules built from a genome. Included by the
// library's own torch translation units only.
#include <memory>

#include <torch/torch.h>

#include "nas/training/network.hpp"

namespace nas::training::detail {

/// A network built from a genome: forward returns the logits; in training mode a network with an
/// auxiliary head also leaves its logits in `aux_logits` (undefined otherwise).
class GenomeNetImpl : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(torch::Tensor x) = 0;
  /// Drop-path probability for the next forward passes (DARTS; ignored by networks without it).
  virtual void set_drop_path(double) {}
  /// The state of the network's own random draws (DARTS' drop-path masks; undefined for networks
  /// without any), for checkpoints: set_random_state continues the same draws.
  virtual torch::Tensor random_state() const { return {}; }
  virtual void set_random_state(const torch::Tensor&) {}
  torch::Tensor aux_logits;
  double mflops = 0;              // multiply-adds of one image's forward pass (NB201's counting rules)
  std::int64_t aux_parameters = 0;
};

/// Builds the network of `g`; every parameter is initialised (PyTorch's default rules) from
/// `init_seed` with a private generator, so two builds with one seed are identical whatever else
/// runs in the process. Throws OptionError for a space without a builder.
std::shared_ptr<GenomeNetImpl> build_network(const SearchSpace& space, const Genome& g, const NetworkOptions& o, std::uint64_t init_seed);

std::int64_t count_parameters(const torch::nn::Module& m);

/// avg_pool2d(x, 3, stride, padding 1, count_include_pad = false), computed as a depthwise
/// convolution with a constant all-ones kernel divided by each window's in-image pixel count. The
/// same function up to float rounding, but LibTorch 1.13's CPU avg_pool2d is slow: forward +
/// backward on 128 x 16 x 28 x 28 took 42 ms, this 7 ms (1 thread), and the pool was a fifth of a
/// NAS-Bench-201 training step. Nothing is learnt: the kernel is a constant, not a parameter.
torch::Tensor avg_pool_3x3(const torch::Tensor& x, int stride);

}  // namespace nas::training::detail
