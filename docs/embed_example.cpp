// The README's embedding example, compiled by the build (target nas_embed_example) so it stays
// true. Runs a short CARL-guided search on NAS-Bench-201 CIFAR-10 and prints the incumbent.
#include <cstdio>

#include "nas/datasets/benchmark.hpp"
#include "nas/engine/registry.hpp"
#include "nas/engine/run.hpp"
#include "nas/predictor/factory.hpp"

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "../shared/datasets/nasbench201/nb201.csv";
  auto space = nas::make_space("nb201");
  auto table = nas::datasets::nb201::load(*space, path);
  const auto col = table->column("cifar10_test_200ep");
  nas::SearchSettings settings;  // defaults documented in the README
  settings.guided.budget = 30;
  settings.model = [&] { return nas::predictor::make_surrogate(*space, {.kind = "carl"}); };
  nas::RunOptions run;  // one local synchronous worker; executor, seeds, journal and observers here
  run.seeds = {42};
  const auto results = nas::run(*space, nas::search_factory("guided", settings),
                                [&] { return std::make_unique<nas::datasets::TableEvaluator>(table, *space, col, col); },  // or your own nas::Evaluator
                                run);
  const nas::SearchResult& r = results[0];
  std::printf("best after %zu queries: %.2f (%zu retrains, %.1f s training)\n", r.trajectory.size(), r.trajectory.back().best_reported,
              r.retrains.size(), r.seconds_training);
  return 0;
}
