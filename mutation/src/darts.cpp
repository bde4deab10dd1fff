#include "nas/mutation/darts.hpp"
#include "nas/mutation/hash.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "nas/core/errors.hpp"

namespace nas::darts {
namespace {

constexpr std::array<std::string_view, kNumOps> kOpNames{"max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3",
                                                         "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"};
constexpr std::size_t kGenomeSize = 2 * kNumEdges * 2;

// Strict left-to-right reader of the genotype string; every failure names the 1-based column.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  [[noreturn]] void fail(const std::string& why) const {
    throw ParseError(fmt::format("darts: at column {} of '{}': {}", pos_ + 1, s_, why));
  }
  void expect(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) {
      const auto found = s_.substr(pos_, std::max<std::size_t>(lit.size(), 1));
      fail(found.empty() ? fmt::format("unexpected end of string; expected \"{}\"", lit)
                         : fmt::format("found \"{}\"; expected \"{}\"", found, lit));
    }
    pos_ += lit.size();
  }
  Op op(const char* cell, int edge) {
    expect("'");
    const auto end = s_.find('\'', pos_);
    if (end == std::string_view::npos) fail("unterminated op name; expected a closing '");
    const auto word = s_.substr(pos_, end - pos_);
    for (int k = 0; k < kNumOps; ++k)
      if (word == kOpNames[static_cast<std::size_t>(k)]) { pos_ = end + 1; return static_cast<Op>(k); }
    fail(fmt::format("{} edge {}: {} op '{}'; expected one of max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3, "
                     "sep_conv_5x5, dil_conv_3x3, dil_conv_5x5",
                     cell, edge, word == "none" ? "the" : "unknown", word));
  }
  // A decimal input id in [0, limit).
  std::uint8_t input(const char* cell, int edge, int limit) {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9' && pos_ - start < 3) ++pos_;
    if (pos_ == start) fail(fmt::format("{} edge {}: expected an input node number", cell, edge));
    const int v = std::stoi(std::string(s_.substr(start, pos_ - start)));
    if (v >= limit || (pos_ - start > 1 && s_[start] == '0')) {
      const auto word = s_.substr(start, pos_ - start);
      pos_ = start;
      fail(fmt::format("{} edge {} (node {}): input {}; expected an earlier node, 0..{}", cell, edge, edge / 2 + 2, word, limit - 1));
    }
    return static_cast<std::uint8_t>(v);
  }
  std::size_t pos() const noexcept { return pos_; }
  void set_pos(std::size_t p) noexcept { pos_ = p; }
  void done() const {
    if (pos_ != s_.size()) fail(fmt::format("unexpected trailing text '{}'", s_.substr(pos_)));
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

void read_cell(Reader& r, const char* cell, CellEdges& edges) {
  for (int e = 0; e < kNumEdges; ++e) {
    if (e > 0) r.expect(", ");
    r.expect("(");
    edges[static_cast<std::size_t>(e)].op = r.op(cell, e);
    r.expect(", ");
    const std::size_t at = r.pos();
    edges[static_cast<std::size_t>(e)].input = r.input(cell, e, e / 2 + 2);
    if (e % 2 == 1 && edges[static_cast<std::size_t>(e)].input == edges[static_cast<std::size_t>(e - 1)].input) {
      r.set_pos(at);
      r.fail(fmt::format("{} node {}: both inputs are node {}; expected two different inputs", cell, e / 2 + 2,
                         edges[static_cast<std::size_t>(e)].input));
    }
    r.expect(")");
  }
}

void write_cell(std::string& s, const CellEdges& edges) {
  for (int e = 0; e < kNumEdges; ++e) {
    const auto& x = edges[static_cast<std::size_t>(e)];
    s += fmt::format("{}('{}', {})", e ? ", " : "", op_name(x.op), x.input);
  }
}

CellEdges canonical_cell(CellEdges c) {
  for (std::size_t i = 0; i < kNumNodes; ++i)
    if (c[2 * i + 1] < c[2 * i]) std::swap(c[2 * i], c[2 * i + 1]);
  return c;
}

bool valid_cell(const CellEdges& c) {
  for (std::size_t e = 0; e < kNumEdges; ++e) {
    if (static_cast<int>(c[e].op) >= kNumOps) return false;
    if (c[e].input >= e / 2 + 2) return false;
  }
  for (std::size_t i = 0; i < kNumNodes; ++i)
    if (c[2 * i].input == c[2 * i + 1].input) return false;
  return true;
}

}  // namespace

