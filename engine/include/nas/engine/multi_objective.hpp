#pragma once
// Several objectives and constraints in the searches (torch-free). A run declares its objectives'
// directions; the evaluator reports every objective's value in Evaluation::objectives (in the
// declared order; the signal is the first's) and every constrained column in
// Evaluation::metrics. A result that breaks a constraint is recorded, never becomes the
// incumbent, and loses every selection to a feasible one (Deb's constrained domination).
// Multi-objective selection ranks by non-dominated sorting, then crowding (NSGA-II). Pure
// functions, thread-safe.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nas/core/evaluator.hpp"
#include "nas/core/objectives.hpp"

namespace nas {

struct QueryRecord;
struct SearchResult;

struct MultiObjective {
  /// Directions of the objectives in QueryRecord::objectives; two or more: a multi-objective run.
  std::vector<Direction> directions;
  /// Constraints on metrics named in QueryRecord::metrics.
  std::vector<Constraint> constraints;
  /// How the guided search turns several objectives into what its surrogate learns:
  /// parego: augmented Chebyshev scalarisation of the objectives normalised over the results so
  ///   far, with random weights drawn for each retrain (Knowles' ParEGO);
  /// rank: minus the non-dominated rank, plus crowding within a rank scaled into (0, 0.5).
  enum class Scalarisation { parego, rank };
  Scalarisation scalarisation = Scalarisation::parego;

  bool multi() const noexcept { return directions.size() >= 2; }
  /// Anything beyond a single unconstrained objective.
  bool active() const noexcept { return multi() || !constraints.empty(); }
  /// How far `metrics` break the constraints: 0 when every one holds; else the sum over broken
  /// ones of |value - bound| / max(|bound|, 1e-12). A constrained metric that is missing or NaN
  /// counts as infinitely far (never feasible).
  double violation(const std::vector<std::pair<std::string, double>>& metrics) const;
  /// The objectives of `objectives` oriented so that larger is better (minimised ones negated).
  /// Throws std::invalid_argument when the count differs from directions.
  std::vector<double> oriented(const std::vector<double>& objectives) const;
};
MultiObjective::Scalarisation parse_scalarisation(std::string_view name);  // throws OptionError
std::string_view scalarisation_name(MultiObjective::Scalarisation s);

/// NSGA-II order of `members` (indices into `records`): feasible before infeasible (smaller
/// violation first), then lower non-dominated rank (multi-objective) or better signal (one
/// objective, `direction`), then larger crowding distance, then the earlier index. Returns one key
/// per member: a smaller key is better; equal keys only for equal members. Thread-safe.
std::vector<double> selection_order(const std::vector<QueryRecord>& records, const std::vector<std::size_t>& members,
                                    const MultiObjective& mo, Direction direction);

/// What the guided search's surrogate learns for each of `records` (larger is better): the
/// scalarisation of `mo` with the weights of `weights_seed` (parego). Infeasible records score
/// below every feasible one. Thread-safe.
std::vector<double> scalarised_targets(const std::vector<QueryRecord>& records, const MultiObjective& mo, std::uint64_t weights_seed);

/// Normalisation of the hypervolume: per objective, the best and worst value (of a whole table, or
/// given). Normalised, an objective runs from 0 (worst) to 1 (best); the reference point is
/// -margin in every objective (10% of the range beyond the worst value by default).
struct HypervolumeReference {
  std::vector<double> best, worst;
  double margin = 0.1;
  /// The reference point in the objectives' own units.
  std::vector<double> point() const;
};

/// Trajectory indices of the Pareto front of `result`'s first `queries` records: full-fidelity,
/// feasible, not dominated (oriented objectives); of equal objective vectors the earliest. Records
/// without objectives are skipped. Thread-safe.
std::vector<std::size_t> pareto_front(const SearchResult& result, const MultiObjective& mo,
                                      std::size_t queries = std::numeric_limits<std::size_t>::max());
/// The normalised hypervolume of `points` (objective values in declared order). Thread-safe.
double normalised_hypervolume(const std::vector<std::vector<double>>& points, const MultiObjective& mo, const HypervolumeReference& ref);
/// That of the front of `result`'s first `queries` records.
double front_hypervolume(const SearchResult& result, const MultiObjective& mo, const HypervolumeReference& ref,
                         std::size_t queries = std::numeric_limits<std::size_t>::max());

}  // namespace nas
