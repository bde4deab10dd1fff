#include "nas/mutation/categorical.hpp"
#include "nas/mutation/hash.hpp"
#include "nas/mutation/nb201.hpp"

#include <algorithm>
#include <vector>
#include <fmt/format.h>

#include "nas/core/errors.hpp"

namespace nas::nb201 {
namespace {

constexpr std::array<std::string_view, kNumOps> kOpNames{"none", "skip_connect", "nor_conv_1x1",
                                                         "nor_conv_3x3", "avg_pool_3x3"};

// Strict left-to-right reader of the official string; every failure names the 1-based column.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  [[noreturn]] void fail(const std::string& why) const {
    throw ParseError(fmt::format("nb201: at column {} of '{}': {}", pos_ + 1, s_, why));
  }
  void expect(char c) {
    if (pos_ >= s_.size()) fail(fmt::format("unexpected end of string; expected '{}'", c));
    if (s_[pos_] != c) fail(fmt::format("found '{}'; expected '{}'", s_[pos_], c));
    ++pos_;
  }
  Op op() {
    if (pos_ >= s_.size()) fail("unexpected end of string; expected an op");
    auto end = s_.find_first_of("~|+", pos_);
    if (end == std::string_view::npos) end = s_.size();
    const auto word = s_.substr(pos_, end - pos_);
    for (int k = 0; k < kNumOps; ++k)
      if (word == kOpNames[static_cast<std::size_t>(k)]) { pos_ = end; return static_cast<Op>(k); }
    fail(fmt::format("unknown op '{}'; expected one of none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3", word));
  }
  void input(int expected) {
    if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') fail(fmt::format("expected input node {}", expected));
    if (s_[pos_] - '0' != expected || (pos_ + 1 < s_.size() && s_[pos_ + 1] >= '0' && s_[pos_ + 1] <= '9'))
      fail(fmt::format("input node '{}' where node {} was expected", s_.substr(pos_, 1), expected));
    ++pos_;
  }
  void done() const {
    if (pos_ != s_.size()) fail(fmt::format("unexpected trailing text '{}'", s_.substr(pos_)));
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string_view op_name(Op op) { return kOpNames[static_cast<std::size_t>(op)]; }

Cell Cell::parse(std::string_view text) {
  Reader r(text);
  Cell c;
  int e = 0;
  for (int node = 1; node <= 3; ++node) {
    if (node > 1) r.expect('+');
    r.expect('|');
    for (int in = 0; in < node; ++in) {
      c.ops[static_cast<std::size_t>(e++)] = r.op();
      r.expect('~');
      r.input(in);
      r.expect('|');
    }
  }
  r.done();
  return c;
}

std::string Cell::str() const {
  std::string s;
  int e = 0;
  for (int node = 1; node <= 3; ++node) {
    if (node > 1) s += '+';
    s += '|';
    for (int in = 0; in < node; ++in) {
      s += op_name(ops[static_cast<std::size_t>(e++)]);
      s += '~';
      s += static_cast<char>('0' + in);
      s += '|';
    }
  }
  return s;
}

int Cell::code() const noexcept {
  int c = 0;
  for (auto op : ops) c = c * kNumOps + static_cast<int>(op);
  return c;
}

Cell Cell::from_code(int code) {
  if (code < 0 || code >= kNumCells) throw std::out_of_range(fmt::format("nb201: cell code {} outside [0, {})", code, kNumCells));
  Cell c;
  for (int e = kNumEdges - 1; e >= 0; --e) {
    c.ops[static_cast<std::size_t>(e)] = static_cast<Op>(code % kNumOps);
    code /= kNumOps;
  }
  return c;
}

std::string Cell::canonical_string() const {
  // Mirrors NAS-Bench-201's to_unique_str(consider_zero=True) so the class count matches the
  // benchmark (6,466); a zero term '#' stays in the sum, exactly as there.
  std::array<std::string, 4> node;
  node[0] = "0";
  int e = 0;
  for (int j = 1; j <= 3; ++j) {
    std::vector<std::string> terms;
    for (int i = 0; i < j; ++i, ++e) {
      const Op op = ops[static_cast<std::size_t>(e)];
      const auto& in = node[static_cast<std::size_t>(i)];
      if (op == Op::none || in == "#") terms.emplace_back("#");
      else if (op == Op::skip_connect) terms.push_back(in);
      else terms.push_back(fmt::format("({})@{}", in, op_name(op)));
    }
    std::sort(terms.begin(), terms.end());
    node[static_cast<std::size_t>(j)] = fmt::format("{}", fmt::join(terms, "+"));
  }
  return node[3];
}

std::string Cell::algebraic_string() const {
  // A node is a multiset of terms; zero is the empty multiset; skip splices its input's terms.
  std::array<std::vector<std::string>, 4> node;
  node[0] = {"0"};
  int e = 0;
  for (int j = 1; j <= 3; ++j) {
    std::vector<std::string> terms;
    for (int i = 0; i < j; ++i, ++e) {
      const Op op = ops[static_cast<std::size_t>(e)];
      const auto& in = node[static_cast<std::size_t>(i)];
      if (op == Op::none || in.empty()) continue;
      if (op == Op::skip_connect) terms.insert(terms.end(), in.begin(), in.end());
      else terms.push_back(fmt::format("{}({})", op_name(op), fmt::join(in, "+")));
    }
    std::sort(terms.begin(), terms.end());
    node[static_cast<std::size_t>(j)] = std::move(terms);
  }
  return fmt::format("{}", fmt::join(node[3], "+"));
}

std::vector<Cell> Cell::neighbours() const {
  std::vector<Cell> out;
  out.reserve(kNumEdges * (kNumOps - 1));
  for (int e = 0; e < kNumEdges; ++e)
    for (int k = 0; k < kNumOps; ++k) {
      if (k == static_cast<int>(ops[static_cast<std::size_t>(e)])) continue;
      Cell c = *this;
      c.ops[static_cast<std::size_t>(e)] = static_cast<Op>(k);
      out.push_back(c);
    }
  return out;
}

// ---- Space -----------------------------------------------------------------------------------

Genome Space::to_genome(const Cell& c) {
  std::array<std::uint8_t, kNumEdges> b{};
  for (int e = 0; e < kNumEdges; ++e) b[static_cast<std::size_t>(e)] = static_cast<std::uint8_t>(c.ops[static_cast<std::size_t>(e)]);
  return Genome(b);
}

Cell Space::to_cell(const Genome& g) {
  if (g.size() != kNumEdges) throw std::invalid_argument(fmt::format("nb201: genome of length {}, expected {}", g.size(), kNumEdges));
  Cell c;
  for (int e = 0; e < kNumEdges; ++e) {
    if (g[static_cast<std::size_t>(e)] >= kNumOps) throw std::invalid_argument(fmt::format("nb201: op id {} on edge {}", g[static_cast<std::size_t>(e)], e));
    c.ops[static_cast<std::size_t>(e)] = static_cast<Op>(g[static_cast<std::size_t>(e)]);
  }
  return c;
}

Genome Space::sample(Rng& rng) const { return at(rng.below(kNumCells)); }

Genome Space::mutate(const Genome& parent, Rng& rng) const { return mutate_one_choice(parent, rng, kNumOps); }

bool Space::valid(const Genome& g) const { return valid_choices(g, kNumEdges, kNumOps); }

ArchitectureHash Space::canonical_hash(const Genome& g) const {
  // A pure function of a cell of a 15,625-cell space: computed for all once (about 20 ms, on the
  // first call; thread-safe static initialisation), then looked up. Guided search hashes every
  // child it generates, and the canonical string + MD5 was most of the cost of planning.
  static const std::vector<ArchitectureHash> table = [] {
    std::vector<ArchitectureHash> t(kNumCells);
    for (int c = 0; c < kNumCells; ++c) t[static_cast<std::size_t>(c)] = md5(Cell::from_code(c).canonical_string());
    return t;
  }();
  return table[static_cast<std::size_t>(to_cell(g).code())];
}

std::string Space::format(const Genome& g) const { return to_cell(g).str(); }

Genome Space::parse(std::string_view text) const {
  check_architecture_text(name(), text);
  return to_genome(Cell::parse(text));
}

Genome Space::at(std::uint64_t index) const { return to_genome(Cell::from_code(static_cast<int>(index))); }

const std::vector<std::string>& Space::graph_op_names() const {
  static const std::vector<std::string> names{"input", "output", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"};
  return names;
}

GraphView Space::graph_view(const Genome& g) const {
  const Cell c = to_cell(g);
  constexpr int kFull = kNumEdges + 2;  // input, 6 op nodes, output
  std::array<std::array<bool, kFull>, kFull> a{};
  for (int e = 0; e < kNumEdges; ++e) {
    if (c.ops[static_cast<std::size_t>(e)] == Op::none) continue;
    const int from = kEdgeFrom[static_cast<std::size_t>(e)];
    if (from == 0) a[0][static_cast<std::size_t>(e + 1)] = true;
    for (int p = 0; p < e; ++p)
      if (kEdgeTo[static_cast<std::size_t>(p)] == from && c.ops[static_cast<std::size_t>(p)] != Op::none)
        a[static_cast<std::size_t>(p + 1)][static_cast<std::size_t>(e + 1)] = true;
    if (kEdgeTo[static_cast<std::size_t>(e)] == 3) a[static_cast<std::size_t>(e + 1)][kFull - 1] = true;
  }
  // Keep op nodes that are both reachable from the input and reach the output (topological order).
  std::array<bool, kFull> fwd{}, bwd{};
  fwd[0] = true;
  for (int j = 1; j < kFull; ++j)
    for (int i = 0; i < j; ++i) fwd[static_cast<std::size_t>(j)] = fwd[static_cast<std::size_t>(j)] || (fwd[static_cast<std::size_t>(i)] && a[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)]);
  bwd[kFull - 1] = true;
  for (int i = kFull - 2; i >= 0; --i)
    for (int j = i + 1; j < kFull; ++j) bwd[static_cast<std::size_t>(i)] = bwd[static_cast<std::size_t>(i)] || (bwd[static_cast<std::size_t>(j)] && a[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)]);
  std::vector<int> keep{0};
  for (int k = 1; k < kFull - 1; ++k)
    if (fwd[static_cast<std::size_t>(k)] && bwd[static_cast<std::size_t>(k)]) keep.push_back(k);
  keep.push_back(kFull - 1);

  GraphView v;
  v.num_nodes = static_cast<int>(keep.size());
  v.ops.resize(keep.size());
  v.adj.assign(keep.size() * keep.size(), 0);
  for (std::size_t x = 0; x < keep.size(); ++x) {
    const int k = keep[x];
    // graph labels: 0 input, 1 output, 2.. = op id + 1 (skip_connect=2 ... avg_pool=5)
    v.ops[x] = k == 0 ? 0 : k == kFull - 1 ? 1 : static_cast<int>(c.ops[static_cast<std::size_t>(k - 1)]) + 1;
    for (std::size_t y = 0; y < keep.size(); ++y)
      v.adj[x * keep.size() + y] = a[static_cast<std::size_t>(k)][static_cast<std::size_t>(keep[y])] ? 1 : 0;
  }
  return v;
}

std::vector<float> Space::flat_encoding(const Genome& g) const {
  std::vector<float> f(flat_encoding_size(), 0.0f);
  const Cell c = to_cell(g);
  for (int e = 0; e < kNumEdges; ++e) f[static_cast<std::size_t>(e * kNumOps + static_cast<int>(c.ops[static_cast<std::size_t>(e)]))] = 1.0f;
  return f;
}

}  // namespace nas::nb201
