#pragma once
// The search-space concept, as a runtime interface so the engine, the predictors and the apps work
// on every space through one type (no `if (space == ...)`). Implementations (mutation/, and the
// toy space of toy_space.hpp) are immutable after construction: every method is const and
// thread-safe. The spaces are registered by name in mutation/spaces.hpp.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "nas/core/architecture_hash.hpp"
#include "nas/core/genome.hpp"
#include "nas/core/graph_view.hpp"
#include "nas/core/rng.hpp"

namespace nas {

/// Architecture strings longer than this are refused by every space's parse() before any other
/// check (the longest real one, a DARTS genotype, is about 420 bytes), so that a wrong input of
/// megabytes gets a short message rather than one that quotes it whole.
inline constexpr std::size_t kMaxArchitectureText = 4096;

class SearchSpace {
 public:
  virtual ~SearchSpace() = default;

  /// Short name used on the command line and in outputs ("nb201").
  virtual std::string_view name() const = 0;

  /// A uniformly random valid architecture.
  virtual Genome sample(Rng& rng) const = 0;
  /// A valid architecture that differs from `parent` by one mutation step of this space
  /// (exact genome differs). `parent` must be valid.
  virtual Genome mutate(const Genome& parent, Rng& rng) const = 0;
  /// Whether `g` is a valid architecture of this space.
  virtual bool valid(const Genome& g) const = 0;

  /// Canonical identity: equal exactly for architectures this space considers the same network.
  virtual ArchitectureHash canonical_hash(const Genome& g) const = 0;

  /// The benchmark's own string form.
  virtual std::string format(const Genome& g) const = 0;
  /// Inverse of format(); throws ParseError naming the position and the expectation.
  virtual Genome parse(std::string_view text) const = 0;

  /// Graph for predictors; node labels index graph_op_names().
  virtual GraphView graph_view(const Genome& g) const = 0;
  virtual const std::vector<std::string>& graph_op_names() const = 0;
  /// Largest num_nodes any graph_view() of this space can have.
  virtual int max_graph_nodes() const = 0;

  /// Fixed-length one-hot encoding (for flat baselines such as the MLP).
  virtual std::vector<float> flat_encoding(const Genome& g) const = 0;
  virtual std::size_t flat_encoding_size() const = 0;

  /// Number of architectures if the space can be enumerated, else nullopt.
  virtual std::optional<std::uint64_t> size() const { return std::nullopt; }
  /// The index-th architecture, 0 <= index < *size(). Only for enumerable spaces: throws
  /// std::logic_error elsewhere.
  virtual Genome at(std::uint64_t /*index*/) const {
    throw std::logic_error("search space '" + std::string(name()) + "' cannot be enumerated");
  }

  /// The valid architectures one step away from `g` (local search's neighbourhood), in a fixed
  /// order, without `g` itself. Default: every valid genome that differs from `g` in exactly one
  /// byte (for the categorical encodings of these spaces: one op or one edge changed). A space
  /// whose mutation step is larger overrides it. `g` must be valid.
  virtual std::vector<Genome> neighbours(const Genome& g) const {
    std::vector<Genome> out;
    for (std::size_t i = 0; i < g.size(); ++i)
      for (int v = 0; v < 256; ++v) {
        if (v == g[i]) continue;
        Genome n = g;
        n[i] = static_cast<std::uint8_t>(v);
        if (valid(n)) out.push_back(n);
      }
    return out;
  }
};

}  // namespace nas
