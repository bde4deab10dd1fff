#pragma once
// Ask/tell search objects: the optimiser separated from evaluation (as in pagmo2, Nevergrad,
// Optuna). A search proposes candidates (`ask`), hears back in any order (`tell`,
// `tell_failure`) and never waits on or owns an evaluation; drivers (executors.hpp) decide where
// and when candidates are evaluated. Single-threaded objects: call them from one thread.
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "nas/core/evaluator.hpp"
#include "nas/engine/search.hpp"
#include "nas/core/surrogate.hpp"
#include "nas/engine/retrain_record.hpp"

namespace nas {

/// A proposed architecture. `id` is unique within a search; `predicted` is the surrogate's
/// score where one ranked it (NaN otherwise).
struct Candidate {
  std::uint64_t id = 0;
  Genome arch;
  double predicted = std::numeric_limits<double>::quiet_NaN();
};

/// When and where an evaluation ran (set by the driver; all optional).
struct EvaluationInfo {
  int worker = -1;
  double submitted = 0, finished = 0;
};

class Surrogate;

/// A surrogate retrain a search asks its driver for (guided searches): the training set and the
/// record begun. `asynchronous`: train a copy of the model elsewhere and hand it back; else train
/// the search's model now, before asking again.
struct RetrainJob {
  std::vector<Genome> archs;
  std::vector<double> targets;
  FitOptions fit;
  RetrainRecord record;
  bool asynchronous = false;
};

class AskTellSearch {
 public:
  virtual ~AskTellSearch() = default;
  /// Up to `n` new candidates: fewer when the budget left after the results and the candidates in
  /// flight is smaller, when the search is stopped, or when the space is exhausted. Never an
  /// architecture already evaluated or in flight (exactly, or canonically when the options say so).
  virtual std::vector<Candidate> ask(std::size_t n) = 0;
  /// The result of candidate `id` (asked and not yet told); appended to the trajectory.
  /// Throws std::invalid_argument for an unknown or already-told id.
  virtual void tell(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info = {}) = 0;
  /// Candidate `id` failed; it is recorded, not charged to the budget, and proposed again only if
  /// the options allow it. Throws std::invalid_argument for an unknown or already-told id.
  virtual void tell_failure(std::uint64_t id, FailureKind kind, const std::string& reason, const EvaluationInfo& info = {}) = 0;
  /// No candidate will be proposed any more (budget asked for, stopped, exhausted).
  virtual bool finished() const = 0;
  /// finished() and nothing in flight: the result is final.
  bool done() const { return finished() && in_flight() == 0; }
  virtual std::size_t in_flight() const = 0;
  /// Stops proposing (e.g. an observer said so); candidates in flight may still be told.
  virtual void stop() = 0;
  virtual const SearchResult& result() const = 0;
  virtual SearchResult take_result() = 0;
  virtual Direction direction() const = 0;

  // Surrogate retraining (guided searches; the defaults are for searches without a model).
  /// A retrain the driver should run now, if any: taken once. A synchronous job must be run
  /// (model(), then retrain_finished with no model) before ask() proposes again.
  virtual std::optional<RetrainJob> take_retrain_job() { return std::nullopt; }
  /// The model a synchronous job trains, and that an asynchronous job clones.
  virtual Surrogate* model() { return nullptr; }
  /// A job is done: `record` with its seconds and epochs filled in; `trained` is the trained copy
  /// of an asynchronous job (it becomes the ranking model), null for a synchronous one.
  virtual void retrain_finished(RetrainRecord, std::unique_ptr<Surrogate>) {}
  /// Seconds the search spent scoring candidates with the surrogate (guided).
  virtual double seconds_scoring() const { return 0; }
};

/// Random search and regularised evolution (REA) as an ask/tell object. Told results in ask
/// order, one at a time, it makes exactly the draws and choices run_search always made, so the
/// trajectory is bit-identical for a seed. With several candidates in flight, REA's first
/// population_size candidates are random; later tournaments draw from the members already told
/// (a random candidate stands in while none is).
class EvolutionSearch final : public AskTellSearch {
 public:
  /// `space` must outlive the search. Throws OptionError for invalid options.
  EvolutionSearch(const SearchSpace& space, const SearchOptions& options, Direction direction, SearchObserver* observer = nullptr);
  std::vector<Candidate> ask(std::size_t n) override;
  void tell(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info = {}) override;
  void tell_failure(std::uint64_t id, FailureKind kind, const std::string& reason, const EvaluationInfo& info = {}) override;
  bool finished() const override;
  std::size_t in_flight() const override { return pending_.size(); }
  void stop() override { result_.stopped_by_observer = true; }
  const SearchResult& result() const override { return result_; }
  SearchResult take_result() override { return std::move(result_); }
  Direction direction() const override { return direction_; }

 private:
  std::optional<Genome> next();
  std::optional<Genome> fresh_random();
  ArchitectureHash hash(const Genome& g) const;

  const SearchSpace& space_;
  SearchOptions o_;
  Direction direction_;
  SearchObserver* obs_;
  Rng rng_;
  EvaluatedSet seen_;  // evaluated and in flight
  std::deque<std::size_t> population_;  // REA: trajectory indices, oldest first
  std::size_t asked_random_ = 0;  // REA: initial random candidates asked
  std::unordered_map<std::uint64_t, Genome> pending_;
  std::uint64_t next_id_ = 0;
  SearchResult result_;
};

}  // namespace nas
