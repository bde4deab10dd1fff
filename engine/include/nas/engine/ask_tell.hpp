#pragma once
// Ask/tell search objects: the optimiser separated from evaluation (as in pagmo2, Nevergrad,
// Optuna). A search proposes candidates (`ask`), hears back in any order (`tell`,
// `tell_failure`) and never waits on or owns an evaluation; run() (run.hpp) and its executors decide
// where and when candidates are evaluated. Single-threaded objects: call them from one thread.
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nas/core/evaluator.hpp"
#include "nas/engine/evolution_state.hpp"
#include "nas/engine/retrain_record.hpp"
#include "nas/engine/search.hpp"
#include "nas/engine/warm_start.hpp"

namespace nas {

/// What a search does, besides proposing and hearing results, that a journal must keep to replay
/// it: model retrains (guided) and the timing-dependent points where something changed what the
/// search proposes (a model trained in the background starting to rank). Called on the search's
/// thread.
class SearchRecorder {
 public:
  virtual ~SearchRecorder() = default;
  /// A timing-dependent event happened now, between asks and tells; a replay repeats it at the
  /// same point (replay_event). `kind` is the search's own word (guided: "swap").
  virtual void event(std::string_view kind) = 0;
  /// A model retrain finished (its record complete).
  virtual void retrained(const RetrainRecord& r) = 0;
};

/// Where a search that trains a model (guided) runs its retrains; the executor decides.
enum class TrainerKind {
  /// On the search's own thread; an asynchronous retrain trains a copy on a background thread
  /// while the search goes on ranking with the current model (wall-clock executors).
  in_thread,
  /// On the search's thread at once, an asynchronous retrain too, whose copy then ranks at once
  /// (the simulated clock: retrains take no simulated time, and the run stays deterministic).
  immediate,
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

  /// The run is over (the driver asks no more): background work the search still has (a model
  /// training on another thread) is waited for and folded into the result. Default: nothing.
  virtual void settle() {}

  // Journals (journal.hpp). A search with nothing timing-dependent keeps the defaults.
  /// Where to report retrains and timing-dependent events (not owned; null: nowhere).
  virtual void set_recorder(SearchRecorder*) {}
  /// From here until end_replay() the search reproduces a recorded run: asks and tells come as
  /// recorded, and timing-dependent events happen only when replay_event() says so.
  virtual void begin_replay() {}
  /// The recorded event `kind` happens now. Returns false if the search has no such event to
  /// make happen (the journal is not this search's).
  virtual bool replay_event(std::string_view /*kind*/) { return false; }
  /// The replay is over: events due but not recorded (the run was killed first) happen now and
  /// are reported to the recorder.
  virtual void end_replay() {}
};

/// An ask/tell search over the shared evolution state (evolution_state.hpp): the contract's
/// bookkeeping (tell, tell_failure, finished, in_flight, stop, result, direction) is done here
/// once; a search implements ask() and may extend tell/tell_failure (calling these first).
class EvolutionarySearch : public AskTellSearch {
 public:
  void tell(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info = {}) override { state_.record(id, e, info); }
  void tell_failure(std::uint64_t id, FailureKind kind, const std::string& reason, const EvaluationInfo& info = {}) override {
    state_.record_failure(id, kind, reason, info);
  }
  bool finished() const override { return state_.finished(); }
  std::size_t in_flight() const override { return state_.in_flight(); }
  void stop() override { state_.stop(); }
  const SearchResult& result() const override { return state_.result(); }
  SearchResult take_result() override { return std::move(state_.result()); }
  Direction direction() const override { return state_.direction(); }

 protected:
  /// `space` must outlive the search; `observer` may be null.
  EvolutionarySearch(const SearchSpace& space, Direction direction, const EvolutionLimits& limits, SearchObserver* observer)
      : state_(space, direction, limits, observer) {}
  EvolutionState state_;
};

/// Random search and regularised evolution (REA) as an ask/tell object. Told results in ask
/// order, one at a time, it makes exactly the draws and choices the historical synchronous loop
/// made, so the trajectory is bit-identical for a seed. With several candidates in flight, REA's
/// first population_size candidates are random; later tournaments draw from the members already
/// told (a random candidate stands in while none is).
class EvolutionSearch final : public EvolutionarySearch {
 public:
  /// `space` must outlive the search. Throws OptionError for invalid options.
  EvolutionSearch(const SearchSpace& space, const SearchOptions& options, Direction direction, SearchObserver* observer = nullptr);
  std::vector<Candidate> ask(std::size_t n) override;
  /// REA: the initial population comes from this zero-cost ranked list (null: random cells).
  void set_warm_start(std::unique_ptr<WarmStart> w) { warm_ = std::move(w); }

 private:
  std::optional<Genome> next();

  SearchOptions o_;
  Rng rng_;
  std::size_t asked_random_ = 0;  // REA: initial random candidates asked
  std::unique_ptr<WarmStart> warm_;
};

}  // namespace nas
