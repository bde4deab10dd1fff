#pragma once
// A small search space and objective with no data behind them, so that engine tests, examples and
// new searches run anywhere: `positions` categorical choices of `ops` values each (the shape of
// NAS-Bench-201's cell without its isomorphisms), and an objective with local optima (a target
// pattern plus interactions between neighbouring positions). Header-only, torch-free.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nas/core/errors.hpp"
#include "nas/core/evaluator.hpp"
#include "nas/core/search_space.hpp"

namespace nas {

class ToySpace final : public SearchSpace {
 public:
  /// 1 <= positions <= Genome::kCapacity, 2 <= ops <= 10. Throws OptionError otherwise.
  ToySpace(std::size_t positions, int ops) : positions_(positions), ops_(ops) {
    if (positions < 1 || positions > Genome::kCapacity || ops < 2 || ops > 10)
      throw OptionError("toy space: expected 1..62 positions and 2..10 ops");
    for (int o = 0; o < ops; ++o) names_.push_back("op" + std::to_string(o));
    names_.push_back("input");
    names_.push_back("output");
  }
  std::size_t positions() const { return positions_; }
  int ops() const { return ops_; }

  std::string_view name() const override { return "toy"; }
  Genome sample(Rng& rng) const override {
    Genome g = empty();
    for (std::size_t i = 0; i < positions_; ++i) g[i] = static_cast<std::uint8_t>(rng.below(static_cast<std::uint64_t>(ops_)));
    return g;
  }
  /// One position changed to another op.
  Genome mutate(const Genome& parent, Rng& rng) const override {
    Genome g = parent;
    const std::size_t i = rng.below(positions_);
    g[i] = static_cast<std::uint8_t>((g[i] + 1 + rng.below(static_cast<std::uint64_t>(ops_ - 1))) % static_cast<std::uint64_t>(ops_));
    return g;
  }
  bool valid(const Genome& g) const override {
    if (g.size() != positions_) return false;
    for (std::size_t i = 0; i < positions_; ++i)
      if (g[i] >= ops_) return false;
    return true;
  }
  /// No isomorphisms: the identity is the genome itself.
  ArchitectureHash canonical_hash(const Genome& g) const override { return {g.exact_hash(), g.size()}; }
  /// "0-3-1-2-...": the op of each position.
  std::string format(const Genome& g) const override {
    std::string s;
    for (std::size_t i = 0; i < g.size(); ++i) {
      if (i) s += '-';
      s += static_cast<char>('0' + g[i]);
    }
    return s;
  }
  Genome parse(std::string_view text) const override {
    if (text.size() > kMaxArchitectureText)
      throw ParseError("toy: a string of " + std::to_string(text.size()) + " bytes starting '" + std::string(text.substr(0, 40)) +
                       "'; architecture strings are at most " + std::to_string(kMaxArchitectureText) + " bytes");
    if (text.size() != 2 * positions_ - 1)
      throw ParseError("toy: '" + std::string(text.substr(0, 80)) + "': expected " + std::to_string(positions_) + " digits separated by '-'");
    Genome g = empty();
    for (std::size_t i = 0; i < positions_; ++i) {
      const char c = text[2 * i];
      if (c < '0' || c >= '0' + ops_ || (i + 1 < positions_ && text[2 * i + 1] != '-'))
        throw ParseError("toy: '" + std::string(text) + "': position " + std::to_string(i) + ": expected a digit 0.." + std::to_string(ops_ - 1) +
                         " followed by '-'");
      g[i] = static_cast<std::uint8_t>(c - '0');
    }
    return g;
  }
  /// A chain: input -> position 0 -> ... -> position L-1 -> output.
  GraphView graph_view(const Genome& g) const override {
    GraphView v;
    v.num_nodes = static_cast<int>(positions_) + 2;
    v.ops.push_back(ops_);  // input
    for (std::size_t i = 0; i < positions_; ++i) v.ops.push_back(g[i]);
    v.ops.push_back(ops_ + 1);  // output
    const auto n = static_cast<std::size_t>(v.num_nodes);
    v.adj.assign(n * n, 0);
    for (std::size_t i = 0; i + 1 < n; ++i) v.adj[i * n + i + 1] = 1;
    return v;
  }
  const std::vector<std::string>& graph_op_names() const override { return names_; }
  int max_graph_nodes() const override { return static_cast<int>(positions_) + 2; }
  std::vector<float> flat_encoding(const Genome& g) const override {
    std::vector<float> e(flat_encoding_size(), 0.f);
    for (std::size_t i = 0; i < positions_; ++i) e[i * static_cast<std::size_t>(ops_) + g[i]] = 1.f;
    return e;
  }
  std::size_t flat_encoding_size() const override { return positions_ * static_cast<std::size_t>(ops_); }
  std::optional<std::uint64_t> size() const override {
    std::uint64_t n = 1;
    for (std::size_t i = 0; i < positions_; ++i) {
      if (n > (std::uint64_t{1} << 40)) return std::nullopt;  // not worth enumerating
      n *= static_cast<std::uint64_t>(ops_);
    }
    return n;
  }
  /// Base-`ops` digits of `index`, position 0 most significant.
  Genome at(std::uint64_t index) const override {
    Genome g = empty();
    for (std::size_t i = positions_; i-- > 0;) {
      g[i] = static_cast<std::uint8_t>(index % static_cast<std::uint64_t>(ops_));
      index /= static_cast<std::uint64_t>(ops_);
    }
    return g;
  }
  std::vector<Genome> neighbours(const Genome& g) const override {
    std::vector<Genome> out;
    for (std::size_t i = 0; i < positions_; ++i)
      for (int o = 0; o < ops_; ++o)
        if (o != g[i]) {
          Genome n = g;
          n[i] = static_cast<std::uint8_t>(o);
          out.push_back(n);
        }
    return out;
  }

