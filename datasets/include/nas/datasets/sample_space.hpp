#pragma once
// A search space restricted to the architectures of a sampled benchmark table (NASLib's NB101,
// DARTS and TransNAS samples hold a few hundred cells of huge spaces): searches over it propose
// only architectures the table can answer for, so a run never stops on "no row for ...".
#include <memory>

#include "nas/datasets/benchmark.hpp"
#include "nas/mutation/spaces.hpp"

namespace nas::datasets {

/// Wraps `inner` (owned) and `table` (its sample). sample(): a uniformly random row. mutate(): up
/// to 64 draws of the inner space's mutation until one is in the table; if none is (a sparse
/// sample: most mutations leave it), a uniformly random other row, so on sparse samples
/// evolution is close to random search over the sample. valid(): in the table. size()/at(): the
/// rows. Everything else (name, strings, hashes, graphs, encodings) is the inner space's.
/// Thread-safe as the inner space and the table are (const methods only).
std::unique_ptr<SearchSpace> restrict_to_table(std::unique_ptr<SearchSpace> inner, std::shared_ptr<const TabularBenchmark> table);

}  // namespace nas::datasets
