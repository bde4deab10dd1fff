// The one torch test TU of the training module: internal ops checked against LibTorch's own.
#define CATCH_CONFIG_PREFIX_ALL  // glog's CHECK (pulled in by torch) would clash with Catch's
#include <catch2/catch.hpp>

#include "../../training/src/networks.hpp"

CATCH_TEST_CASE("avg_pool_3x3 as a convolution equals avg_pool2d(count_include_pad=false), values and input gradients",
          "[training][ops]") {
  torch::manual_seed(3);
  for (int stride : {1, 2})
    for (auto hw : {std::pair{28, 28}, std::pair{7, 9}, std::pair{8, 8}}) {
      const auto x = torch::randn({4, 5, hw.first, hw.second}, torch::requires_grad());
      const auto mine = nas::training::detail::avg_pool_3x3(x, stride);
      const auto ref = torch::nn::functional::avg_pool2d(
          x, torch::nn::functional::AvgPool2dFuncOptions(3).stride(stride).padding(1).count_include_pad(false));
      CATCH_REQUIRE(mine.sizes() == ref.sizes());
      CATCH_CHECK((mine - ref).abs().max().item<double>() < 1e-5);
      const auto g = torch::randn_like(ref);
      const auto gm = torch::autograd::grad({mine}, {x}, {g})[0];
      const auto gr = torch::autograd::grad({ref}, {x}, {g})[0];
      CATCH_CHECK((gm - gr).abs().max().item<double>() < 1e-5);
    }
}
