#include "nas/engine/guided.hpp"

#include <atomic>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <limits>
#include <numeric>
#include <future>

#include <fmt/format.h>

#include "nas/core/errors.hpp"
#include "nas/engine/acquisition.hpp"
#include "nas/engine/rung_pair.hpp"
#include "proposal.hpp"
#include "retrain_planner.hpp"
#include "rungs.hpp"

namespace nas {

RetrainSchedule::When parse_retrain_when(std::string_view s) {
  using W = RetrainSchedule::When;
  if (s == "every-iteration" || s == "every_iteration") return W::every_iteration;
  if (s == "every-k" || s == "every_k") return W::every_k;
  if (s == "geometric") return W::geometric;
  if (s == "tau-drop" || s == "tau_drop") return W::tau_drop;
  throw OptionError(fmt::format("retrain when: unknown value '{}'; expected every-iteration, every-k, geometric or tau-drop", s));
}

std::string_view retrain_when_name(RetrainSchedule::When w) {
  switch (w) {
    case RetrainSchedule::When::every_iteration: return "every-iteration";
    case RetrainSchedule::When::every_k: return "every-k";
    case RetrainSchedule::When::geometric: return "geometric";
    case RetrainSchedule::When::tau_drop: return "tau-drop";
  }
  return "?";
}

GuidedOptions::Parents parse_parent_selection(std::string_view s) {
  if (s == "tournament") return GuidedOptions::Parents::tournament;
  if (s == "best") return GuidedOptions::Parents::best;
  throw OptionError(fmt::format("parent selection: unknown value '{}'; expected tournament or best", s));
}

std::string_view parent_selection_name(GuidedOptions::Parents p) {
  return p == GuidedOptions::Parents::best ? "best" : "tournament";
}

GuidedOptions::RungTargets parse_rung_targets(std::string_view s) {
  if (s == "impute") return GuidedOptions::RungTargets::impute;
  if (s == "lowest") return GuidedOptions::RungTargets::lowest;
  if (s == "second-model" || s == "second_model") return GuidedOptions::RungTargets::second_model;
  throw OptionError(fmt::format("rung targets: unknown value '{}'; expected impute, lowest or second-model", s));
}

std::string_view rung_targets_name(GuidedOptions::RungTargets t) {
  switch (t) {
    case GuidedOptions::RungTargets::impute: return "impute";
    case GuidedOptions::RungTargets::lowest: return "lowest";
    case GuidedOptions::RungTargets::second_model: return "second-model";
  }
  return "?";
}

void RetrainSchedule::validate() const {
  if (when == When::every_k && every == 0) throw OptionError("retrain.every: must be >= 1");
  if (when == When::geometric && !(factor > 1.0)) throw OptionError(fmt::format("retrain.factor: {} must be > 1", factor));
  if (when == When::tau_drop && (tau_threshold < -1 || tau_threshold > 1))
    throw OptionError(fmt::format("retrain.tau_threshold: {} must be in [-1, 1]", tau_threshold));
  if (when == When::tau_drop && tau_min_cells < 2) throw OptionError("retrain.tau_min_cells: must be >= 2");
  if (epochs < 0) throw OptionError(fmt::format("retrain.epochs: {} must be >= 0", epochs));
  if (window == 1) throw OptionError("retrain.window: 1 cell cannot train a ranker; use 0 (all) or >= 2");
  if (!std::isfinite(recency_weight) || recency_weight < 0) throw OptionError("retrain.recency_weight: must be >= 0");
  if (!std::isfinite(top_weight) || top_weight < 0) throw OptionError("retrain.top_weight: must be >= 0");
  if (!(warm_lr > 0) || !std::isfinite(warm_lr)) throw OptionError(fmt::format("retrain.warm_lr: {} must be > 0", warm_lr));
}

void GuidedOptions::validate() const {
  if (budget == 0) throw OptionError("budget: must be >= 1");
  if (mo.active() && fidelity.multi()) throw OptionError("--objectives/--constraint: not with --fidelities (a guided search over rungs has one objective)");
  if (initial_samples < 2) throw OptionError(fmt::format("initial_samples: {} is too small to train on; expected >= 2", initial_samples));
  if (population_size < 1) throw OptionError("population_size: must be >= 1");
  if (tournament_size < 1 || tournament_size > population_size)
    throw OptionError(fmt::format("tournament_size: {} must be in [1, population_size = {}]", tournament_size, population_size));
  if (parents_per_iteration < 1) throw OptionError("parents_per_iteration: must be >= 1");
  if (children_per_parent < 1) throw OptionError("children_per_parent: must be >= 1");
  if (mutation_steps < 1 || mutation_steps > 2) throw OptionError(fmt::format("mutation_steps: {} must be 1 or 2", mutation_steps));
  if (top_k < 1) throw OptionError("top_k: must be >= 1");
  if (incumbent_k > top_k) throw OptionError(fmt::format("incumbent_k: {} must be <= top_k = {}", incumbent_k, top_k));
  if (!(neighbour_weight >= 0) || !std::isfinite(neighbour_weight))
    throw OptionError(fmt::format("neighbour_weight: {} must be a finite number >= 0", neighbour_weight));
  if (incumbent_radius < 1 || incumbent_radius > 2) throw OptionError(fmt::format("incumbent_radius: {} must be 1 or 2", incumbent_radius));
  retrain.validate();
  if (fidelity.multi()) fidelity.validate();
}

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

ObserverList::ObserverList(std::initializer_list<SearchObserver*> observers) {
  for (auto* o : observers) add(o);
}
void ObserverList::add(SearchObserver* o) {
  if (o) observers_.push_back(o);
}
bool ObserverList::on_evaluation(const QueryRecord& q) {
  bool go_on = true;
  for (auto* o : observers_) go_on = o->on_evaluation(q) && go_on;
  return go_on;
}
void ObserverList::on_retrain(const RetrainRecord& r) {
  for (auto* o : observers_)
    if (auto* g = dynamic_cast<GuidedObserver*>(o)) g->on_retrain(r);
}
bool ObserverList::on_iteration(std::uint64_t iteration, std::size_t ranked, std::size_t queued) {
  bool go_on = true;
  for (auto* o : observers_)
    if (auto* g = dynamic_cast<GuidedObserver*>(o)) go_on = g->on_iteration(iteration, ranked, queued) && go_on;
  return go_on;
}

namespace {
double now_seconds() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }
}  // namespace

