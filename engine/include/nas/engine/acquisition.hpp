#pragma once
// How the guided search decides which of an iteration's candidates to evaluate: a pipeline of
// scorers (the model's scores, or expected improvement under residual kriging; then, optionally,
// neighbour evidence), then the pick of the top k with slots reserved for the incumbent's children.
// Each piece is a class an embedder can use or replace; GuidedOptions chooses the default pipeline.
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "nas/core/evaluator.hpp"
#include "nas/core/surrogate.hpp"
#include "nas/engine/guided.hpp"
#include "nas/engine/search.hpp"

namespace nas {

/// What a scorer sees of one ranking.
struct AcquisitionInput {
  std::span<const Genome> candidates;
  std::span<const QueryRecord> history;  // the results so far
  Direction direction = Direction::maximise;
  Surrogate& model;                      // the ranking model now
};

/// One step of the ranking: sets or adjusts one score per candidate (larger = evaluate first).
/// Called on the search's thread; not required to be thread-safe.
class Scorer {
 public:
  virtual ~Scorer() = default;
  /// `scores` holds the previous step's scores (empty before the first step); on return, one per
  /// candidate.
  virtual void score(const AcquisitionInput& in, std::vector<double>& scores) = 0;
};

/// The model's scores, in one batch.
class ModelScorer final : public Scorer {
 public:
  void score(const AcquisitionInput& in, std::vector<double>& scores) override;
};

/// Expected improvement over the best result under residual kriging (kriging.hpp): the model's
/// scores of candidates and history (one batch, so an ensemble standardises consistently),
/// calibrated on the history, corrected by a Gaussian process of the residuals.
class KrigingScorer final : public Scorer {
 public:
  void score(const AcquisitionInput& in, std::vector<double>& scores) override;
};

/// scores <- z(scores) + weight z(evidence), where the evidence of a candidate is the mean
/// (oriented) signal of the evaluated cells one genome position away from it (the history mean
/// where there is none).
class NeighbourEvidence final : public Scorer {
 public:
  explicit NeighbourEvidence(double weight) : weight_(weight) {}
  void score(const AcquisitionInput& in, std::vector<double>& scores) override;

 private:
  double weight_;
};

/// The pipeline `o` asks for: ModelScorer or KrigingScorer (o.kriging), then NeighbourEvidence
/// when o.neighbour_weight > 0.
std::vector<std::unique_ptr<Scorer>> make_acquisition(const GuidedOptions& o);

/// The pick of an iteration: up to k candidates, first the best-scored children of the incumbent
/// (parent index 0) in its slots, then the others by score; returned in score order (ties: the
/// lower index). With incumbent_k_stalled > incumbent_k > 0, each pick after which the incumbent
/// is the same cell adds a slot, up to incumbent_k_stalled (reset when the incumbent improves).
class IncumbentSlots {
 public:
  explicit IncumbentSlots(const GuidedOptions& o) : k_(o.incumbent_k), stalled_max_(o.incumbent_k_stalled) {}
  /// `parent_of` empty (whole-space ranking): no slots. `incumbent`: the trajectory index of the
  /// best result now.
  std::vector<std::size_t> pick(std::span<const double> scores, std::span<const std::size_t> parent_of, std::size_t k, std::size_t incumbent);

 private:
  std::size_t k_, stalled_max_;
  std::size_t last_incumbent_ = static_cast<std::size_t>(-1), stalled_ = 0;
};

}  // namespace nas
