#pragma once
// The search-space concept, as a runtime interface so the engine, the predictors and the apps work
// on every space through one type (no `if (space == ...)`). Implementations are immutable after
// construction: every method is const and thread-safe.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nas/core/genome.hpp"
#include "nas/mutation/graph_view.hpp"
#include "nas/mutation/hash.hpp"
#include "nas/core/rng.hpp"

namespace nas {

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
  /// The index-th architecture, 0 <= index < *size(). Only for enumerable spaces.
  virtual Genome at(std::uint64_t index) const;
};

/// Architecture strings longer than this are refused by every space's parse() before any other
/// check (the longest real one, a DARTS genotype, is about 420 bytes), so that a wrong input of
/// megabytes gets a short message rather than one that quotes it whole.
inline constexpr std::size_t kMaxArchitectureText = 4096;
/// Throws ParseError ("<space>: a string of N bytes; ...") when `text` is longer than the limit.
void check_architecture_text(std::string_view space, std::string_view text);

/// Creates a space by name ("nb201"); throws OptionError for an unknown name.
std::unique_ptr<SearchSpace> make_space(std::string_view name);
/// Names accepted by make_space.
std::vector<std::string> space_names();

}  // namespace nas