ProgressReporter::ProgressReporter(std::FILE* out, std::size_t budget, std::size_t every, std::string label)
    : out_(out), budget_(budget), every_(std::max<std::size_t>(1, every)), label_(std::move(label)), t0_(now_seconds()) {}

bool ProgressReporter::on_evaluation(const QueryRecord& q) {
  if (q.query % every_ == 0 || q.query == budget_)
    std::fprintf(out_, "%s%zu/%zu results, best signal %.4f (reported %.4f), %.1f s\n", label_.c_str(), q.query, budget_, q.best_signal,
                 q.best_reported, now_seconds() - t0_);
  return true;
}

void ProgressReporter::on_retrain(const RetrainRecord& r) {
  std::fprintf(out_, "%sretrained on %zu cells in %.2f s (online tau %.3f)\n", label_.c_str(), r.cells, r.seconds, r.online_tau);
}

struct GuidedSearch::Impl {
  Impl(const SearchSpace& space, const GuidedOptions& o, Direction d, std::unique_ptr<Surrogate> model, SearchObserver* obs, bool steady,
       TrainerKind trainer)
      : state_(space, d, view_limits(o), o.fidelity.multi() ? nullptr : obs),
        proposer_(space, o), acquisition_(make_acquisition(o)), slots_(o), schedule_(o, d, steady), model_(pair_up(std::move(model), o)), o_(view_options(o)),
        obs_(dynamic_cast<GuidedObserver*>(obs)), steady_(steady), trainer_(trainer), rng_(derive_seed(o.seed, 0x6D1DED)) {
    if (o.fidelity.multi()) {
      EvolutionLimits l{o.budget, 0, false, o.retry_failed, o.max_failures};
      l.full_fidelity = o.fidelity.rungs.back();
      rungs_.emplace(space, d, l, obs);
      ladder_.emplace(o.fidelity.rungs.size(), o.fidelity.eta);
    }
  }