std::string_view op_name(Op op) { return kOpNames[static_cast<std::size_t>(op)]; }

Genotype Genotype::parse(std::string_view text) {
  Reader r(text);
  Genotype g;
  r.expect("Genotype(normal=[");
  read_cell(r, "normal", g.normal);
  r.expect("], normal_concat=[2, 3, 4, 5], reduce=[");
  read_cell(r, "reduce", g.reduce);
  r.expect("], reduce_concat=[2, 3, 4, 5])");
  r.done();
  return g;
}

std::string Genotype::str() const {
  std::string s = "Genotype(normal=[";
  write_cell(s, normal);
  s += "], normal_concat=[2, 3, 4, 5], reduce=[";
  write_cell(s, reduce);
  s += "], reduce_concat=[2, 3, 4, 5])";
  return s;
}

Genotype Genotype::canonical() const { return {canonical_cell(normal), canonical_cell(reduce)}; }

bool Genotype::valid() const { return valid_cell(normal) && valid_cell(reduce); }

// ---- Space -----------------------------------------------------------------------------------

Genome Space::to_genome(const Genotype& c) {
  std::array<std::uint8_t, kGenomeSize> b{};
  std::size_t k = 0;
  for (const CellEdges* cell : {&c.normal, &c.reduce})
    for (const auto& e : *cell) {
      b[k++] = static_cast<std::uint8_t>(e.op);
      b[k++] = e.input;
    }
  return Genome(b);
}

Genotype Space::to_genotype(const Genome& g) {
  if (g.size() != kGenomeSize) throw std::invalid_argument(fmt::format("darts: genome of length {}, expected {}", g.size(), kGenomeSize));
  Genotype c;
  std::size_t k = 0;
  for (CellEdges* cell : {&c.normal, &c.reduce})
    for (auto& e : *cell) {
      if (g[k] >= kNumOps) throw std::invalid_argument(fmt::format("darts: op id {} at genome byte {}", g[k], k));
      e.op = static_cast<Op>(g[k++]);
      e.input = g[k++];
    }
  return c;
}

Genome Space::sample(Rng& rng) const {
  Genotype c;
  for (CellEdges* cell : {&c.normal, &c.reduce})
    for (std::size_t i = 0; i < kNumNodes; ++i) {
      const auto n = static_cast<std::uint64_t>(i + 2);
      const auto a = rng.below(n);
      auto b = rng.below(n - 1);  // a different second input: skip over a
      if (b >= a) ++b;
      (*cell)[2 * i] = {static_cast<Op>(rng.below(kNumOps)), static_cast<std::uint8_t>(a)};
      (*cell)[2 * i + 1] = {static_cast<Op>(rng.below(kNumOps)), static_cast<std::uint8_t>(b)};
    }
  return to_genome(c);
}

