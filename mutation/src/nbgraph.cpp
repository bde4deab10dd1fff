#include "nas/mutation/nbgraph.hpp"
#include "nas/mutation/hash.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "nas/core/errors.hpp"

namespace nas::nbgraph {
namespace {

constexpr std::array<std::string_view, kNumOps> kOpNames{"gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip"};
constexpr int kOpCodes = kNumOps * kNumOps * kNumOps * kNumOps;  // 9^4
constexpr std::size_t idx(int i) { return static_cast<std::size_t>(i); }
using Link = std::array<std::uint8_t, kNumNodes>;
using Ops = std::array<Op, kNumNodes>;

// The benchmark's relabelling of the 15 links that are not one of the 9 patterns: each maps to
// the pattern of the same tree shape, with ops permuted as new_ops[i] = ops[perm[i]]. The exact
// permutations matter (they pick which representative the benchmark trained), so they follow
// NAS-Bench-Graph's Arch.regularize() entry by entry.
struct Relabel {
  Link from, to;
  std::array<std::uint8_t, kNumNodes> perm;
};
constexpr std::array<Relabel, 15> kRelabel{{
    {{0, 0, 0, 2}, {0, 0, 0, 1}, {1, 0, 2, 3}}, {{0, 0, 0, 3}, {0, 0, 0, 1}, {2, 0, 1, 3}},
    {{0, 0, 1, 0}, {0, 0, 0, 1}, {0, 1, 3, 2}}, {{0, 0, 2, 0}, {0, 0, 0, 1}, {1, 0, 3, 2}},
    {{0, 0, 2, 1}, {0, 0, 1, 2}, {1, 0, 2, 3}}, {{0, 0, 2, 2}, {0, 0, 1, 1}, {1, 0, 2, 3}},
    {{0, 0, 2, 3}, {0, 0, 1, 3}, {1, 0, 2, 3}}, {{0, 1, 0, 0}, {0, 0, 0, 1}, {0, 2, 3, 1}},
    {{0, 1, 0, 1}, {0, 0, 1, 1}, {0, 2, 1, 3}}, {{0, 1, 0, 2}, {0, 0, 1, 3}, {0, 2, 1, 3}},
    {{0, 1, 0, 3}, {0, 0, 1, 2}, {0, 2, 1, 3}}, {{0, 1, 1, 0}, {0, 0, 1, 1}, {0, 3, 1, 2}},
    {{0, 1, 1, 3}, {0, 1, 1, 2}, {0, 2, 1, 3}}, {{0, 1, 2, 0}, {0, 0, 1, 3}, {0, 3, 1, 2}},
    {{0, 1, 2, 1}, {0, 1, 1, 2}, {0, 1, 3, 2}},
}};

Ops permuted(const Ops& ops, const std::array<std::uint8_t, kNumNodes>& perm) {
  Ops out{};
  for (int i = 0; i < kNumNodes; ++i) out[idx(i)] = ops[perm[idx(i)]];
  return out;
}

void regularise(Link& link, Ops& ops) {
  for (const auto& r : kRelabel)
    if (link == r.from) {
      link = r.to;
      ops = permuted(ops, r.perm);
      return;
    }
}

// Node k (a skip) moves to the front and reads the input; nodes that read it read its input
// instead; indices shift by one. Replicates the benchmark's in-place update, including that a
// later reader of k gets k's already-shifted input.
void move_to_front(int k, Link& link, Ops& ops) {
  Ops o{};
  o[0] = ops[idx(k)];
  for (int i = 0, j = 1; i < kNumNodes; ++i)
    if (i != k) o[idx(j++)] = ops[idx(i)];
  ops = o;
  for (int i = 0; i < kNumNodes; ++i) {
    const int father = link[idx(i)];
    if (father == k + 1) link[idx(i)] = link[idx(k)];
    if (father <= k) link[idx(i)] = static_cast<std::uint8_t>(link[idx(i)] + 1);
  }
  Link l{};
  l[0] = 0;
  for (int i = 0, j = 1; i < kNumNodes; ++i)
    if (i != k) l[idx(j++)] = link[idx(i)];
  link = l;
}

// True if node k and every node above it on its input path is a skip (its output is the input).
bool carries_input(int k, const Link& link, const Ops& ops) {
  while (k > -1) {
    if (ops[idx(k)] != Op::skip) return false;
    k = link[idx(k)] - 1;
  }
  return true;
}

void move_skips(Link& link, Ops& ops) {
  for (int i = 0; i < kNumNodes; ++i) {
    if (ops[idx(i)] != Op::skip) continue;
    bool son = false, brother = false;
    for (int j = 0; j < kNumNodes; ++j) {
      if (link[idx(j)] == i + 1) son = true;
      else if (j != i && link[idx(j)] == link[idx(i)]) brother = true;
    }
    if (son || !brother || (carries_input(i, link, ops) && !son)) move_to_front(i, link, ops);
  }
  if (link == Link{0, 1, 2, 1}) {
    link = {0, 1, 1, 2};
    ops = permuted(ops, {0, 1, 3, 2});
  } else if (link == Link{0, 1, 1, 3}) {
    link = {0, 1, 1, 2};
    ops = permuted(ops, {0, 2, 1, 3});
  }
}

void sort_positions(Ops& ops, std::initializer_list<int> positions) {
  std::vector<Op> v;
  for (int p : positions) v.push_back(ops[idx(p)]);
  std::sort(v.begin(), v.end());
  std::size_t n = 0;
  for (int p : positions) ops[idx(p)] = v[n++];
}

// Interchangeable nodes of each pattern get their ops in ascending op-id order.
void sort_equal_parts(const Link& link, Ops& ops) {
  if (link == Link{0, 0, 0, 0}) sort_positions(ops, {0, 1, 2, 3});
  else if (link == Link{0, 0, 0, 1}) sort_positions(ops, {1, 2});
  else if (link == Link{0, 0, 1, 1}) sort_positions(ops, {2, 3});
  else if (link == Link{0, 1, 1, 1}) sort_positions(ops, {1, 2, 3});
  else if (link == Link{0, 1, 2, 2}) sort_positions(ops, {2, 3});
  else if (link == Link{0, 0, 1, 2}) {
    // Two branches input->1->3 and input->2->4: order the branches by (first op, second op).
    if (ops[0] > ops[1] || (ops[0] == ops[1] && ops[2] > ops[3])) ops = permuted(ops, {1, 0, 3, 2});
  }
}

int op_code(const Ops& ops) {
  int c = 0;
  for (auto o : ops) c = c * kNumOps + static_cast<int>(o);
  return c;
}

}  // namespace

std::string_view op_name(Op op) { return kOpNames[static_cast<std::size_t>(op)]; }

Arch Arch::parse(std::string_view text) {
  auto fail = [&](std::size_t pos, const std::string& why) -> void {
    throw ParseError(fmt::format("graph: at column {} of '{}': {}", pos + 1, text, why));
  };
  Arch a;
  std::size_t pos = 0;
  for (int i = 0; i < kNumNodes; ++i) {
    if (i > 0) {
      if (pos >= text.size() || text[pos] != '-') fail(pos, "expected '-' between link entries");
      ++pos;
    }
    if (pos >= text.size() || text[pos] < '0' || text[pos] > '9') fail(pos, fmt::format("expected the input of node {} (a digit 0..{})", i + 1, i));
    const int v = text[pos] - '0';
    if (v > i) fail(pos, fmt::format("node {} reads node {}; it can only read an earlier node 0..{}", i + 1, v, i));
    a.link[idx(i)] = static_cast<std::uint8_t>(v);
    ++pos;
  }
  if (pos >= text.size() || text[pos] != '|') fail(pos, "expected '|' between the link and the ops");
  ++pos;
  for (int i = 0; i < kNumNodes; ++i) {
    if (i > 0) {
      if (pos >= text.size() || text[pos] != '-') fail(pos, "expected '-' between ops");
      ++pos;
    }
    auto end = text.find_first_of("-|", pos);
    if (end == std::string_view::npos) end = text.size();
    const auto word = text.substr(pos, end - pos);
    const auto it = std::find(kOpNames.begin(), kOpNames.end(), word);
    if (it == kOpNames.end())
      fail(pos, fmt::format("unknown op '{}'; expected one of {}", word, fmt::join(kOpNames, ", ")));
    a.ops[idx(i)] = static_cast<Op>(it - kOpNames.begin());
    pos = end;
  }
  if (pos != text.size()) fail(pos, fmt::format("unexpected trailing text '{}'", text.substr(pos)));
  return a;
}

std::string Arch::str() const {
  return fmt::format("{}-{}-{}-{}|{}-{}-{}-{}", link[0], link[1], link[2], link[3], op_name(ops[0]), op_name(ops[1]), op_name(ops[2]),
                     op_name(ops[3]));
}

Arch Arch::canonical() const {
  if (all_skip()) throw std::invalid_argument(fmt::format("graph: '{}' is the all-skip cell, which the benchmark excludes", str()));
  Arch a = *this;
  regularise(a.link, a.ops);
  move_skips(a.link, a.ops);
  sort_equal_parts(a.link, a.ops);
  return a;
}

int Arch::link_pattern() const noexcept {
  for (int p = 0; p < kNumLinkPatterns; ++p)
    if (link == kLinkPatterns[idx(p)]) return p;
  return -1;
}

long long Arch::benchmark_hash() const {
  const int p = link_pattern();
  if (p < 0) throw std::invalid_argument(fmt::format("graph: '{}' has no benchmark hash: its link is not one of the 9 patterns", str()));
  long long h = p;
  for (auto o : ops) h = h * 10 + static_cast<int>(o);
  return h;
}

bool Arch::all_skip() const noexcept {
  return std::all_of(ops.begin(), ops.end(), [](Op o) { return o == Op::skip; });
}

// ---- Space -----------------------------------------------------------------------------------

Space::Space(OpSet ops) : op_set_(ops) {
  if (ops == OpSet::all)
    for (int k = 0; k < kNumOps; ++k) ops_.push_back(static_cast<Op>(k));
  else
    ops_ = {Op::gcn, Op::sage, Op::arma, Op::fc, Op::skip};
  rank_.assign(static_cast<std::size_t>(kNumLinkPatterns * kOpCodes), -1);
  // Nested loops in pattern, then op-id order = increasing benchmark hash.
  for (int p = 0; p < kNumLinkPatterns; ++p)
    for (int c = 0; c < kOpCodes; ++c) {
      Arch a;
      a.link = kLinkPatterns[idx(p)];
      int code = c;
      for (int i = kNumNodes - 1; i >= 0; --i, code /= kNumOps) a.ops[idx(i)] = static_cast<Op>(code % kNumOps);
      if (a.all_skip() || !std::all_of(a.ops.begin(), a.ops.end(), [&](Op o) { return allowed(o); }) || !a.is_canonical()) continue;
      rank_[idx(p * kOpCodes + c)] = static_cast<std::int32_t>(archs_.size());
      archs_.push_back(a);
    }
}

std::string_view Space::name() const { return op_set_ == OpSet::all ? "graph" : "graph-proteins"; }

bool Space::allowed(Op op) const noexcept { return std::find(ops_.begin(), ops_.end(), op) != ops_.end(); }

Genome Space::to_genome(const Arch& a) {
  std::array<std::uint8_t, 2 * kNumNodes> b{};
  for (int i = 0; i < kNumNodes; ++i) {
    b[idx(i)] = a.link[idx(i)];
    b[idx(kNumNodes + i)] = static_cast<std::uint8_t>(a.ops[idx(i)]);
  }
  return Genome(b);
}

Arch Space::to_arch(const Genome& g) {
  if (g.size() != 2 * kNumNodes) throw std::invalid_argument(fmt::format("graph: genome of length {}, expected {}", g.size(), 2 * kNumNodes));
  Arch a;
  for (int i = 0; i < kNumNodes; ++i) {
    if (g[idx(i)] > i) throw std::invalid_argument(fmt::format("graph: node {} reads node {} (not an earlier node)", i + 1, g[idx(i)]));
    if (g[idx(kNumNodes + i)] >= kNumOps) throw std::invalid_argument(fmt::format("graph: op id {} on node {}", g[idx(kNumNodes + i)], i + 1));
    a.link[idx(i)] = g[idx(i)];
    a.ops[idx(i)] = static_cast<Op>(g[idx(kNumNodes + i)]);
  }
  return a;
}

bool Space::valid(const Genome& g) const {
  if (g.size() != 2 * kNumNodes) return false;
  for (int i = 0; i < kNumNodes; ++i)
    if (g[idx(i)] > i || g[idx(kNumNodes + i)] >= kNumOps) return false;
  const Arch a = to_arch(g);
  const int p = a.link_pattern();
  return p >= 0 && rank_[idx(p * kOpCodes + op_code(a.ops))] >= 0;
}

Genome Space::sample(Rng& rng) const { return to_genome(archs_[static_cast<std::size_t>(rng.below(archs_.size()))]); }

Genome Space::mutate(const Genome& parent, Rng& rng) const {
  const Arch p = to_arch(parent);
  const int op_moves = kNumNodes * static_cast<int>(ops_.size() - 1);
  const int link_moves = 0 + 1 + 2 + 3;  // node i+1 can switch to any of the i other earlier nodes
  for (int attempt = 0; attempt < 64; ++attempt) {
    Arch c = p;
    int m = static_cast<int>(rng.below(static_cast<std::uint64_t>(op_moves + link_moves)));
    if (m < op_moves) {
      const int node = m / static_cast<int>(ops_.size() - 1);
      auto k = static_cast<std::size_t>(m % static_cast<int>(ops_.size() - 1));
      const auto cur = static_cast<std::size_t>(std::find(ops_.begin(), ops_.end(), c.ops[idx(node)]) - ops_.begin());
      if (k >= cur) ++k;  // skip the current op
      c.ops[idx(node)] = ops_[k];
    } else {
      m -= op_moves;
      int node = 1;
      while (m >= node) { m -= node; ++node; }  // node 1 has 1 alternative, node 2 has 2, node 3 has 3
      int v = m;
      if (v >= c.link[idx(node)]) ++v;  // skip the current input
      c.link[idx(node)] = static_cast<std::uint8_t>(v);
    }
    if (c.all_skip()) continue;
    c = c.canonical();
    if (!(c == p)) return to_genome(c);
  }
  // Every raw neighbour drawn was equivalent to the parent (possible only for a few very
  // symmetric cells): fall back to a random different architecture so the engine never stalls.
  for (;;) {
    Genome g = sample(rng);
    if (!(g == parent)) return g;
  }
}

ArchitectureHash Space::canonical_hash(const Genome& g) const { return md5("graph:" + to_arch(g).str()); }

std::string Space::format(const Genome& g) const { return to_arch(g).str(); }

Genome Space::parse(std::string_view text) const {
  check_architecture_text(name(), text);
  const Arch a = Arch::parse(text);
  for (int i = 0; i < kNumNodes; ++i)
    if (!allowed(a.ops[idx(i)])) {
      std::vector<std::string_view> names;
      for (auto o : ops_) names.push_back(op_name(o));
      throw ParseError(fmt::format("{}: '{}': op '{}' on node {} is not in this space's op set ({})", name(), text, op_name(a.ops[idx(i)]), i + 1,
                                   fmt::join(names, ", ")));
    }
  if (a.all_skip()) throw ParseError(fmt::format("{}: '{}' is the all-skip cell, which NAS-Bench-Graph excludes", name(), text));
  const Arch c = a.canonical();
  if (!(c == a))
    throw ParseError(fmt::format("{}: '{}' is not in NAS-Bench-Graph's canonical form; the same architecture is '{}'", name(), text, c.str()));
  return to_genome(a);
}

Genome Space::at(std::uint64_t index) const {
  if (index >= archs_.size()) throw std::out_of_range(fmt::format("{}: index {} outside [0, {})", name(), index, archs_.size()));
  return to_genome(archs_[static_cast<std::size_t>(index)]);
}

const std::vector<std::string>& Space::graph_op_names() const {
  static const std::vector<std::string> names{"input", "output", "gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip"};
  return names;
}

GraphView Space::graph_view(const Genome& g) const {
  const Arch a = to_arch(g);
  constexpr int n = kNumNodes + 2;
  GraphView v;
  v.num_nodes = n;
  v.ops.assign(n, 0);
  v.adj.assign(static_cast<std::size_t>(n * n), 0);
  v.ops[idx(n - 1)] = 1;
  std::array<bool, kNumNodes + 1> read{};
  for (int i = 0; i < kNumNodes; ++i) {
    v.ops[idx(i + 1)] = 2 + static_cast<int>(a.ops[idx(i)]);
    v.adj[idx(a.link[idx(i)] * n + i + 1)] = 1;
    read[a.link[idx(i)]] = true;
  }
  for (int j = 1; j <= kNumNodes; ++j)
    if (!read[idx(j)]) v.adj[idx(j * n + n - 1)] = 1;
  return v;
}

std::vector<float> Space::flat_encoding(const Genome& g) const {
  const Arch a = to_arch(g);
  std::vector<float> f(flat_encoding_size(), 0.0f);
  for (int i = 0; i < kNumNodes; ++i) {
    f[idx(i * kNumNodes + a.link[idx(i)])] = 1.0f;
    f[idx(kNumNodes * kNumNodes + i * kNumOps + static_cast<int>(a.ops[idx(i)]))] = 1.0f;
  }
  return f;
}

}  // namespace nas::nbgraph
