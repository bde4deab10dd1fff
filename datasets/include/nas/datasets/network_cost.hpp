#pragma once
// Exact size and cost of NAS-Bench-201's benchmark network (C 16, N 5 cells per stage) for a cell,
// without building it (torch-free): what --objectives params / flops read on nb201. Counted as
// training/network.hpp counts the network it builds (tests/training checks the two agree):
// trainable parameters; multiply-adds of one forward pass of one image, with NASLib's zc_flops
// rules (conv and linear multiply-adds, pools k*k per output, BN 2 and ReLU 1 per element).
#include <cstdint>
#include <string>

#include "nas/core/genome.hpp"

namespace nas::datasets::nb201 {

struct NetworkCost {
  std::int64_t parameters = 0;
  double flops = 0;  // multiply-adds, not millions
};

/// The benchmark network of cell `g` (an nb201 genome) for `dataset`: cifar10 (32x32, 10
/// classes), cifar100 (32x32, 100), imagenet16 (16x16, 120). Throws OptionError for another
/// dataset. Thread-safe.
NetworkCost network_cost(const Genome& g, const std::string& dataset);

}  // namespace nas::datasets::nb201
