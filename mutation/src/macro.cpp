#include "nas/mutation/categorical.hpp"
#include "nas/mutation/hash.hpp"
#include "nas/mutation/macro.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "nas/core/errors.hpp"

namespace nas::macro {
namespace {
constexpr std::array<std::string_view, kNumChoices> kChoiceNames{"identity", "mb_e3k3", "mb_e6k5"};
constexpr std::size_t idx(int i) { return static_cast<std::size_t>(i); }
}  // namespace

std::string_view choice_name(Choice c) { return kChoiceNames[static_cast<std::size_t>(c)]; }

Arch Arch::parse(std::string_view text) {
  Arch a;
  for (std::size_t i = 0; i < text.size() && i < kNumLayers; ++i) {
    const char c = text[i];
    if (c < '0' || c > '2')
      throw ParseError(fmt::format("macro: at column {} of '{}': found '{}'; expected a layer choice 0 (identity), 1 (mb_e3k3) or 2 (mb_e6k5)",
                                   i + 1, text, c));
    a.layers[i] = static_cast<Choice>(c - '0');
  }
  if (text.size() != kNumLayers)
    throw ParseError(fmt::format("macro: '{}' has {} characters; expected {} digits (one per layer)", text, text.size(), kNumLayers));
  return a;
}

std::string Arch::str() const {
  std::string s(kNumLayers, '0');
  for (int i = 0; i < kNumLayers; ++i) s[idx(i)] = static_cast<char>('0' + static_cast<int>(layers[idx(i)]));
  return s;
}

int Arch::code() const noexcept {
  int c = 0;
  for (auto l : layers) c = c * kNumChoices + static_cast<int>(l);
  return c;
}

Arch Arch::from_code(int code) {
  if (code < 0 || code >= kNumArchs) throw std::out_of_range(fmt::format("macro: architecture code {} outside [0, {})", code, kNumArchs));
  Arch a;
  for (int i = kNumLayers - 1; i >= 0; --i) {
    a.layers[idx(i)] = static_cast<Choice>(code % kNumChoices);
    code /= kNumChoices;
  }
  return a;
}

Arch Arch::canonical() const noexcept {
  Arch a = *this;
  for (const auto& [p, q] : kSwapPairs)
    if (a.layers[idx(p)] == Choice::identity) std::swap(a.layers[idx(p)], a.layers[idx(q)]);
  return a;
}

// ---- Space -----------------------------------------------------------------------------------

Genome Space::to_genome(const Arch& a) {
  std::array<std::uint8_t, kNumLayers> b{};
  for (int i = 0; i < kNumLayers; ++i) b[idx(i)] = static_cast<std::uint8_t>(a.layers[idx(i)]);
  return Genome(b);
}

Arch Space::to_arch(const Genome& g) {
  if (g.size() != kNumLayers) throw std::invalid_argument(fmt::format("macro: genome of length {}, expected {}", g.size(), kNumLayers));
  Arch a;
  for (int i = 0; i < kNumLayers; ++i) {
    if (g[idx(i)] >= kNumChoices) throw std::invalid_argument(fmt::format("macro: choice id {} on layer {}", g[idx(i)], i));
    a.layers[idx(i)] = static_cast<Choice>(g[idx(i)]);
  }
  return a;
}

Genome Space::sample(Rng& rng) const { return at(rng.below(kNumArchs)); }

Genome Space::mutate(const Genome& parent, Rng& rng) const { return mutate_one_choice(parent, rng, kNumChoices); }

bool Space::valid(const Genome& g) const { return valid_choices(g, kNumLayers, kNumChoices); }

ArchitectureHash Space::canonical_hash(const Genome& g) const { return md5("macro:" + to_arch(g).canonical().str()); }

std::string Space::format(const Genome& g) const { return to_arch(g).str(); }

Genome Space::parse(std::string_view text) const {
  check_architecture_text(name(), text);
  return to_genome(Arch::parse(text));
}

Genome Space::at(std::uint64_t index) const {
  if (index >= static_cast<std::uint64_t>(kNumArchs)) throw std::out_of_range(fmt::format("macro: index {} outside [0, {})", index, kNumArchs));
  return to_genome(Arch::from_code(static_cast<int>(index)));
}

const std::vector<std::string>& Space::graph_op_names() const {
  static const std::vector<std::string> names{"input", "output", "identity", "mb_e3k3", "mb_e6k5"};
  return names;
}

GraphView Space::graph_view(const Genome& g) const {
  const Arch a = to_arch(g).canonical();
  constexpr int n = kNumLayers + 2;
  GraphView v;
  v.num_nodes = n;
  v.ops.resize(n);
  v.adj.assign(static_cast<std::size_t>(n * n), 0);
  v.ops[0] = 0;
  v.ops[idx(n - 1)] = 1;
  for (int i = 0; i < kNumLayers; ++i) v.ops[idx(i + 1)] = 2 + static_cast<int>(a.layers[idx(i)]);
  for (int i = 0; i + 1 < n; ++i) v.adj[idx(i * n + i + 1)] = 1;
  return v;
}

std::vector<float> Space::flat_encoding(const Genome& g) const {
  const Arch a = to_arch(g).canonical();
  std::vector<float> f(flat_encoding_size(), 0.0f);
  for (int i = 0; i < kNumLayers; ++i) f[idx(i * kNumChoices + static_cast<int>(a.layers[idx(i)]))] = 1.0f;
  return f;
}

}  // namespace nas::macro