  // Over rungs, state_ is the search's view of cells (one record per cell, its signal what the
  // model learns: rung_value()) with an unbounded budget; rungs_ holds every rung's evaluation,
  // the run's budget and its result.
  static EvolutionLimits view_limits(const GuidedOptions& o) {
    const std::size_t budget = o.fidelity.multi() ? kUnbounded : o.budget;
    EvolutionLimits l{budget, o.population_size, o.skip_canonical_duplicates, o.retry_failed, o.max_failures};
    l.mo = o.mo;
    return l;
  }
  static GuidedOptions view_options(GuidedOptions o) {
    if (o.fidelity.multi()) o.budget = kUnbounded;
    return o;
  }
  static constexpr std::size_t kUnbounded = std::size_t{1} << 40;
  // Over rungs with a second model, the model the search owns is the pair (rung_pair.hpp); the
  // full-fidelity model joins once n0 cells (at least 2) have full results.
  static std::unique_ptr<Surrogate> pair_up(std::unique_ptr<Surrogate> m, const GuidedOptions& o) {
    if (!m || !o.fidelity.multi() || o.rung_targets != GuidedOptions::RungTargets::second_model) return m;
    return std::make_unique<RungPairSurrogate>(std::move(m), std::max<std::size_t>(2, o.initial_samples));
  }
  bool second_model() const { return rungs_ && o_.rung_targets == GuidedOptions::RungTargets::second_model; }

  // The schedule's next retrain; over rungs with a second model, each cell's full-fidelity result
  // (NaN if none) and lowest-rung result beside it, oriented as the targets.
  detail::RetrainJob make_job(bool force_sync) {
    detail::RetrainJob job = schedule_.job(history(), force_sync);
    if (second_model()) {
      const std::size_t first = history().size() - job.archs.size();
      for (std::size_t i = first; i < history().size(); ++i) {
        const Cell& c = cells_[cell_of_view_.at(i)];
        job.full.push_back(std::isnan(c.full) ? c.full : state_.oriented(c.full));
        job.low.push_back(state_.oriented(c.low));
      }
    }
    return job;
  }
  SearchResult& out() { return rungs_ ? rungs_->result() : state_.result(); }

  const std::vector<QueryRecord>& history() const { return state_.history(); }

  std::optional<Genome> fresh_random() { return state_.fresh_random(rng_); }
  std::unique_ptr<WarmStart> warm_;

  void enqueue(const Genome& g, double predicted) {
    queue_.push_back(state_.make_candidate(g, predicted));  // planned counts as proposed: never proposed twice
  }

  // Up to n candidates, running the retrains the schedule asks for on the way: after a retrain
  // the asking goes on until n are filled (a journal replay meets a retrain and the candidates
  // planned right after it together, as the original run did). With nothing in flight and a copy
  // still training, there is nothing else to do than wait for it.
  std::vector<Candidate> ask(std::size_t n) {
    std::vector<Candidate> out;
    for (;;) {
      if (!replaying_) poll(false);
      take(n - out.size(), out);
      const bool ran = run_job();
      if (ran && out.size() < n) continue;
      if (out.empty() && state_.in_flight() == 0 && fitting_.valid() && !state_.finished()) {
        poll(true);
        continue;
      }
      return out;
    }
  }

  void take(std::size_t n, std::vector<Candidate>& out) {
    std::size_t taken = 0;
    while (taken < n && !state_.finished()) {
      if (queue_.empty() && !plan()) break;
      Candidate c = queue_.front();
      queue_.pop_front();
      state_.handed_out(c);
      out.push_back(c);
      ++taken;
    }
  }

