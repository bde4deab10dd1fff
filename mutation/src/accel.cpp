#include "nas/mutation/accel.hpp"

#include <fmt/format.h>

#include "nas/core/errors.hpp"
#include "nas/mutation/hash.hpp"

namespace nas::accel {
namespace {
constexpr std::array<const char*, kFields> kPrefix{"e", "k", "l", "se"};
constexpr std::size_t kLength = static_cast<std::size_t>(kNumBlocks * kFields);

int field_count(std::size_t pos) { return value_count(static_cast<int>(pos / kFields), static_cast<int>(pos % kFields)); }

void check(const Genome& g) {
  if (g.size() != kLength) throw std::invalid_argument(fmt::format("accel: a genome of {} positions; expected {}", g.size(), kLength));
  for (std::size_t i = 0; i < kLength; ++i)
    if (g[i] >= field_count(i)) throw std::invalid_argument(fmt::format("accel: position {} holds {}; expected below {}", i, int(g[i]), field_count(i)));
}

std::string block_text(const Genome& g, int b) {
  const auto at = [&](int f) { return kValues[static_cast<std::size_t>(f)][g[static_cast<std::size_t>(b * kFields + f)]]; };
  return fmt::format("e{}k{}l{}se{}", at(0), at(1), at(2), at(3));
}
}  // namespace

Genome Space::sample(Rng& rng) const {
  std::array<std::uint8_t, kLength> b{};
  for (std::size_t i = 0; i < kLength; ++i) b[i] = static_cast<std::uint8_t>(rng.below(static_cast<std::uint64_t>(field_count(i))));
  return Genome(b);
}

Genome Space::mutate(const Genome& parent, Rng& rng) const {
  check(parent);
  std::array<std::uint8_t, kLength> b{};
  for (std::size_t i = 0; i < kLength; ++i) b[i] = parent[i];
  const auto pos = static_cast<std::size_t>(rng.below(kLength));
  auto k = static_cast<std::uint8_t>(rng.below(static_cast<std::uint64_t>(field_count(pos) - 1)));
  if (k >= b[pos]) ++k;  // skip the current value
  b[pos] = k;
  return Genome(b);
}

bool Space::valid(const Genome& g) const {
  if (g.size() != kLength) return false;
  for (std::size_t i = 0; i < kLength; ++i)
    if (g[i] >= field_count(i)) return false;
  return true;
}

ArchitectureHash Space::canonical_hash(const Genome& g) const { return md5("accel:" + format(g)); }

std::string Space::format(const Genome& g) const {
  check(g);
  std::string s;
  for (int b = 0; b < kNumBlocks; ++b) s += (b ? "|" : "") + block_text(g, b);
  return s;
}

Genome Space::parse(std::string_view text) const {
  check_architecture_text(name(), text);
  std::array<std::uint8_t, kLength> out{};
  std::size_t at = 0;
  for (int b = 0; b < kNumBlocks; ++b) {
    const auto end = std::min(text.find('|', at), text.size());
    const std::string_view block = text.substr(at, end - at);
    std::size_t p = 0;
    for (int f = 0; f < kFields; ++f) {
      const std::string_view prefix = kPrefix[static_cast<std::size_t>(f)];
      if (block.substr(p, prefix.size()) != prefix || p + prefix.size() >= block.size() || block[p + prefix.size()] < '0' || block[p + prefix.size()] > '9')
        throw ParseError(fmt::format("accel: block {} '{}' of '{}': expected e{{1|4|6}}k{{3|5}}l{{1|2|3|4}}se{{0|1}}", b, block, text));
      const int v = block[p + prefix.size()] - '0';
      int k = -1;
      for (int c = 0; c < value_count(b, f); ++c)
        if (kValues[static_cast<std::size_t>(f)][static_cast<std::size_t>(c)] == v) k = c;
      if (k < 0)
        throw ParseError(fmt::format("accel: block {} '{}' of '{}': {} = {} is not one of the space's values (e 1,4,6; k 3,5; l 1,2,3, in block 5 also 4; se 0,1)", b,
                                     block, text, prefix, v));
      out[static_cast<std::size_t>(b * kFields + f)] = static_cast<std::uint8_t>(k);
      p += prefix.size() + 1;
    }
    if (p != block.size()) throw ParseError(fmt::format("accel: block {} '{}' of '{}': unexpected text after se", b, block, text));
    if (b + 1 < kNumBlocks && end == text.size())
      throw ParseError(fmt::format("accel: '{}' has {} blocks; expected {} joined by '|'", text, b + 1, kNumBlocks));
    at = end + 1;
  }
  if (at < text.size()) throw ParseError(fmt::format("accel: '{}' has more than {} blocks", text, kNumBlocks));
  return Genome(out);
}

GraphView Space::graph_view(const Genome& g) const {
  check(g);
  constexpr int n = kNumBlocks + 2;
  GraphView v;
  v.num_nodes = n;
  v.ops.assign(n, 0);
  v.adj.assign(static_cast<std::size_t>(n * n), 0);
  v.ops[n - 1] = 1;
  for (int b = 0; b < kNumBlocks; ++b) {
    const auto p = [&](int f) { return static_cast<int>(g[static_cast<std::size_t>(b * kFields + f)]); };
    v.ops[static_cast<std::size_t>(b + 1)] = 2 + ((p(0) * 2 + p(1)) * 4 + p(2)) * 2 + p(3);
  }
  for (int i = 0; i + 1 < n; ++i) v.adj[static_cast<std::size_t>(i * n + i + 1)] = 1;
  return v;
}

const std::vector<std::string>& Space::graph_op_names() const {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v{"input", "output"};
    for (int e = 0; e < 3; ++e)
      for (int k = 0; k < 2; ++k)
        for (int l = 0; l < 4; ++l)
          for (int se = 0; se < 2; ++se) v.push_back(fmt::format("e{}k{}l{}se{}", kValues[0][e], kValues[1][k], kValues[2][l], kValues[3][se]));
    return v;
  }();
  return names;
}

std::vector<float> Space::flat_encoding(const Genome& g) const {
  check(g);
  std::vector<float> f(flat_encoding_size(), 0.0f);
  std::size_t offset = 0;
  for (std::size_t i = 0; i < kLength; ++i) {
    f[offset + g[i]] = 1.0f;
    offset += static_cast<std::size_t>(field_count(i));
  }
  return f;
}

}  // namespace nas::accel
