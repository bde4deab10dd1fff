#pragma once
// NAS-Bench-Macro (Su et al., CVPR 2021): a chain of 8 searchable layers, each one of
// 0 = identity, 1 = MobileNet block expand 3 kernel 3, 2 = MobileNet block expand 6 kernel 5.
// The benchmark string is the 8 digits, layer 0 first ("01200211"); 3^8 = 6,561 architectures.
//
// Identity (decided from the data, nas_bench_macro_cifar10.csv, all 6,561 rows):
//  * Identities do NOT collapse globally. Of the 511 groups of architectures that share the same
//    non-identity layers in the same order (e.g. 00000012 vs 00012000), 254 have more than one
//    member and in all 254 the members differ in params and FLOPs, with test-accuracy spreads of
//    1.8 points (median) up to 17.1 points, against a per-architecture seed std of 0.15: where an
//    identity sits changes the network (the layers have different widths and resolutions).
//  * They DO collapse inside two pairs of layers: (3, 4) and (6, 7). Swapping an identity with
//    the other layer of one of these pairs gives a row that is identical in all three seeds'
//    accuracies, params and FLOPs (e.g. 00000102 = 00000120, 00001000 = 00010000). The table has
//    exactly 3,969 distinct result rows, and the equivalence "an identity in layer 3 or 4 (resp.
//    6 or 7) may swap with its partner" gives exactly 3,969 classes, each with one result row and
//    no result row split over two classes. (3,969 = 3^4 free layers x 7^2 unordered pairs.)
//    These are the non-reduction layers of the last two stages, where an identity is a true
//    identity and x->id equals id->x.
// So canonical_hash() identifies exactly the architectures the benchmark itself measured as one.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nas/mutation/spaces.hpp"

namespace nas::macro {

enum class Choice : std::uint8_t { identity = 0, mb_e3k3 = 1, mb_e6k5 = 2 };
inline constexpr int kNumLayers = 8;
inline constexpr int kNumChoices = 3;
inline constexpr int kNumArchs = 6561;    // 3^8
inline constexpr int kNumClasses = 3969;  // canonical classes (see above)
/// Pairs of layers inside which an identity may move without changing the network.
inline constexpr std::array<std::array<int, 2>, 2> kSwapPairs{{{3, 4}, {6, 7}}};

std::string_view choice_name(Choice c);

struct Arch {
  std::array<Choice, kNumLayers> layers{};
  friend bool operator==(const Arch&, const Arch&) = default;

  /// Parses exactly 8 digits in 0..2; throws ParseError naming the column.
  static Arch parse(std::string_view text);
  /// The benchmark string (inverse of parse).
  std::string str() const;
  /// Base-3 code in [0, 6561), layer 0 most significant: the table's row order.
  int code() const noexcept;
  static Arch from_code(int code);
  /// Representative of the identity class: in each swap pair an identity goes to the second
  /// layer of the pair ("01" -> "10"). Idempotent.
  Arch canonical() const noexcept;
};

/// Genome = the 8 choice ids. Enumerable (size() = 6,561, at(i) = Arch::from_code(i)).
class Space final : public SearchSpace {
 public:
  std::string_view name() const override { return "macro"; }
  /// Uniform over the 6,561 strings (so a class of two strings is twice as likely as a singleton,
  /// as with NAS-Bench-201's sampler).
  Genome sample(Rng& rng) const override;
  /// Changes one uniformly chosen layer to one of its 2 other choices, uniformly. The child is
  /// always in a different canonical class (a one-layer change alters the pair's multiset).
  Genome mutate(const Genome& parent, Rng& rng) const override;
  bool valid(const Genome& g) const override;
  /// md5 of the canonical string (see Arch::canonical()).
  ArchitectureHash canonical_hash(const Genome& g) const override;
  std::string format(const Genome& g) const override;
  Genome parse(std::string_view text) const override;
  /// Chain input -> layer 0 -> ... -> layer 7 -> output, of the canonical form (so equivalent
  /// architectures look the same to predictors). Labels: input, output, identity, mb_e3k3,
  /// mb_e6k5. Identity layers stay as nodes: their position matters (see the header comment).
  GraphView graph_view(const Genome& g) const override;
  const std::vector<std::string>& graph_op_names() const override;
  int max_graph_nodes() const override { return kNumLayers + 2; }
  /// One-hot of the canonical form, 8 x 3.
  std::vector<float> flat_encoding(const Genome& g) const override;
  std::size_t flat_encoding_size() const override { return kNumLayers * kNumChoices; }
  std::optional<std::uint64_t> size() const override { return kNumArchs; }
  Genome at(std::uint64_t index) const override;

  static Genome to_genome(const Arch& a);
  /// Throws std::invalid_argument for a genome of another length or with a choice id > 2.
  static Arch to_arch(const Genome& g);
};

}  // namespace nas::macro
