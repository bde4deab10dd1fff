#pragma once
// Networks built from a genome, with the benchmarks' own macro skeletons. Torch-free header: the
// torch modules live in the library; callers see options and summaries only.
//
// NAS-Bench-201 ("TinyNetwork", Dong & Yang 2020): stem conv3x3 + BN; three stages of `cells` cells
// at C, 2C, 4C channels with a ResNet basic block (stride 2, AvgPool + conv1x1 shortcut) between
// stages; cell ops none / skip_connect / nor_conv_1x1 / nor_conv_3x3 (ReLU-Conv-BN) /
// avg_pool_3x3; BN + ReLU, global average pool, linear head. C = 16, cells = 5 is the benchmark's.
//
// DARTS (Liu et al. 2019; NAS-Bench-301's evaluation network): stem conv3x3 to 3C + BN; `layers`
// cells, reduction cells at layers/3 and 2*layers/3 (channels doubled there); each cell
// preprocesses its two inputs (ReLU-Conv1x1-BN, or factorized reduce after a reduction cell),
// applies the genotype's 8 ops (stride 2 on the cell inputs of a reduction cell) and concatenates
// its 4 intermediate nodes; optional drop-path and auxiliary head (after the second reduction).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nas/core/genome.hpp"
#include "nas/mutation/spaces.hpp"

namespace nas::training {

struct NetworkOptions {
  int channels = 16;      // C: NB201's first stage width; DARTS' initial channels
  int cells = 5;          // NB201: cells per stage (N)
  int layers = 8;         // DARTS: number of cells
  bool auxiliary = false; // DARTS: auxiliary head (its output is used in training only)
  /// DARTS: BN with learnable scale and shift inside the cells' ops (true in DARTS' evaluation
  /// network; NASLib's DARTS graph, whose counts are NB301's zc_params, has false).
  bool affine_ops = true;
  double drop_path = 0;   // DARTS: drop-path probability (the trainer ramps it linearly over the epochs, as DARTS)
  // The input, set from the data.
  int input_channels = 3, input_height = 32, input_width = 32, classes = 10;
  /// Throws OptionError naming the field.
  void validate() const;
};

/// What a built network is: its size and the cost of one forward pass.
struct NetworkSummary {
  std::int64_t parameters = 0;     // trainable parameters (auxiliary head included if built)
  std::int64_t aux_parameters = 0; // of which in the auxiliary head
  double mflops = 0;               // multiply-adds of one forward pass of one image, in millions
  std::vector<std::int64_t> output_shape;  // of a forward pass on a batch of 2 (run_forward only)
};

/// Spaces with a network builder: "nb201", "darts".
std::vector<std::string> trainable_space_names();
bool trainable(std::string_view space_name);

/// Builds the network of `g` (a genome of `space`) and summarises it; with `run_forward`, also runs
/// a forward pass on a random batch of 2 (eval mode) and records the logits' shape. Throws
/// OptionError if the space has no network builder or an option is invalid. Thread-safe.
NetworkSummary summarize_network(const SearchSpace& space, const Genome& g, const NetworkOptions& options, bool run_forward = false);

}  // namespace nas::training
