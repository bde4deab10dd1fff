#pragma once
// Training/test splits for surrogate evaluation (`nas predict-eval --split`): the uniform split and
// shifted ones, where the training cells come from a biased part of the space and the surrogate is
// tested on the rest. Every predictor of a study gets the same split for a (split, size, seed).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nas/study/experiment.hpp"

namespace nas::study {

struct SplitSpec {
  enum class Kind {
    uniform,        // train on n uniformly drawn cells, test on every other cell
    worse_half,     // train on cells at or below the median signal, test on the better half
    without_op,     // NB201: train on cells without `op` on `edge`, test on the cells with it
    max_param_ops,  // train on cells with at most `k` parameterised (conv) ops, test on the others
    rea_visited,    // train on the first n cells a REA run (seeded) evaluated, test on the unvisited
  };
  Kind kind = Kind::uniform;
  std::string op;  // without_op
  int edge = -1;   // without_op: 0..5
  int k = 0;       // max_param_ops
  std::string text;  // as given
};

/// "uniform", "worse-half", "without-op:OP@EDGE", "max-param-ops:K", "rea-visited". Throws
/// OptionError naming --split and the expected forms.
SplitSpec parse_split(std::string_view text);

struct Split {
  std::vector<std::size_t> train;  // table rows trained on
  std::vector<char> test;          // per row: 1 = held out and tested
  std::size_t pool = 0;            // rows the training cells were drawn from
};

/// The split of `x`'s table for training size `n` and `seed`. `oriented_signal` is the signal with
/// larger = better; `ids` the rows' canonical hashes: with `canonical_holdout`, rows identical to a
/// training cell are not tested. Throws OptionError when the biased part holds fewer than n cells.
Split make_split(const SplitSpec& spec, const Experiment& x, const std::vector<double>& oriented_signal, const std::vector<ArchitectureHash>& ids,
                 std::size_t n, std::uint64_t seed, bool canonical_holdout);

}  // namespace nas::study
