#include "nas/mutation/categorical.hpp"
#include "nas/mutation/hash.hpp"
#include "nas/mutation/transnas.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "nas/core/errors.hpp"

namespace nas::transnas {
namespace {
constexpr std::size_t idx(int i) { return static_cast<std::size_t>(i); }
// Positions of the 6 digits in "d_dd_ddd" (after the prefix) and of the two separators.
constexpr std::array<int, kNumEdges> kDigitAt{0, 2, 3, 5, 6, 7};
constexpr int kCellChars = 8;
}  // namespace

nb201::Cell MicroSpace::to_cell(const Genome& g) {
  if (g.size() != kNumEdges) throw std::invalid_argument(fmt::format("transnas-micro: genome of length {}, expected {}", g.size(), kNumEdges));
  nb201::Cell c;
  for (int e = 0; e < kNumEdges; ++e) {
    if (g[idx(e)] >= kNumOps) throw std::invalid_argument(fmt::format("transnas-micro: op id {} on edge {}", g[idx(e)], e));
    c.ops[idx(e)] = static_cast<nb201::Op>(g[idx(e)]);  // 0 none, 1 skip, 2 conv1x1, 3 conv3x3 in both
  }
  return c;
}

Genome MicroSpace::sample(Rng& rng) const { return at(rng.below(kNumCells)); }

Genome MicroSpace::mutate(const Genome& parent, Rng& rng) const { return mutate_one_choice(parent, rng, kNumOps); }

bool MicroSpace::valid(const Genome& g) const { return valid_choices(g, kNumEdges, kNumOps); }

ArchitectureHash MicroSpace::canonical_hash(const Genome& g) const { return md5(to_cell(g).canonical_string()); }

std::string MicroSpace::format(const Genome& g) const {
  (void)to_cell(g);  // validates
  std::string s = "x_xx_xxx";
  for (int e = 0; e < kNumEdges; ++e) s[idx(kDigitAt[idx(e)])] = static_cast<char>('0' + g[idx(e)]);
  return std::string(kMicroPrefix) + s;
}

Genome MicroSpace::parse(std::string_view text) const {
  check_architecture_text(name(), text);
  if (text.substr(0, kMicroPrefix.size()) != kMicroPrefix) {
    const bool macro = text.size() > 6 && text.substr(text.size() - 6) == "-basic";
    throw ParseError(fmt::format("transnas-micro: '{}' does not start with the micro skeleton '{}'{}", text, kMicroPrefix,
                                 macro ? " (it is a TransNAS-Bench-101 macro-space string)" : ""));
  }
  const auto cell = text.substr(kMicroPrefix.size());
  auto fail = [&](int col, const std::string& why) {
    throw ParseError(fmt::format("transnas-micro: at column {} of '{}': {}", kMicroPrefix.size() + idx(col) + 1, text, why));
  };
  std::array<std::uint8_t, kNumEdges> ops{};
  for (int c = 0, e = 0; c < kCellChars; ++c) {
    const bool digit = e < kNumEdges && kDigitAt[idx(e)] == c;
    if (idx(c) >= cell.size()) fail(c, digit ? "unexpected end; expected an op digit 0..3" : "unexpected end; expected '_'");
    const char ch = cell[idx(c)];
    if (digit) {
      if (ch < '0' || ch > '3') fail(c, fmt::format("found '{}'; expected an op digit 0 (none), 1 (skip), 2 (conv1x1) or 3 (conv3x3)", ch));
      ops[idx(e++)] = static_cast<std::uint8_t>(ch - '0');
    } else if (ch != '_') {
      fail(c, fmt::format("found '{}'; expected '_' between nodes", ch));
    }
  }
  if (cell.size() != kCellChars) fail(kCellChars, fmt::format("unexpected trailing text '{}'", cell.substr(kCellChars)));
  return Genome(ops);
}

Genome MicroSpace::at(std::uint64_t index) const {
  if (index >= kNumCells) throw std::out_of_range(fmt::format("transnas-micro: index {} outside [0, {})", index, kNumCells));
  std::array<std::uint8_t, kNumEdges> ops{};
  for (int e = kNumEdges - 1; e >= 0; --e, index /= kNumOps) ops[idx(e)] = static_cast<std::uint8_t>(index % kNumOps);
  return Genome(ops);
}

const std::vector<std::string>& MicroSpace::graph_op_names() const {
  static const std::vector<std::string> names{"input", "output", "skip_connect", "nor_conv_1x1", "nor_conv_3x3"};
  return names;
}

GraphView MicroSpace::graph_view(const Genome& g) const {
  // The nb201 genome has the same bytes; its labels 0..4 coincide with ours (avg_pool, 5, never occurs).
  (void)to_cell(g);
  return nb201::Space().graph_view(g);
}

std::vector<float> MicroSpace::flat_encoding(const Genome& g) const {
  const nb201::Cell c = to_cell(g);
  std::vector<float> f(flat_encoding_size(), 0.0f);
  for (int e = 0; e < kNumEdges; ++e) f[idx(e * kNumOps + static_cast<int>(c.ops[idx(e)]))] = 1.0f;
  return f;
}

}  // namespace nas::transnas