 private:
  Genome empty() const {
    Genome g;
    g.resize(positions_);
    return g;
  }
  std::size_t positions_;
  int ops_;
  std::vector<std::string> names_;
};

/// A toy objective over a ToySpace, from a seed: each position earns its weight when it holds the
/// target op, and each pair of neighbouring positions earns a bonus when they hold the same op, so
/// the landscape has local optima. Signal = reported, in [0, 100]; larger is better. Counts queries.
class ToyEvaluator final : public Evaluator {
 public:
  ToyEvaluator(const ToySpace& space, std::uint64_t seed) : space_(space) {
    Rng rng(derive_seed(seed, 0x70F));
    double total = 0;
    for (std::size_t i = 0; i < space.positions(); ++i) {
      target_.push_back(static_cast<std::uint8_t>(rng.below(static_cast<std::uint64_t>(space.ops()))));
      weight_.push_back(1 + rng.uniform());
      bonus_.push_back(i + 1 < space.positions() ? 0.6 * rng.uniform() : 0.0);
      total += weight_.back() + bonus_.back();
    }
    scale_ = 100 / total;
  }
  /// The objective without counting a query.
  double value(const Genome& g) const {
    double v = 0;
    for (std::size_t i = 0; i < target_.size(); ++i) {
      if (g[i] == target_[i]) v += weight_[i];
      if (i + 1 < target_.size() && g[i] == g[i + 1]) v += bonus_[i];
    }
    return v * scale_;
  }
  Evaluation evaluate(const Genome& g) override {
    if (!space_.valid(g)) throw UnknownArchitecture("toy: not an architecture of this space: " + space_.format(g));
    ++queries_;
    const double v = value(g);
    return make_evaluation(v, v);
  }
  /// At `f.amount` epochs (any amount > 0): the objective plus an error fixed by the cell and the
  /// amount, shrinking as 1/sqrt(amount), so that low rungs rank cells roughly, not exactly.
  Evaluation evaluate_at(const Genome& g, const Fidelity& f) override {
    if (!(f.amount > 0)) throw std::invalid_argument("toy: a fidelity must be > 0");
    if (!space_.valid(g)) throw UnknownArchitecture("toy: not an architecture of this space: " + space_.format(g));
    ++queries_;
    Rng rng(derive_seed(g.exact_hash(), static_cast<std::uint64_t>(f.amount * 1000)));
    const double v = value(g) + 30 * (rng.uniform() - 0.5) / std::sqrt(f.amount);
    Evaluation e = make_evaluation(v, v);
    e.spent = f.amount;
    return e;
  }
  std::uint64_t queries() const override { return queries_; }

 private:
  const ToySpace& space_;
  std::vector<std::uint8_t> target_;
  std::vector<double> weight_, bonus_;
  double scale_ = 1;
  std::uint64_t queries_ = 0;
};

}  // namespace nas