  // Fills the queue with the next candidates, in the order the historical synchronous loop drew
  // them: n0 random cells, the first fit, then per iteration the retraining decision, parents,
  // children, one batched ranking, the top k (incumbent slots first) and random fill-ins.
  // Returns false when nothing can be planned now (results or a retrain must come first).
  bool plan() {
    if (rungs_) refresh_view();
    const std::size_t told = history().size(), flying = state_.in_flight();
    const std::size_t n0 = std::min(o_.initial_samples, o_.budget);
    if (told + flying < n0) {
      // The initial cells: the zero-cost ranking's best where there is one (--zc-warmup).
      std::optional<Genome> g;
      if (warm_) g = warm_->next(state_);
      if (!g) g = fresh_random();
      if (!g) return false;
      enqueue(*g, std::numeric_limits<double>::quiet_NaN());
      return true;
    }
    if (job_) return false;                           // ask() runs the retrain first
    // The first fit needs all n0 results. (Giving freed workers more random cells meanwhile was
    // tried: it raised steady-state utilisation but made some resumed runs diverge from their
    // journal, cause not found; reverted.)
    if (told < n0) {
      // The first fit needs all n0 results. Steady state keeps a freed worker busy meanwhile with
      // another random cell (it joins the first fit's training set if it is back by then).
      if (!steady_) return false;
      auto g = fresh_random();
      if (!g) return false;
      enqueue(*g, std::numeric_limits<double>::quiet_NaN());
      return true;
    }
    if (!steady_ && flying > 0) return false;         // batch-synchronous: the iteration's results first
    if (!initial_fit_done_) {
      initial_fit_done_ = true;
      retrain_checked_ = true;                        // no schedule decision before iteration 1
      job_ = make_job(/*force_sync=*/true);
      return false;
    }
    if (!retrain_checked_) {
      retrain_checked_ = true;
      // One copy trains at a time: while one does, new results wait for the next round.
      if (schedule_.due(history()) && !(o_.retrain.asynchronous && async_out_)) {
        job_ = make_job(false);
        if (!job_->asynchronous) return false;
      }
    }
    retrain_checked_ = false;
    const std::uint64_t iteration = ++iteration_;
    const std::size_t k = std::min(o_.top_k, o_.budget - told - flying);
    if (o_.reuse_ranking && reuse(k)) {
      if (obs_ && !obs_->on_iteration(iteration, 0, queue_.size())) state_.stop();
      return true;
    }
    const auto candidates = proposer_.propose(iteration, state_, rng_, parent_of_);
    std::vector<double> scores;
    if (!candidates.empty()) {
      const auto ts = Clock::now();
      const AcquisitionInput in{candidates, history(), state_.direction(), *model_};
      for (auto& s : acquisition_) s->score(in, scores);
      seconds_scoring_ += since(ts);
      out().candidates_scored += candidates.size();
    }
    const std::size_t incumbent = state_.incumbent();
    const auto pick = slots_.pick(scores, parent_of_, k, incumbent);
    for (std::size_t i : pick) enqueue(candidates[i], scores[i]);
    if (o_.reuse_ranking) keep_ranking(candidates, scores, pick, incumbent);
    // Nothing new to rank (every child already seen): spend the slots on fresh random cells.
    for (std::size_t i = pick.size(); i < k; ++i) {
      auto g = fresh_random();
      if (!g) break;
      enqueue(*g, std::numeric_limits<double>::quiet_NaN());
    }
    if (obs_ && !obs_->on_iteration(iteration, candidates.size(), queue_.size())) state_.stop();
    return !queue_.empty();
  }

  void tell(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info) {
    const Candidate c = state_.record(id, e, info);
    schedule_.told(c.predicted);
  }

