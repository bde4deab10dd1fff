#pragma once
// Predictor-guided evolution with online retraining.
//
// One iteration: tournament-select parents from an aging population, generate many children in
// parallel (oneTBB), drop those already evaluated (exact, and canonical if asked), rank all
// survivors with the surrogate in ONE batch, evaluate the top k, add them to population and
// history, then let the RetrainSchedule decide whether the surrogate learns now.
//
// Defaults (chosen on NAS-Bench-201; see README "Guided search"): n0 = 10 random cells, population
// 20, tournament 5, 10 parents x 50 children (one-op mutations) plus the incumbent's, top k = 5
// evaluated per iteration of which 1 is the incumbent's best-scored child (up to 3 while the
// incumbent stalls), retrain after every iteration on all history, synchronously: the first fit
// cold, then warm starts of 20 epochs at 0.3x the learning rate.
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <functional>
#include <span>
#include <memory>
#include <string>
#include <vector>

#include "nas/core/evaluator.hpp"
#include "nas/engine/search.hpp"
#include "nas/core/surrogate.hpp"
#include "nas/engine/ask_tell.hpp"
#include "nas/engine/evolution_state.hpp"
#include "nas/engine/multi_fidelity.hpp"
#include "nas/engine/warm_start.hpp"
#include "nas/engine/retrain_record.hpp"

namespace nas {

/// When, how and where the surrogate is retrained as true results arrive.
struct RetrainSchedule {
  enum class When {
    every_iteration,  // after each batch of top-k evaluations
    every_k,          // when `every` new results have arrived since the last retrain
    geometric,        // when the history reaches next_size; then next_size *= factor
    tau_drop,         // when the online tau of results since the last retrain falls below tau_threshold
  };
  When when = When::every_iteration;
  std::size_t every = 10;         // every_k: new results per retrain
  double factor = 1.5;            // geometric growth of the history size between retrains
  double tau_threshold = 0.5;     // tau_drop threshold
  std::size_t tau_min_cells = 5;  // tau_drop: results needed before the online tau is trusted

  // How.
  // Defaults (issue 15, README "Cheaper retraining"): warm starts of 20 epochs at 0.3x the
  // learning rate; 5x cheaper than cold 100-epoch fits and, with incumbent_k_stalled = 3, as good.
  bool warm_start = true;         // continue from current weights (true) or retrain from scratch
  std::size_t cold_every = 0;     // warm_start: every cold_every-th retrain is cold all the same (0 = never)
  double warm_lr = 0.3;           // warm fits: learning-rate multiplier (fine-tuning; cold fits use the full rate)
  int epochs = 20;                // 0 = the surrogate's default (PredictorOptions::epochs)
  std::size_t window = 0;         // train on the last `window` results only (0 = all history)
  double recency_weight = 0;      // sample weight factor exp(recency_weight * (r - 1)), r in [0,1] oldest..newest
  double top_weight = 0;          // sample weight factor exp(top_weight * (q - 1)), q in [0,1] worst..best

  // Where.
  bool asynchronous = false;      // train a copy on its own thread while ranking continues with the current model

