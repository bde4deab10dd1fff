#include "nas/mutation/nb101.hpp"
#include "nas/mutation/hash.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nas/core/errors.hpp"

namespace nas::nb101 {
namespace {

constexpr std::array<std::string_view, kNumOps> kOpNames{"conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"};
constexpr std::size_t kV = kNumVertices;

// Upper-triangle position of edge (i, j), i < j, in row-major order (the tables' adj_upper_tri).
constexpr std::array<std::array<int, kNumVertices>, kNumVertices> make_spot() {
  std::array<std::array<int, kNumVertices>, kNumVertices> s{};
  int k = 0;
  for (int i = 0; i < kNumVertices; ++i)
    for (int j = 0; j < kNumVertices; ++j) s[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = j > i ? k++ : -1;
  return s;
}
constexpr auto kSpot = make_spot();

[[noreturn]] void fail(std::string_view text, std::size_t pos, const std::string& why) {
  throw ParseError(fmt::format("nb101: at column {} of '{}': {}", pos + 1, text, why));
}

}  // namespace

std::string_view op_name(Op op) { return kOpNames[static_cast<std::size_t>(op)]; }

Cell Cell::parse(std::string_view text) {
  Cell c;
  const auto bar = text.find('|');
  if (bar == std::string_view::npos)
    fail(text, text.size(), "missing '|'; expected '<21 adjacency bits>|<7 comma-separated ops>'");
  if (bar != kNumEdgeSpots)
    fail(text, 0, fmt::format("{} adjacency characters before '|'; expected {} bits (the strict upper triangle of the 7x7 matrix)", bar, kNumEdgeSpots));
  int k = 0;
  for (std::size_t i = 0; i < kV; ++i)
    for (std::size_t j = i + 1; j < kV; ++j, ++k) {
      const char b = text[static_cast<std::size_t>(k)];
      if (b != '0' && b != '1') fail(text, static_cast<std::size_t>(k), fmt::format("adjacency character '{}'; expected '0' or '1'", b));
      c.adj[i][j] = b == '1';
    }
  std::size_t pos = bar + 1;
  for (int v = 0; v < kNumVertices; ++v) {
    if (v > 0) {
      if (pos >= text.size()) fail(text, pos, fmt::format("{} ops; expected {} (input, 5 ops, output)", v, kNumVertices));
      if (text[pos] != ',') fail(text, pos, fmt::format("found '{}'; expected ','", text[pos]));
      ++pos;
    }
    auto end = text.find(',', pos);
    if (end == std::string_view::npos) end = text.size();
    const auto word = text.substr(pos, end - pos);
    if (v == 0 || v == kNumVertices - 1) {
      const std::string_view want = v == 0 ? "input" : "output";
      if (word != want) fail(text, pos, fmt::format("op '{}' on node {}; expected '{}'", word, v, want));
    } else {
      int found = -1;
      for (int o = 0; o < kNumOps; ++o)
        if (word == kOpNames[static_cast<std::size_t>(o)]) found = o;
      if (found < 0) fail(text, pos, fmt::format("unknown op '{}' on node {}; expected conv3x3-bn-relu, conv1x1-bn-relu or maxpool3x3", word, v));
      c.ops[static_cast<std::size_t>(v - 1)] = static_cast<Op>(found);
    }
    pos = end;
  }
  if (pos != text.size()) fail(text, pos, fmt::format("unexpected trailing text '{}' after {} ops", text.substr(pos), kNumVertices));
  return c;
}

std::string Cell::upper_tri() const {
  std::string s;
  for (std::size_t i = 0; i < kV; ++i)
    for (std::size_t j = i + 1; j < kV; ++j) s += adj[i][j] ? '1' : '0';
  return s;
}

std::string Cell::str() const {
  std::string s = upper_tri();
  s += "|input";
  for (auto op : ops) {
    s += ',';
    s += op_name(op);
  }
  s += ",output";
  return s;
}

int Cell::Pruned::edges() const noexcept {
  int m = 0;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) m += adj[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
  return m;
}

Cell::Pruned Cell::pruned() const {
  // Edges only go forward, so one pass in each direction is the benchmark's DFS.
  std::array<bool, kV> fwd{}, bwd{};
  fwd[0] = true;
  for (std::size_t j = 1; j < kV; ++j)
    for (std::size_t i = 0; i < j; ++i) fwd[j] = fwd[j] || (fwd[i] && adj[i][j]);
  bwd[kV - 1] = true;
  for (std::size_t i = kV - 1; i-- > 0;)
    for (std::size_t j = i + 1; j < kV; ++j) bwd[i] = bwd[i] || (bwd[j] && adj[i][j]);
  Pruned p;
  if (!fwd[kV - 1]) return p;  // input and output disconnected: the benchmark's invalid spec
  for (std::size_t v = 0; v < kV; ++v)
    if (fwd[v] && bwd[v]) p.original[static_cast<std::size_t>(p.n++)] = static_cast<int>(v);
  for (int x = 0; x < p.n; ++x) {
    const auto v = static_cast<std::size_t>(p.original[static_cast<std::size_t>(x)]);
    p.labels[static_cast<std::size_t>(x)] = v == 0 ? -1 : v == kV - 1 ? -2 : static_cast<int>(ops[v - 1]);
    for (int y = 0; y < p.n; ++y)
      p.adj[static_cast<std::size_t>(x)][static_cast<std::size_t>(y)] = adj[v][static_cast<std::size_t>(p.original[static_cast<std::size_t>(y)])];
  }
  return p;
}

bool Cell::valid() const {
  const Pruned p = pruned();
  return p.n >= 2 && p.edges() <= kMaxEdges;
}

std::string Cell::hash() const {
  const Pruned p = pruned();
  return hash_module(p.n, p.adj, p.labels);
}

std::string hash_module(int n, const std::array<std::array<bool, kNumVertices>, kNumVertices>& adj,
                        const std::array<int, kNumVertices>& labels) {
  const auto N = static_cast<std::size_t>(n);
  std::array<std::string, kV> h, next;
  for (std::size_t v = 0; v < N; ++v) {
    int in = 0, out = 0;
    for (std::size_t w = 0; w < N; ++w) { in += adj[w][v]; out += adj[v][w]; }
    // Python's str() of the tuple (out_degree, in_degree, label).
    h[v] = md5_hex(fmt::format("({}, {}, {})", out, in, labels[v]));
  }
  std::vector<std::string_view> ins, outs;
  std::string buf;
  for (std::size_t round = 0; round < N; ++round) {
    for (std::size_t v = 0; v < N; ++v) {
      ins.clear();
      outs.clear();
      for (std::size_t w = 0; w < N; ++w) {
        if (adj[w][v]) ins.emplace_back(h[w]);
        if (adj[v][w]) outs.emplace_back(h[w]);
      }
      std::sort(ins.begin(), ins.end());
      std::sort(outs.begin(), outs.end());
      buf.clear();
      for (auto s : ins) buf += s;
      buf += '|';
      for (auto s : outs) buf += s;
      buf += '|';
      buf += h[v];
      next[v] = md5_hex(buf);
    }
    std::swap(h, next);
  }
  std::sort(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(N));
  // Python's str() of a list of str: ['a', 'b'].
  return md5_hex(fmt::format("['{}']", fmt::join(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(N), "', '")));
}

// ---- Space -----------------------------------------------------------------------------------

Genome Space::to_genome(const Cell& c) {
  std::array<std::uint8_t, kNumEdgeSpots + kNumInterior> b{};
  for (std::size_t i = 0; i < kV; ++i)
    for (std::size_t j = i + 1; j < kV; ++j) b[static_cast<std::size_t>(kSpot[i][j])] = c.adj[i][j] ? 1 : 0;
  for (std::size_t k = 0; k < kNumInterior; ++k) b[kNumEdgeSpots + k] = static_cast<std::uint8_t>(c.ops[k]);
  return Genome(b);
}

Cell Space::to_cell(const Genome& g) {
  if (g.size() != kNumEdgeSpots + kNumInterior)
    throw std::invalid_argument(fmt::format("nb101: genome of length {}, expected {}", g.size(), kNumEdgeSpots + kNumInterior));
  Cell c;
  for (std::size_t i = 0; i < kV; ++i)
    for (std::size_t j = i + 1; j < kV; ++j) {
      const auto b = g[static_cast<std::size_t>(kSpot[i][j])];
      if (b > 1) throw std::invalid_argument(fmt::format("nb101: edge byte {} for {}->{}", b, i, j));
      c.adj[i][j] = b == 1;
    }
  for (std::size_t k = 0; k < kNumInterior; ++k) {
    const auto b = g[kNumEdgeSpots + k];
    if (b >= kNumOps) throw std::invalid_argument(fmt::format("nb101: op id {} on node {}", b, k + 1));
    c.ops[k] = static_cast<Op>(b);
  }
  return c;
}

Genome Space::sample(Rng& rng) const {
  for (;;) {
    Cell c;
    // 21 fair bits from one draw, then 5 ops.
    std::uint64_t bits = rng();
    for (std::size_t i = 0; i < kV; ++i)
      for (std::size_t j = i + 1; j < kV; ++j, bits >>= 1) c.adj[i][j] = bits & 1U;
    for (auto& op : c.ops) op = static_cast<Op>(rng.below(kNumOps));
    if (c.valid()) return to_genome(c);
  }
}

Genome Space::mutate(const Genome& parent, Rng& rng) const {
  const Cell p = to_cell(parent);
  // nasbench's regularised-evolution baseline, mutation_rate = 1.
  constexpr double kEdgeProb = 1.0 / kNumVertices, kOpProb = 1.0 / kNumInterior;
  for (;;) {
    Cell c = p;
    for (std::size_t i = 0; i < kV; ++i)
      for (std::size_t j = i + 1; j < kV; ++j)
        if (rng.uniform() < kEdgeProb) c.adj[i][j] = !c.adj[i][j];
    for (auto& op : c.ops)
      if (rng.uniform() < kOpProb) {
        auto k = static_cast<int>(rng.below(kNumOps - 1));
        if (k >= static_cast<int>(op)) ++k;
        op = static_cast<Op>(k);
      }
    if (!(c == p) && c.valid()) return to_genome(c);
  }
}

bool Space::valid(const Genome& g) const {
  if (g.size() != kNumEdgeSpots + kNumInterior) return false;
  for (std::size_t k = 0; k < g.size(); ++k)
    if (g[k] >= (k < kNumEdgeSpots ? 2 : kNumOps)) return false;
  return to_cell(g).valid();
}

ArchitectureHash Space::canonical_hash(const Genome& g) const {
  const Cell c = to_cell(g);
  const auto p = c.pruned();
  if (p.n < 2) throw std::invalid_argument(fmt::format("nb101: cell '{}' is invalid (input and output disconnected)", c.str()));
  const std::string hex = hash_module(p.n, p.adj, p.labels);
  ArchitectureHash h;
  h.hi = std::stoull(hex.substr(0, 16), nullptr, 16);
  h.lo = std::stoull(hex.substr(16, 16), nullptr, 16);
  return h;
}

std::string Space::format(const Genome& g) const { return to_cell(g).str(); }

Genome Space::parse(std::string_view text) const {
  check_architecture_text(name(), text);
  // The string must also be a cell of the space (found by fuzz_arch: an 11-edge matrix parsed into
  // a genome that valid() then rejected).
  const Cell c = Cell::parse(text);
  if (!c.valid()) {
    const Cell::Pruned p = c.pruned();
    throw ParseError(fmt::format("nb101: '{}': {}", text,
                                 p.n < 2 ? std::string("no path from input to output")
                                         : fmt::format("{} edges once pruned; NAS-Bench-101 cells have at most {}", p.edges(), kMaxEdges)));
  }
  return to_genome(c);
}

const std::vector<std::string>& Space::graph_op_names() const {
  static const std::vector<std::string> names{"input", "output", "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"};
  return names;
}

GraphView Space::graph_view(const Genome& g) const {
  const auto p = to_cell(g).pruned();
  GraphView v;
  v.num_nodes = p.n;
  v.ops.resize(static_cast<std::size_t>(p.n));
  v.adj.assign(static_cast<std::size_t>(p.n * p.n), 0);
  for (std::size_t x = 0; x < static_cast<std::size_t>(p.n); ++x) {
    const int l = p.labels[x];
    v.ops[x] = l == -1 ? 0 : l == -2 ? 1 : l + 2;
    for (std::size_t y = 0; y < static_cast<std::size_t>(p.n); ++y) v.adj[x * static_cast<std::size_t>(p.n) + y] = p.adj[x][y] ? 1 : 0;
  }
  return v;
}

std::vector<float> Space::flat_encoding(const Genome& g) const {
  const Cell c = to_cell(g);
  const auto p = c.pruned();
  std::array<bool, kV> live{};
  for (int x = 0; x < p.n; ++x) live[static_cast<std::size_t>(p.original[static_cast<std::size_t>(x)])] = true;
  std::vector<float> f(flat_encoding_size(), 0.0f);
  for (std::size_t i = 0; i < kV; ++i)
    for (std::size_t j = i + 1; j < kV; ++j)
      if (c.adj[i][j] && live[i] && live[j]) f[static_cast<std::size_t>(kSpot[i][j])] = 1.0f;
  for (std::size_t k = 0; k < kNumInterior; ++k)
    if (live[k + 1]) f[kNumEdgeSpots + k * kNumOps + static_cast<std::size_t>(c.ops[k])] = 1.0f;
  return f;
}

}  // namespace nas::nb101