  // reuse_ranking: the candidates ranked but not picked, best first, kept for the next iterations
  // while the ranking model and the incumbent stay the same.
  void keep_ranking(const std::vector<Genome>& candidates, const std::vector<double>& scores, const std::vector<std::size_t>& pick,
                    std::size_t incumbent) {
    std::vector<char> picked(candidates.size(), 0);
    for (std::size_t i : pick) picked[i] = 1;
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < candidates.size(); ++i)
      if (!picked[i]) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
    ranked_.clear();
    for (std::size_t i : order) ranked_.push_back({candidates[i], scores[i]});
    ranked_model_ = model_generation_;
    ranked_incumbent_ = incumbent;
  }

  // Queues the next k of the kept ranking (those proposed meanwhile skipped) if the model and the
  // incumbent are those it was ranked with; false (nothing queued) if a new ranking is needed.
  bool reuse(std::size_t k) {
    if (ranked_.empty() || ranked_model_ != model_generation_ || history().empty() || state_.incumbent() != ranked_incumbent_) return false;
    std::size_t queued = 0;
    while (queued < k && !ranked_.empty()) {
      const auto [g, score] = ranked_.front();
      ranked_.pop_front();
      if (state_.was_proposed(g)) continue;
      enqueue(g, score);
      ++queued;
    }
    return queued > 0;
  }

  static void fit(Surrogate& m, detail::RetrainJob& job) {
    const auto t0 = Clock::now();
    const TrainingStats s = job.low.empty() ? m.fit(job.archs, job.targets, job.fit)
                                            : dynamic_cast<RungPairSurrogate&>(m).fit_pair(job.archs, job.full, job.low, job.fit);
    job.record.seconds = since(t0);
    job.record.epochs = s.epochs;
  }

  // Runs the retrain plan() asked for, if any: a synchronous one now; an asynchronous one on a
  // copy (in the background, or at once under a simulated clock, or held for its recorded swap
  // in a replay). Returns whether there was one.
  bool run_job() {
    if (!job_) return false;
    detail::RetrainJob job = std::move(*job_);
    job_.reset();
    if (!job.asynchronous) {
      fit(*model_, job);
      out().seconds_waiting += job.record.seconds;
      install(job.record, nullptr, false);
      return true;
    }
    async_out_ = true;
    auto copy = model_->clone();
    if (replaying_ || trainer_ == TrainerKind::immediate) {
      fit(*copy, job);
      if (replaying_) {
        held_.emplace_back(std::move(copy), job.record);
      } else {
        out().seconds_waiting += job.record.seconds;
        install(job.record, std::move(copy), true);
      }
      return true;
    }
    fit_done_.store(false, std::memory_order_relaxed);
    fitting_ = std::async(std::launch::async, [copy = std::move(copy), job = std::move(job), done = &fit_done_]() mutable {
      // Set when the fit ends, also by an exception: poll() reads it without a system call.
      struct Flag {
        std::atomic<bool>* done;
        ~Flag() { done->store(true, std::memory_order_release); }
      } flag{done};
      fit(*copy, job);
      return std::pair(std::move(copy), job.record);
    });
    return true;
  }

  // A copy trained in the background starts ranking if it is done (with `wait`: once it is).
  void poll(bool wait) {
    if (!fitting_.valid()) return;
    // An atomic load, not future::wait_for(0): that is a futex call on every ask, and system calls
    // are what a driver of many fast workers cannot afford (measured: nas bench's guided overhead).
    if (!wait && !fit_done_.load(std::memory_order_acquire)) return;
    const auto t0 = Clock::now();
    auto [m, record] = fitting_.get();  // rethrows a failed fit here, on the search's thread
    out().seconds_waiting += since(t0);
    install(record, std::move(m), true);
  }

  // A retrain is done: `trained` (an asynchronous job's copy) ranks from now on; the record is
  // logged, journalled and observed. `swap_event`: tell the recorder the copy started ranking now.
  void install(RetrainRecord rec, std::unique_ptr<Surrogate> trained, bool swap_event) {
    ++model_generation_;  // a kept ranking is stale from here
    if (trained) {
      model_ = std::move(trained);
      async_out_ = false;
      if (swap_event && recorder_) recorder_->event("swap");
    }
    rec.swapped_at_query = history().size();
    if (recorder_) recorder_->retrained(rec);
    auto& r = out();
    r.seconds_training += rec.seconds;
    r.retrains.push_back(rec);
    if (obs_) obs_->on_retrain(rec);
  }

  bool replay_event(std::string_view kind) {
    if (kind != "swap" || held_.empty()) return false;
    auto [m, record] = std::move(held_.front());
    held_.pop_front();
    install(record, std::move(m), false);
    return true;
  }

  // A copy still training when the run was killed is ready now: it ranks from here on, and the
  // recorder hears of the swap (a later replay puts it back at this same point).
  void end_replay() {
    replaying_ = false;
    while (!held_.empty()) {
      auto [m, record] = std::move(held_.front());
      held_.pop_front();
      install(record, std::move(m), true);
    }
  }

  SearchResult take_result() {
    auto& r = out();
    r.seconds_scoring = seconds_scoring_;
    if (model_) r.device = model_->device();
    return std::move(r);
  }

  // --- guided evolution over rungs (GuidedOptions::fidelity) ---
  struct Cell {
    Genome arch;
    std::uint64_t view_id = 0;                   // its candidate in the view
    std::optional<std::size_t> view_index;       // its record in the view, once its lowest rung is told
    double low = std::numeric_limits<double>::quiet_NaN(), full = std::numeric_limits<double>::quiet_NaN();
  };
  struct Asked {
    std::size_t cell, rung;
  };
  Fidelity at(std::size_t rung) const { return Fidelity{o_.fidelity.resource, o_.fidelity.rungs[rung]}; }

  // Promotions first (ASHA), else a new cell the guided search plans (at the lowest rung).
  std::vector<Candidate> ask_rungs(std::size_t n) {
    std::vector<Candidate> v;
    while (v.size() < n && !rungs_->finished()) {
      if (auto p = ladder_->next()) {
        ladder_->promoted(p->first, p->second);
        Candidate c = rungs_->promote(cells_[p->first].arch, at(p->second + 1));
        asked_.emplace(c.id, Asked{p->first, p->second + 1});
        v.push_back(std::move(c));
        continue;
      }
      const auto planned = ask(1);
      if (planned.empty()) break;
      Cell cell;
      cell.arch = planned[0].arch;
      cell.view_id = planned[0].id;
      cells_.push_back(std::move(cell));
      Candidate c = rungs_->promote(planned[0].arch, at(0), planned[0].predicted);  // the view deduplicates
      asked_.emplace(c.id, Asked{cells_.size() - 1, 0});
      v.push_back(std::move(c));
    }
    return v;
  }

  void tell_rungs(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info) {
    rungs_->record(id, e, info);
    const Asked a = take_asked(id);
    Cell& c = cells_[a.cell];
    ladder_->add(a.rung, a.cell, state_.oriented(e.signal));
    if (a.rung + 1 == o_.fidelity.rungs.size()) c.full = e.signal;
    if (a.rung == 0) {
      c.low = e.signal;
      Evaluation v = e;
      v.signal = rung_value(c);
      tell(c.view_id, v, info);
      c.view_index = history().size() - 1;
      cell_of_view_.resize(history().size(), kNoCell);
      cell_of_view_.back() = a.cell;
    }
  }

  void tell_failure_rungs(std::uint64_t id, FailureKind kind, const std::string& reason, const EvaluationInfo& info) {
    rungs_->record_failure(id, kind, reason, info);
    const Asked a = take_asked(id);
    if (a.rung == 0) state_.record_failure(cells_[a.cell].view_id, kind, reason, info);  // a higher rung's failure: the cell keeps its lower result
  }

  Asked take_asked(std::uint64_t id) {
    const auto it = asked_.find(id);
    const Asked a = it->second;
    asked_.erase(it);
    return a;
  }

  // What the model learns of a cell (GuidedOptions::RungTargets; with a second model, what the
  // view's parents and tournaments see: the imputed value).
  double rung_value(const Cell& c) const {
    if (o_.rung_targets == GuidedOptions::RungTargets::lowest) return c.low;
    return std::isnan(c.full) ? shift_ + slope_ * c.low : c.full;
  }

  // Refits the map from the lowest rung onto the full scale and revises the view's signals.
  void refresh_view() {
    if (o_.rung_targets != GuidedOptions::RungTargets::lowest) {
      double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
      for (const auto& c : cells_)
        if (!std::isnan(c.low) && !std::isnan(c.full)) n += 1, sx += c.low, sy += c.full, sxx += c.low * c.low, sxy += c.low * c.full;
      slope_ = 1, shift_ = 0;
      if (n > 0) shift_ = (sy - sx) / n;
      const double var = n * sxx - sx * sx;
      if (n >= 3 && var > 1e-12) {
        const double b = (n * sxy - sx * sy) / var;
        if (b > 0) slope_ = b, shift_ = (sy - b * sx) / n;  // a negative fit would turn the ranking over: keep the shift
      }
    }
    for (const auto& c : cells_)
      if (c.view_index) state_.revise(*c.view_index, rung_value(c));
  }

  bool finished_rungs() const { return rungs_->finished() || (state_.result().space_exhausted && queue_.empty() && !ladder_->next()); }

  std::optional<EvolutionState> rungs_;
  std::optional<detail::AshaLadder> ladder_;
  std::vector<Cell> cells_;
  std::unordered_map<std::uint64_t, Asked> asked_;  // candidates in flight at a rung
  static constexpr std::size_t kNoCell = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> cell_of_view_;           // per view record: its cell
  double shift_ = 0, slope_ = 1;

  EvolutionState state_;
  detail::Proposer proposer_;                          // parents and children
  std::vector<std::unique_ptr<Scorer>> acquisition_;   // the ranking pipeline
  IncumbentSlots slots_;                               // the pick of the top k
  detail::RetrainPlanner schedule_;                    // when and on what the model retrains
  std::unique_ptr<Surrogate> model_;
  GuidedOptions o_;
  GuidedObserver* obs_;
  bool steady_;
  TrainerKind trainer_;
  Rng rng_;
  std::vector<std::size_t> parent_of_;  // per candidate of the current iteration
  std::uint64_t iteration_ = 0;
  std::deque<std::pair<Genome, double>> ranked_;  // reuse_ranking: ranked, not yet picked, best first
  std::uint64_t model_generation_ = 0, ranked_model_ = 0;
  std::size_t ranked_incumbent_ = 0;
  std::deque<Candidate> queue_;  // planned, not yet asked
  std::optional<detail::RetrainJob> job_;
  bool initial_fit_done_ = false, retrain_checked_ = false, async_out_ = false, replaying_ = false;
  std::future<std::pair<std::unique_ptr<Surrogate>, RetrainRecord>> fitting_;  // a copy training in the background
  std::atomic<bool> fit_done_{false};  // its fit has ended (the future is ready or about to be)
  std::deque<std::pair<std::unique_ptr<Surrogate>, RetrainRecord>> held_;      // replay: trained copies awaiting their swap
  SearchRecorder* recorder_ = nullptr;
  double seconds_scoring_ = 0;
};

