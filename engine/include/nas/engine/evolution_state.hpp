#pragma once
// The state every evolutionary ask/tell search shares (random, REA, local search, guided): the
// candidates in flight, the set of architectures already proposed, the trajectory with its
// incumbent, the aging population and its tournament, failure accounting and the reasons a run
// ends. A search plugs its own proposal logic on top; the tell/tell_failure/finished contract
// (ask_tell.hpp) is implemented once, here. Single-threaded, like the searches that hold it.
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>

#include "nas/core/evaluator.hpp"
#include "nas/engine/search.hpp"

namespace nas {

/// What the shared state needs to know of a search's options.
struct EvolutionLimits {
  std::size_t budget = 150;
  std::size_t population_size = 20;   // aging population (0: none kept)
  bool skip_canonical_duplicates = false;
  bool retry_failed = false;
  std::size_t max_failures = 0;       // 0 = the budget
  /// Multi-fidelity searches: the full fidelity's amount. A result at a lower one is recorded but
  /// never the incumbent nor a population member. 0: every result is full.
  double full_fidelity = 0;
  /// Objectives and constraints. Constrained or multi-objective, the tournament and the population
  /// follow selection_order() (feasible first; NSGA-II rank and crowding for several objectives),
  /// and a multi-objective population drops its last in that order instead of its oldest.
  MultiObjective mo = {};
};

class EvolutionState {
 public:
  /// `space` must outlive the state; `observer` may be null.
  EvolutionState(const SearchSpace& space, Direction direction, const EvolutionLimits& limits, SearchObserver* observer)
      : space_(space), direction_(direction), limits_(limits), observer_(observer), seen_(limits.skip_canonical_duplicates) {}

  const SearchSpace& space() const { return space_; }
  Direction direction() const { return direction_; }
  const EvolutionLimits& limits() const { return limits_; }
  SearchObserver* observer() const { return observer_; }
  const std::vector<QueryRecord>& history() const { return result_.trajectory; }
  const EvaluatedSet& seen() const { return seen_; }
  SearchResult& result() { return result_; }
  const SearchResult& result() const { return result_; }
  std::size_t in_flight() const { return pending_.size(); }
  /// A signal as models learn it: larger is better.
  double oriented(double signal) const { return direction_ == Direction::maximise ? signal : -signal; }

  /// The identity deduplication uses: the canonical hash when asked for, else a constant (exact
  /// duplicates are always caught by the genome itself).
  ArchitectureHash hash(const Genome& g) const { return seen_.canonical() ? space_.canonical_hash(g) : ArchitectureHash{}; }
  bool was_proposed(const Genome& g) const { return seen_.contains(g, hash(g)); }

  /// Budget spent or promised, stopped, exhausted, or too many failures: nothing more to ask.
  bool finished(std::size_t planned = 0) const {
    return result_.stopped_by_observer || result_.space_exhausted || result_.too_many_failures ||
           history().size() + pending_.size() + planned >= limits_.budget;
  }
  /// Evaluations the budget still allows beyond the results and those in flight.
  std::size_t budget_left() const {
    const std::size_t used = history().size() + pending_.size();
    return used >= limits_.budget ? 0 : limits_.budget - used;
  }
  void stop() { result_.stopped_by_observer = true; }
  /// Whether a request at `f` is a full evaluation (unset, or at least limits().full_fidelity).
  bool is_full(const std::optional<Fidelity>& f) const { return !f || limits_.full_fidelity <= 0 || f->amount >= limits_.full_fidelity; }

  /// A uniformly random architecture never proposed; nullopt (and the run marked exhausted) when
  /// none is left.
  std::optional<Genome> fresh_random(Rng& rng);

  /// Marks `g` proposed (never proposed again, unless its evaluation fails and retries are on)
  /// and gives it the next id; `fidelity` unset asks for a full evaluation. The candidate is not
  /// in flight until handed_out().
  Candidate make_candidate(const Genome& g, double predicted = std::numeric_limits<double>::quiet_NaN(),
                           std::optional<Fidelity> fidelity = std::nullopt) {
    seen_.insert(g, hash(g));
    return Candidate{next_id_++, g, predicted, std::move(fidelity)};
  }
  /// The candidate is with the driver from now on (its result is recorded with its fidelity).
  void handed_out(const Candidate& c) { pending_.emplace(c.id, c); }
  /// A candidate for an architecture already proposed, at a higher fidelity (a promotion): a new
  /// id, in flight at once; the proposed set is unchanged.
  Candidate promote(const Genome& g, Fidelity fidelity, double predicted = std::numeric_limits<double>::quiet_NaN()) {
    Candidate c{next_id_++, g, predicted, std::move(fidelity)};
    handed_out(c);
    return c;
  }
  /// make_candidate + handed_out.
  Candidate propose(const Genome& g, double predicted = std::numeric_limits<double>::quiet_NaN(),
                    std::optional<Fidelity> fidelity = std::nullopt) {
    Candidate c = make_candidate(g, predicted, std::move(fidelity));
    handed_out(c);
    return c;
  }

  /// Records the result of in-flight candidate `id`: appended to the trajectory with its
  /// incumbent, joins the aging population, the observer hears of it (and may stop the run).
  /// Returns the candidate as it was asked. Throws std::invalid_argument for an id not in flight.
  Candidate record(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info);
  /// Records a failed evaluation (not charged to the budget). Throws std::invalid_argument for an
  /// id not in flight.
  Candidate record_failure(std::uint64_t id, FailureKind kind, const std::string& reason, const EvaluationInfo& info);

  /// Replaces the signal of trajectory entry `i` (a search's own view of a cell, revised as better
  /// evidence arrives: guided search over rungs). The incumbent fields of the records are left as
  /// they were; incumbent() and tournament() read the new signal.
  void revise(std::size_t i, double signal) { result_.trajectory[i].signal = signal; }

  /// Regularised evolution's tournament: `size` distinct members of the population drawn uniformly
  /// (partial Fisher-Yates over positions), the best signal wins (the first drawn on ties); with
  /// objectives or constraints (limits().mo.active()) the first in selection_order() wins.
  /// Returns its trajectory index. Requires a non-empty population.
  std::size_t tournament(Rng& rng, std::size_t size) const;
  const std::deque<std::size_t>& population() const { return population_; }

  /// Whether history entry a ranks before b: feasible first (smaller violation), then better
  /// signal, the earlier query on ties.
  bool ahead(std::size_t a, std::size_t b) const {
    if (history()[a].violation != history()[b].violation) return history()[a].violation < history()[b].violation;
    if (history()[a].signal != history()[b].signal) return better(direction_, history()[a].signal, history()[b].signal);
    return a < b;
  }
  /// The trajectory index of the best result so far (the earliest on ties). Requires results.
  std::size_t incumbent() const {
    std::size_t b = 0;
    for (std::size_t i = 1; i < history().size(); ++i)
      if (ahead(i, b)) b = i;
    return b;
  }

 private:
  const SearchSpace& space_;
  Direction direction_;
  EvolutionLimits limits_;
  SearchObserver* observer_;
  EvaluatedSet seen_;  // proposed: evaluated, in flight and planned
  std::deque<std::size_t> population_;  // trajectory indices, oldest first
  std::unordered_map<std::uint64_t, Candidate> pending_;
  std::uint64_t next_id_ = 0;
  SearchResult result_;
};

}  // namespace nas
