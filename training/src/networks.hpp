#pragma once
// Internal (torch) side of network.hpp: the modules built from a genome. Included by the
// library's own torch translation units only.
#include <array>
#include <functional>
#include <memory>

#include <torch/torch.h>

#include "nas/mutation/darts.hpp"
#include "nas/mutation/nb201.hpp"
#include "nas/training/network.hpp"

namespace nas::training::detail {

/// Observes the forward passes of the current thread (zero-cost proxies; see zero_cost.cpp). The
/// networks call it where the reference implementations hook their modules: every ReLU's input,
/// every convolution's and linear layer's output, the features before the global pool. Null (the
/// default) costs one thread-local read per layer and changes nothing.
struct ForwardProbe {
  virtual ~ForwardProbe() = default;
  bool bypass_bn = false;  // BN layers act as the identity (synflow's "BN off")
  /// NB201 cells compute edges whose node reaches nothing too, as the reference graph does
  /// (their ReLUs count for nwot; their results are discarded).
  bool all_edges = true;
  virtual void on_relu(const torch::Tensor& /*input*/) {}
  virtual void on_layer(torch::nn::Module& /*conv or linear*/, const torch::Tensor& /*output*/) {}
  virtual void on_features(const torch::Tensor& /*before the global average pool*/) {}
};
ForwardProbe* active_probe() noexcept;
/// Installs `p` for this thread until destroyed (nesting restores the outer one).
class ProbeScope {
 public:
  explicit ProbeScope(ForwardProbe* p) noexcept;
  ~ProbeScope();
  ProbeScope(const ProbeScope&) = delete;
  ProbeScope& operator=(const ProbeScope&) = delete;

 private:
  ForwardProbe* outer_;
};

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

/// A module with one input and one output: a cell op, a cell, a block between stages.
class OpImpl : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(torch::Tensor x) = 0;
  bool is_identity = false;
};

// NAS-Bench-201's parts, shared with the supernet (supernet.cpp) so that its ops and skeleton are
// the stand-alone network's modules: same types, names, shapes and forward code.

/// The op `op` of an NB201 edge at `channels` channels, built as the stand-alone cell builds it;
/// nullptr for `none`.
std::shared_ptr<OpImpl> make_nb201_op(nb201::Op op, int channels);
/// live[j]: node j of `cell` reaches the output through non-`none` edges (node 3 always). The
/// stand-alone cell computes only the edges ending in a live node.
std::array<bool, 4> nb201_live_nodes(const nb201::Cell& cell);
/// Makes one cell of an NB201 skeleton; called once per cell, in build order, with its stage's
/// channel count.
using Nb201CellMaker = std::function<std::shared_ptr<OpImpl>(int channels)>;
/// NB201's network (stem, 3 stages of `o.cells` cells, residual blocks between stages, BN-ReLU,
/// global pool, classifier) around cells made by `make_cell`, initialised from `init_seed` as
/// build_network does. Module names are the stand-alone network's ("stem", "cells_K",
/// "lastact_bn", "classifier"). `mflops` counts the skeleton only. Throws OptionError for bad options.
std::shared_ptr<GenomeNetImpl> build_nb201_skeleton(const NetworkOptions& o, const Nb201CellMaker& make_cell, std::uint64_t init_seed);

// DARTS' parts, shared with the DARTS-space supernet (supernet.cpp): the stand-alone cell's modules.

/// The op `op` of a DARTS edge on a `channels` x `height` x `width` input (the shape matters only
/// for FactorizedReduce's odd sides), `stride` 2 on a reduction cell's input edges; BN layers with
/// scale and shift where `affine` (DARTS' search network has none).
std::shared_ptr<OpImpl> make_darts_op(darts::Op op, int channels, int height, int width, int stride, bool affine);
/// A DARTS cell's preprocessing of one input: FactorizedReduce (the input before a reduction
/// cell) or ReLU-Conv1x1-BN, from `cin` to `cout` channels.
std::shared_ptr<OpImpl> make_darts_preprocess(bool factorized, int cin, int cout, int height, int width, bool affine);
/// build_network's initialisation (PyTorch's default rules from a private generator seeded with
/// `seed`) for any module.
void initialise_parameters(torch::nn::Module& net, std::uint64_t seed);

/// avg_pool2d(x, 3, stride, padding 1, count_include_pad = false), computed as a depthwise
/// convolution with a constant all-ones kernel divided by each window's in-image pixel count. The
/// same function up to float rounding, but LibTorch 1.13's CPU avg_pool2d is slow: forward +
/// backward on 128 x 16 x 28 x 28 took 42 ms, this 7 ms (1 thread), and the pool was a fifth of a
/// NAS-Bench-201 training step. Nothing is learnt: the kernel is a constant, not a parameter.
torch::Tensor avg_pool_3x3(const torch::Tensor& x, int stride);

}  // namespace nas::training::detail