GuidedSearch::GuidedSearch(const SearchSpace& space, const GuidedOptions& options, Direction direction, std::unique_ptr<Surrogate> model,
                           SearchObserver* observer, bool steady_state, TrainerKind trainer) {
  options.validate();
  if (!model) throw OptionError("guided search: no surrogate given");
  impl_ = std::make_unique<Impl>(space, options, direction, std::move(model), observer, steady_state, trainer);
}
GuidedSearch::~GuidedSearch() {
  if (impl_ && impl_->fitting_.valid()) impl_->fitting_.wait();
}
std::vector<Candidate> GuidedSearch::ask(std::size_t n) { return impl_->rungs_ ? impl_->ask_rungs(n) : impl_->ask(n); }
void GuidedSearch::tell(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info) {
  if (impl_->rungs_) impl_->tell_rungs(id, e, info);
  else impl_->tell(id, e, info);
}
void GuidedSearch::tell_failure(std::uint64_t id, FailureKind kind, const std::string& reason, const EvaluationInfo& info) {
  if (impl_->rungs_) impl_->tell_failure_rungs(id, kind, reason, info);
  else impl_->state_.record_failure(id, kind, reason, info);
}
bool GuidedSearch::finished() const { return impl_->rungs_ ? impl_->finished_rungs() : impl_->state_.finished(); }
std::size_t GuidedSearch::in_flight() const { return impl_->rungs_ ? impl_->rungs_->in_flight() : impl_->state_.in_flight(); }
void GuidedSearch::stop() {
  impl_->state_.stop();
  if (impl_->rungs_) impl_->rungs_->stop();
}
const SearchResult& GuidedSearch::result() const { return impl_->rungs_ ? impl_->rungs_->result() : impl_->state_.result(); }
SearchResult GuidedSearch::take_result() { return impl_->take_result(); }
Direction GuidedSearch::direction() const { return impl_->state_.direction(); }
void GuidedSearch::settle() {
  impl_->poll(true);
  if (impl_->rungs_) detail::mark_pruned(impl_->rungs_->result(), impl_->o_.fidelity.rungs.back());
}
void GuidedSearch::set_recorder(SearchRecorder* recorder) { impl_->recorder_ = recorder; }
void GuidedSearch::set_warm_start(std::unique_ptr<WarmStart> w) { impl_->warm_ = std::move(w); }
void GuidedSearch::begin_replay() { impl_->replaying_ = true; }
bool GuidedSearch::replay_event(std::string_view kind) { return impl_->replay_event(kind); }
void GuidedSearch::end_replay() { impl_->end_replay(); }
const Surrogate& GuidedSearch::model() const { return *impl_->model_; }

}  // namespace nas
