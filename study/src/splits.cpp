#include "nas/study/splits.hpp"

#include <algorithm>
#include <charconv>
#include <numeric>
#include <unordered_set>

#include <fmt/format.h>

#include "nas/core/errors.hpp"
#include "nas/datasets/benchmark.hpp"
#include "nas/engine/registry.hpp"
#include "nas/engine/run.hpp"
#include "nas/engine/search.hpp"

namespace nas::study {
namespace {

constexpr const char* kForms = "uniform | worse-half | without-op:OP@EDGE (nb201) | max-param-ops:K | rea-visited";

int to_int(std::string_view s, std::string_view whole) {
  int v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || v < 0)
    throw OptionError(fmt::format("--split {}: '{}' is not a non-negative integer; expected {}", whole, s, kForms));
  return v;
}

// `k` distinct items of `pool`, uniformly (partial Fisher-Yates), from a seed.
std::vector<std::size_t> draw(std::vector<std::size_t> pool, std::size_t k, std::uint64_t seed) {
  Rng rng(seed);
  for (std::size_t i = 0; i < k; ++i) std::swap(pool[i], pool[i + rng.below(pool.size() - i)]);
  pool.resize(k);
  return pool;
}

// NB201's string "|op~0|+|op~0|op~1|+|op~0|op~1|op~2|": the op on each of the six edges, in order.
std::vector<std::string> nb201_edges(const std::string& arch) {
  std::vector<std::string> ops;
  std::size_t a = 0;
  while ((a = arch.find('|', a)) != std::string::npos) {
    const auto b = arch.find('|', a + 1);
    if (b == std::string::npos) break;
    const std::string tok = arch.substr(a + 1, b - a - 1);
    if (!tok.empty() && tok != "+") ops.push_back(tok.substr(0, tok.find('~')));
    a = b;
  }
  return ops;
}

}  // namespace

SplitSpec parse_split(std::string_view text) {
  SplitSpec s;
  s.text = std::string(text);
  if (text == "uniform") return s;
  if (text == "worse-half") return s.kind = SplitSpec::Kind::worse_half, s;
  if (text == "rea-visited") return s.kind = SplitSpec::Kind::rea_visited, s;
  if (text.rfind("max-param-ops:", 0) == 0) {
    s.kind = SplitSpec::Kind::max_param_ops;
    s.k = to_int(text.substr(14), text);
    return s;
  }
  if (text.rfind("without-op:", 0) == 0) {
    s.kind = SplitSpec::Kind::without_op;
    const auto rest = text.substr(11);
    const auto at = rest.find('@');
    if (at == std::string_view::npos || at == 0) throw OptionError(fmt::format("--split {}: expected without-op:OP@EDGE, e.g. without-op:skip_connect@2", text));
    s.op = std::string(rest.substr(0, at));
    s.edge = to_int(rest.substr(at + 1), text);
    if (s.edge > 5) throw OptionError(fmt::format("--split {}: NB201 cells have edges 0..5", text));
    return s;
  }
  throw OptionError(fmt::format("--split: '{}' is not a split; expected {}", text, kForms));
}

Split make_split(const SplitSpec& spec, const Experiment& x, const std::vector<double>& signal, const std::vector<ArchitectureHash>& ids,
                 std::size_t n, std::uint64_t seed, bool canonical_holdout) {
  const std::size_t rows = x.table->rows();
  std::vector<char> biased(rows, 0);  // the part the training cells come from
  Split sp;
  switch (spec.kind) {
    case SplitSpec::Kind::uniform: std::fill(biased.begin(), biased.end(), 1); break;
    case SplitSpec::Kind::worse_half: {
      std::vector<double> sorted = signal;
      std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(rows / 2), sorted.end());
      const double median = sorted[rows / 2];
      for (std::size_t r = 0; r < rows; ++r) biased[r] = signal[r] < median;
      break;
    }
    case SplitSpec::Kind::without_op: {
      if (x.space->name() != "nb201") throw OptionError(fmt::format("--split {}: for nb201 only (edges 0..5 of a cell)", spec.text));
      bool known = false;
      for (std::size_t r = 0; r < rows; ++r) {
        const auto ops = nb201_edges(x.space->format(x.table->genome(r)));
        if (ops.size() != 6) throw std::logic_error("nb201 string without six edges");
        known = known || ops[static_cast<std::size_t>(spec.edge)] == spec.op;
        biased[r] = ops[static_cast<std::size_t>(spec.edge)] != spec.op;
      }
      if (!known) throw OptionError(fmt::format("--split {}: no cell has op '{}' (NB201 ops: none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3)", spec.text, spec.op));
      break;
    }
    case SplitSpec::Kind::max_param_ops: {
      const auto& names = x.space->graph_op_names();
      for (std::size_t r = 0; r < rows; ++r) {
        const GraphView g = x.space->graph_view(x.table->genome(r));
        int convs = 0;
        for (int op : g.ops) convs += names[static_cast<std::size_t>(op)].find("conv") != std::string::npos;
        biased[r] = convs <= spec.k;
      }
      break;
    }
    case SplitSpec::Kind::rea_visited: {
      // The bias a surrogate meets inside a search: the cells regularised evolution evaluated.
      SearchOptions o;
      o.budget = n;
      check_budget_fits(*x.space, n);
      RunOptions ro;
      ro.executor.kind = ExecutorOptions::Kind::inline_;
      ro.seeds = {derive_seed(seed, 0x5ea)};
      ro.direction = x.direction;
      const SearchResult r = run(*x.space, search_factory("rea", {o, {}, nullptr, {}}), [&](std::uint64_t) { return x.evaluator(seed); }, ro)[0];
      if (r.trajectory.size() < n)
        throw OptionError(fmt::format("--split rea-visited: the REA run evaluated {} cells, fewer than the training size {}", r.trajectory.size(), n));
      for (const auto& q : r.trajectory) {
        const auto row = x.table->find(q.arch);
        if (!row) throw std::logic_error("rea-visited: a visited cell is not in the table");
        biased[*row] = 1;
        sp.train.push_back(*row);
      }
      break;
    }
  }
  if (spec.kind != SplitSpec::Kind::rea_visited) {
    std::vector<std::size_t> pool;
    for (std::size_t r = 0; r < rows; ++r)
      if (biased[r]) pool.push_back(r);
    if (pool.size() < n)
      throw OptionError(fmt::format("--split {}: its training part has {} cells, fewer than the training size {}", spec.text, pool.size(), n));
    sp.train = draw(std::move(pool), n, derive_seed(seed, n));
  }
  sp.pool = static_cast<std::size_t>(std::count(biased.begin(), biased.end(), 1));
  // Tested: the uniform split tests every row not trained on; a shifted split tests the part the
  // training cells could not come from. Rows identical to a training cell are left out (canonical).
  sp.test.assign(rows, 0);
  for (std::size_t r = 0; r < rows; ++r) sp.test[r] = spec.kind == SplitSpec::Kind::uniform ? 1 : !biased[r];
  std::unordered_set<ArchitectureHash, ArchitectureHashHasher> train_ids;
  for (auto r : sp.train) sp.test[r] = 0, train_ids.insert(ids[r]);
  if (canonical_holdout)
    for (std::size_t r = 0; r < rows; ++r)
      if (train_ids.count(ids[r])) sp.test[r] = 0;
  return sp;
}

}  // namespace nas::study