Genome Space::mutate(const Genome& parent, Rng& rng) const {
  Genotype c = to_genotype(parent);
  for (;;) {
    CellEdges& cell = rng.below(2) ? c.reduce : c.normal;
    const auto e = static_cast<std::size_t>(rng.below(kNumEdges));
    if (rng.below(2) == 0) {
      auto k = static_cast<int>(rng.below(kNumOps - 1));
      if (k >= static_cast<int>(cell[e].op)) ++k;
      cell[e].op = static_cast<Op>(k);
      return to_genome(c);
    }
    // Inputs other than this edge's and its partner's: i+2 candidates minus 2.
    const std::size_t node = e / 2, partner = e ^ 1U;
    const std::uint64_t choices = node;  // (node + 2) - 2
    if (choices == 0) continue;
    auto pick = static_cast<std::uint8_t>(rng.below(choices));
    const auto lo = std::min(cell[e].input, cell[partner].input), hi = std::max(cell[e].input, cell[partner].input);
    if (pick >= lo) ++pick;
    if (pick >= hi) ++pick;
    cell[e].input = pick;
    return to_genome(c);
  }
}

bool Space::valid(const Genome& g) const {
  if (g.size() != kGenomeSize) return false;
  for (std::size_t k = 0; k < kGenomeSize; k += 2)
    if (g[k] >= kNumOps) return false;
  return to_genotype(g).valid();
}

ArchitectureHash Space::canonical_hash(const Genome& g) const { return md5(to_genotype(g).canonical().str()); }

std::string Space::format(const Genome& g) const { return to_genotype(g).str(); }

Genome Space::parse(std::string_view text) const {
  check_architecture_text(name(), text);
  return to_genome(Genotype::parse(text));
}

const std::vector<std::string>& Space::graph_op_names() const {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n{"input", "output"};
    for (auto op : kOpNames) n.emplace_back(op);
    n.insert(n.end(), {"c_k-2", "c_k-1", "concat"});
    return n;
  }();
  return names;
}

GraphView Space::graph_view(const Genome& g) const {
  const Genotype c = to_genotype(g).canonical();
  const int n = max_graph_nodes();
  constexpr int kOp0 = 2, kCkm2 = kOp0 + kNumOps, kCkm1 = kCkm2 + 1, kConcat = kCkm1 + 1;
  GraphView v;
  v.num_nodes = n;
  v.ops.assign(static_cast<std::size_t>(n), 0);
  v.adj.assign(static_cast<std::size_t>(n * n), 0);
  auto edge = [&](int from, int to) { v.adj[static_cast<std::size_t>(from * n + to)] = 1; };
  v.ops[0] = 0;
  int source = 0;  // what the cell's c_{k-2} and c_{k-1} read: the input, then the normal concat
  int next = 1;
  for (const CellEdges* cell : {&c.normal, &c.reduce}) {
    const int km2 = next++, km1 = next++, first = next;
    v.ops[static_cast<std::size_t>(km2)] = kCkm2;
    v.ops[static_cast<std::size_t>(km1)] = kCkm1;
    edge(source, km2);
    edge(source, km1);
    next += kNumEdges;
    const int sink = next++;  // concat, or the output after the reduction cell
    v.ops[static_cast<std::size_t>(sink)] = cell == &c.normal ? kConcat : 1;
    for (int e = 0; e < kNumEdges; ++e) {
      const auto& x = (*cell)[static_cast<std::size_t>(e)];
      const int node = first + e;
      v.ops[static_cast<std::size_t>(node)] = kOp0 + static_cast<int>(x.op);
      if (x.input < 2) edge(x.input == 0 ? km2 : km1, node);
      else {
        const int j = x.input - 2;  // intermediate node j = sum of its two op nodes
        edge(first + 2 * j, node);
        edge(first + 2 * j + 1, node);
      }
      edge(node, sink);
    }
    source = sink;
  }
  return v;
}

std::vector<float> Space::flat_encoding(const Genome& g) const {
  const Genotype c = to_genotype(g).canonical();
  std::vector<float> f(flat_encoding_size(), 0.0f);
  std::size_t base = 0;
  for (const CellEdges* cell : {&c.normal, &c.reduce})
    for (const auto& e : *cell) {
      f[base + static_cast<std::size_t>(e.op)] = 1.0f;
      f[base + kNumOps + e.input] = 1.0f;
      base += kNumOps + kNumInputs;
    }
  return f;
}

}  // namespace nas::darts
