#include "nas/datasets/network_cost.hpp"

#include <fmt/format.h>

#include "nas/core/errors.hpp"
#include "nas/mutation/nb201.hpp"

namespace nas::datasets::nb201 {
namespace {

// Feature-map shape and the counts so far (the rules of training/src/networks.cpp's Builder).
struct Count {
  std::int64_t c = 0, h = 0, w = 0;
  std::int64_t params = 0;
  double flops = 0;
  static std::int64_t out(std::int64_t in, int k, int s, int p) { return (in + 2 * p - (k - 1) - 1) / s + 1; }
  double hw() const { return static_cast<double>(h) * static_cast<double>(w); }
  void conv(std::int64_t cout, int k, int s, int p) {
    h = out(h, k, s, p), w = out(w, k, s, p);
    flops += static_cast<double>(k * k) * static_cast<double>(c * cout) * hw();
    params += k * k * c * cout;
    c = cout;
  }
  void bn() { flops += 2.0 * static_cast<double>(c) * hw(), params += 2 * c; }
  void relu() { flops += static_cast<double>(c) * hw(); }
  void relu_conv_bn(std::int64_t cout, int k, int s, int p) { relu(), conv(cout, k, s, p), bn(); }
};

}  // namespace

NetworkCost network_cost(const Genome& g, const std::string& dataset) {
  int side = 32, classes = 10;
  if (dataset == "cifar100") classes = 100;
  else if (dataset == "imagenet16" || dataset == "ImageNet16-120") side = 16, classes = 120;
  else if (dataset != "cifar10") throw OptionError(fmt::format("--dataset {}: NAS-Bench-201's network is defined for cifar10, cifar100 and imagenet16", dataset));
  const auto cell = nas::nb201::Space::to_cell(g);
  constexpr int kChannels = 16, kCells = 5;
  Count b{3, side, side};
  b.conv(kChannels, 3, 1, 1);
  b.bn();
  for (int stage = 0; stage < 3; ++stage) {
    if (stage > 0) {
      // Residual block: ReLU-Conv3x3(stride 2)-BN, ReLU-Conv3x3-BN; shortcut AvgPool 2x2 (ceil) + conv1x1.
      const std::int64_t planes = kChannels << stage;
      Count sc = b;
      sc.params = 0, sc.flops = 0;
      b.relu_conv_bn(planes, 3, 2, 1);
      b.relu_conv_bn(planes, 3, 1, 1);
      sc.h = (sc.h - 2 + 1) / 2 + 1, sc.w = (sc.w - 2 + 1) / 2 + 1;  // ceil mode
      sc.flops += 4.0 * static_cast<double>(sc.c) * sc.hw();
      sc.conv(planes, 1, 1, 0);
      b.params += sc.params, b.flops += sc.flops;
    }
    for (int i = 0; i < kCells; ++i)
      for (const auto op : cell.ops) {
        Count e = b;  // every edge maps c x h x w to c x h x w; every non-none edge is counted
        e.params = 0, e.flops = 0;
        switch (op) {
          case nas::nb201::Op::none:
          case nas::nb201::Op::skip_connect: break;
          case nas::nb201::Op::nor_conv_1x1: e.relu_conv_bn(b.c, 1, 1, 0); break;
          case nas::nb201::Op::nor_conv_3x3: e.relu_conv_bn(b.c, 3, 1, 1); break;
          case nas::nb201::Op::avg_pool_3x3: e.flops += 9.0 * static_cast<double>(e.c) * e.hw(); break;
        }
        b.params += e.params, b.flops += e.flops;
      }
  }
  b.bn();
  b.relu();
  b.flops += static_cast<double>(b.c) * b.hw() + static_cast<double>(b.c * classes + classes);
  b.params += b.c * classes + classes;
  return {b.params, b.flops};
}

}  // namespace nas::datasets::nb201