  void validate() const;          // throws OptionError naming the field
};

RetrainSchedule::When parse_retrain_when(std::string_view s);  // throws OptionError
std::string_view retrain_when_name(RetrainSchedule::When w);

struct GuidedOptions {
  std::size_t budget = 100;
  std::uint64_t seed = 0;
  std::size_t initial_samples = 10;       // n0 random evaluated cells before the first fit
  std::size_t population_size = 20;       // aging population
  std::size_t tournament_size = 5;
  /// tournament: each parent is the best of `tournament_size` drawn from the aging population
  /// (regularised evolution). best: the parents are the `parents_per_iteration` best cells of the
  /// whole history (local search around the incumbents, as in BANANAS' acquisition step).
  enum class Parents { tournament, best };
  Parents parent_selection = Parents::tournament;
  std::size_t parents_per_iteration = 10;
  std::size_t children_per_parent = 50;
  std::size_t mutation_steps = 1;         // 1: one-op mutations; 2: two successive mutations
  std::size_t top_k = 5;                  // evaluated per iteration
  /// Of the top_k, this many are the best-scored children of the incumbent (the best cell so far),
  /// which is then always a parent. A surrogate that misjudges one op can otherwise leave the
  /// incumbent's better neighbour unevaluated for good (local search is strong on these spaces).
  std::size_t incumbent_k = 1;
  /// 2: the incumbent's candidates also include two-op mutations of it (3 x children_per_parent
  /// more draws), so its slots can jump over a neighbour that is worse than both ends (the local
  /// optima of NB201 that trap seeds are two ops from the optimum). 1: one-op children only.
  std::size_t incumbent_radius = 1;
  /// When > incumbent_k: each planned iteration after which the incumbent is still the same cell
  /// adds one incumbent slot, up to this many (reset when the incumbent improves): a stalled
  /// search turns into a model-ordered local search that works through the incumbent's
  /// neighbourhood instead of waiting for the surrogate to rank the one improving move first.
  /// Capped at top_k; no effect when incumbent_k is 0 or >= this.
  std::size_t incumbent_k_stalled = 3;
  /// When > 0: each candidate's score (standardised over the batch) gets this many standard
  /// deviations of its neighbour evidence added: the mean true signal of the evaluated cells one
  /// position away from it (the history mean if none; fixed-length encodings). 0: the model alone.
  double neighbour_weight = 0;
  /// Rank by expected improvement under residual kriging (kriging.hpp): a Gaussian process over
  /// the evaluated cells corrects the model's scores with the true results near each candidate
  /// and gives the corrected value a standard deviation. false: the model's scores as they are.
  bool kriging = false;
  bool rank_whole_space = false;          // enumerable spaces: rank every unevaluated architecture instead of children
  /// Keep an iteration's ranked candidates and take the next iterations' top k from them (skipping
  /// cells proposed meanwhile) until the model is retrained or the incumbent changes: one ranking
  /// serves many iterations, so planning costs little when many fast workers ask often. false:
  /// every iteration draws parents and ranks new children (the default; results as before). Pays
  /// only with a schedule that does not retrain every iteration (every-k, geometric, tau-drop).
  bool reuse_ranking = false;
  bool skip_canonical_duplicates = true;
  bool retry_failed = false;              // propose an architecture again after its evaluation failed
  std::size_t max_failures = 0;           // stop after this many failed evaluations (0 = the budget)
  RetrainSchedule retrain;
  /// Guided evolution over rungs (when fidelity.rungs is given): every new cell, random or ranked
  /// by the model, starts at the lowest rung, and cells go up by ASHA's rule (the best not yet
  /// promoted of a rung's top 1/eta, the highest rung first; promotions go before new cells).
  /// Only full-fidelity results may become the incumbent; `budget` counts every rung's evaluation.
  FidelityOptions fidelity;
  /// What the model learns of each cell over rungs. impute: its full-fidelity result where there
  /// is one, else its lowest rung's result mapped onto the full scale (least squares over the
  /// cells that have both; a shift while fewer than 3 do): the lower rung's results as an input to
  /// the training targets. lowest: the lowest rung's results only (a cheap proxy surrogate).
  /// second_model: two models (rung_pair.hpp): the search's model learns the full-fidelity results
  /// only, a copy of it every cell's lowest-rung result, and candidates are ranked by the mean of
  /// their standardised scores (the second model alone until n0 cells have full results); parents
  /// and tournaments see the imputed values.
  enum class RungTargets { impute, lowest, second_model };
  RungTargets rung_targets = RungTargets::impute;
  /// Several objectives and constraints (multi_objective.hpp): the model learns
  /// scalarised_targets() (mo.scalarisation; ParEGO's weights drawn anew for each retrain), the
  /// tournament follows selection_order(). Not with rungs.
  MultiObjective mo;
  void validate() const;                  // throws OptionError naming the field
};

GuidedOptions::RungTargets parse_rung_targets(std::string_view s);  // impute | lowest | second-model; throws OptionError
std::string_view rung_targets_name(GuidedOptions::RungTargets t);

GuidedOptions::Parents parse_parent_selection(std::string_view s);  // tournament | best; throws OptionError
std::string_view parent_selection_name(GuidedOptions::Parents p);

/// Hooks on a guided search.
class GuidedObserver : public SearchObserver {
 public:
  virtual void on_retrain(const RetrainRecord&) {}
  /// After an iteration is planned: its number, how many candidates were ranked and how many
  /// were queued for evaluation. Return false to stop the run.
  virtual bool on_iteration(std::uint64_t /*iteration*/, std::size_t /*ranked*/, std::size_t /*queued*/) { return true; }
};

/// Several observers as one, called in the order added; the run stops as soon as one says so
/// (the others are still called for that event). Not thread-safe: searches call observers from
/// their own thread.
class ObserverList final : public GuidedObserver {
 public:
  ObserverList() = default;
  ObserverList(std::initializer_list<SearchObserver*> observers);
  /// Adds `o` (not owned; null is ignored). A GuidedObserver also gets on_retrain/on_iteration.
  void add(SearchObserver* o);
  bool empty() const { return observers_.empty(); }
  bool on_evaluation(const QueryRecord& q) override;
  void on_retrain(const RetrainRecord& r) override;
  bool on_iteration(std::uint64_t iteration, std::size_t ranked, std::size_t queued) override;

