#pragma once
// The NAS-Bench-201 table (CIFAR-10, test_200ep) shared by the engine tests, loaded once.
#include <memory>

#include "../test_data.hpp"
#include "nas/datasets/benchmark.hpp"
#include "nas/mutation/nb201.hpp"

namespace nas::test {

struct Nb201Table {
  nb201::Space space;
  std::shared_ptr<const datasets::TabularBenchmark> table = datasets::nb201::load(space, nb201_csv());
  std::size_t col = table->column("cifar10_test_200ep");
  std::unique_ptr<Evaluator> evaluator() const { return std::make_unique<datasets::TableEvaluator>(table, space, col, col); }
};

inline const Nb201Table& nb201_table() {
  static const Nb201Table t;
  return t;
}

}  // namespace nas::test