 private:
  std::vector<SearchObserver*> observers_;
};

/// Progress for embedders and scripts: one line to `out` every `every` results (and at each
/// retrain): results so far of the budget, the best signal and its reported value, elapsed seconds.
class ProgressReporter final : public GuidedObserver {
 public:
  ProgressReporter(std::FILE* out, std::size_t budget, std::size_t every = 10, std::string label = "");
  bool on_evaluation(const QueryRecord& q) override;
  void on_retrain(const RetrainRecord& r) override;

 private:
  std::FILE* out_;
  std::size_t budget_, every_;
  std::string label_;
  double t0_;
};

/// Makes the ranking model of one guided run (a predictor, an ensemble of them, a test's fake);
/// called once per run, on the run's thread.
using ModelFactory = std::function<std::unique_ptr<Surrogate>()>;

/// Predictor-guided evolution as an ask/tell object (see ask_tell.hpp). Batch-synchronous
/// (`steady_state` false): an iteration's candidates are asked, all told, then the retraining
/// schedule is consulted and the next iteration planned: told in ask order by one worker, this is
/// exactly the historical synchronous loop (bit-identical trajectories for a seed). Steady state
/// (`steady_state` true): when the planned candidates run out and results are still in flight,
/// the next iteration is planned at once from what is known (in-flight candidates count as
/// seen), so a freed worker never waits for a whole batch; before the first fit (n0 results)
/// freed workers get more random cells.
///
/// The search owns its model and retrains it itself, when its schedule says, inside ask():
/// synchronous retrains on the calling thread; asynchronous ones (RetrainSchedule::asynchronous)
/// on a copy, trained as `trainer` says (a background thread, or at once under a simulated
/// clock), which replaces the ranking model when done. No driver sees the model. A failed fit
/// is rethrown by ask() or settle() on the search's thread.
///
/// Over rungs (GuidedOptions::fidelity): the iterations above plan cells; ask() hands out ASHA's
/// promotions first, then planned cells at the lowest rung. The model, parents and iterations see
/// one record per cell (GuidedOptions::rung_targets says its value); result() holds every rung's
/// record, and budget, in_flight and finished count those.
class GuidedSearch final : public AskTellSearch {
 public:
  /// `space` must outlive the search; `observer` (may be null) gets on_retrain/on_iteration too
  /// when it is a GuidedObserver. Throws OptionError for invalid options or a null model.
  GuidedSearch(const SearchSpace& space, const GuidedOptions& options, Direction direction, std::unique_ptr<Surrogate> model,
               SearchObserver* observer = nullptr, bool steady_state = false, TrainerKind trainer = TrainerKind::in_thread);
  ~GuidedSearch() override;  // waits for a copy still training
  std::vector<Candidate> ask(std::size_t n) override;
  void tell(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info = {}) override;
  void tell_failure(std::uint64_t id, FailureKind kind, const std::string& reason, const EvaluationInfo& info = {}) override;
  bool finished() const override;
  std::size_t in_flight() const override;
  void stop() override;
  const SearchResult& result() const override;
  SearchResult take_result() override;
  Direction direction() const override;
  void settle() override;
  void set_recorder(SearchRecorder* recorder) override;
  /// The initial (random) cells come from this zero-cost ranked list (null: random cells).
  void set_warm_start(std::unique_ptr<WarmStart> w);
  void begin_replay() override;
  bool replay_event(std::string_view kind) override;
  void end_replay() override;
  /// The model ranking now (for inspection; owned by the search).
  const Surrogate& model() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nas
