#include "nas/engine/guided.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <limits>
#include <numeric>
#include <mutex>
#include <future>
#include <thread>
#include <unordered_map>

#include <tbb/parallel_for.h>

#include <fmt/format.h>

#include "loop_common.hpp"
#include "nas/engine/kriging.hpp"
#include "nas/engine/metrics.hpp"
#include "nas/engine/statistics.hpp"
#include "nas/core/errors.hpp"

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
}

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// A space whose mutate() applies the wrapped space's mutation twice (two-op mutations).
class TwoStep final : public SearchSpace {
 public:
  explicit TwoStep(const SearchSpace& s) : s_(s) {}
  std::string_view name() const override { return s_.name(); }
  Genome sample(Rng& r) const override { return s_.sample(r); }
  Genome mutate(const Genome& p, Rng& r) const override { return s_.mutate(s_.mutate(p, r), r); }
  bool valid(const Genome& g) const override { return s_.valid(g); }
  ArchitectureHash canonical_hash(const Genome& g) const override { return s_.canonical_hash(g); }
  std::string format(const Genome& g) const override { return s_.format(g); }
  Genome parse(std::string_view t) const override { return s_.parse(t); }
  GraphView graph_view(const Genome& g) const override { return s_.graph_view(g); }
  const std::vector<std::string>& graph_op_names() const override { return s_.graph_op_names(); }
  int max_graph_nodes() const override { return s_.max_graph_nodes(); }
  std::vector<float> flat_encoding(const Genome& g) const override { return s_.flat_encoding(g); }
  std::size_t flat_encoding_size() const override { return s_.flat_encoding_size(); }
  std::optional<std::uint64_t> size() const override { return s_.size(); }
  Genome at(std::uint64_t i) const override { return s_.at(i); }

 private:
  const SearchSpace& s_;
};

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
  Impl(const SearchSpace& space, const GuidedOptions& o, Direction d, std::unique_ptr<Surrogate>& model, GuidedObserver* obs, bool steady)
      : space_(space), two_step_(space), model_(model), o_(o), direction_(d), obs_(obs), steady_(steady),
        rng_(derive_seed(o.seed, 0x6D1DED)), seen_(o.skip_canonical_duplicates) {}

  const std::vector<QueryRecord>& history() const { return r_.trajectory; }
  // A signal as the surrogate learns it: larger is better.
  double oriented(double signal) const { return direction_ == Direction::maximise ? signal : -signal; }
  bool finished() const {
    return r_.stopped_by_observer || r_.space_exhausted || r_.too_many_failures || history().size() + pending_.size() >= o_.budget;
  }
  ArchitectureHash hash(const Genome& g) const { return detail::identity(space_, seen_, g); }

  std::optional<Genome> fresh_random() {
    auto g = detail::fresh_random(space_, seen_, rng_);
    if (!g) r_.space_exhausted = true;
    return g;
  }

  void enqueue(const Genome& g, double predicted) {
    seen_.insert(g, hash(g));  // in flight counts as seen: never proposed twice
    queue_.push_back({next_id_++, g, predicted});
  }

  std::vector<Candidate> ask(std::size_t n) {
    std::vector<Candidate> out;
    while (out.size() < n && !finished()) {
      if (queue_.empty() && !plan()) break;
      Candidate c = queue_.front();
      queue_.pop_front();
      pending_.emplace(c.id, c);
      out.push_back(c);
    }
    return out;
  }

  // Fills the queue with the next candidates, in the order the historical synchronous loop drew
  // them: n0 random cells, the first fit, then per iteration the retraining decision, parents,
  // children, one batched ranking, the top k (incumbent slots first) and random fill-ins.
  // Returns false when nothing can be planned now (results or a retrain must come first).
  bool plan() {
    const std::size_t told = history().size(), flying = pending_.size();
    const std::size_t n0 = std::min(o_.initial_samples, o_.budget);
    if (told + flying < n0) {
      auto g = fresh_random();
      if (!g) return false;
      enqueue(*g, std::numeric_limits<double>::quiet_NaN());
      return true;
    }
    if (job_ || sync_job_out_) return false;          // the driver runs the retrain first
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
      if (should_retrain() && !(o_.retrain.asynchronous && async_out_)) {
        job_ = make_job(false);
        if (!job_->asynchronous) return false;
      }
    }
    retrain_checked_ = false;
    const std::uint64_t iteration = ++iteration_;
    auto candidates = propose(iteration);
    std::vector<double> scores;
    if (!candidates.empty()) {
      const auto ts = Clock::now();
      scores = o_.kriging ? kriged(candidates) : model_->score(candidates);
      if (o_.neighbour_weight > 0) add_neighbour_evidence(candidates, scores);
      seconds_scoring_ += since(ts);
      r_.candidates_scored += candidates.size();
    }
    const std::size_t k = std::min(o_.top_k, o_.budget - told - flying);
    std::vector<std::size_t> order(candidates.size());
    std::iota(order.begin(), order.end(), 0);
    auto by_score = [&](std::size_t a, std::size_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); };
    std::sort(order.begin(), order.end(), by_score);
    // Reserved slots first: the incumbent's best-scored children (parent index 0), then the rest by score.
    std::vector<std::size_t> pick;
    std::vector<char> taken(candidates.size(), 0);
    std::size_t slots = o_.incumbent_k;
    if (o_.incumbent_k_stalled > o_.incumbent_k && o_.incumbent_k > 0) {
      const std::size_t inc = incumbent();
      stalled_ = inc == last_incumbent_ ? stalled_ + 1 : 0;
      last_incumbent_ = inc;
      slots = std::min(o_.incumbent_k_stalled, o_.incumbent_k + stalled_);
    }
    const std::size_t reserved = parent_of_.empty() ? 0 : std::min(slots, k);  // empty: whole-space ranking
    for (std::size_t i : order) {
      if (pick.size() == reserved) break;
      if (parent_of_[i] == 0) pick.push_back(i), taken[i] = 1;
    }
    for (std::size_t i : order)
      if (pick.size() < k && !taken[i]) pick.push_back(i);
    std::sort(pick.begin(), pick.end(), by_score);
    for (std::size_t i : pick) enqueue(candidates[i], scores[i]);
    // Nothing new to rank (every child already seen): spend the slots on fresh random cells.
    for (std::size_t i = pick.size(); i < k; ++i) {
      auto g = fresh_random();
      if (!g) break;
      enqueue(*g, std::numeric_limits<double>::quiet_NaN());
    }
    if (obs_ && !obs_->on_iteration(iteration, candidates.size(), queue_.size())) r_.stopped_by_observer = true;
    return !queue_.empty();
  }

  void tell(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info) {
    const auto it = pending_.find(id);
    if (it == pending_.end()) throw std::invalid_argument(fmt::format("tell: candidate {} is not in flight", id));
    QueryRecord q = detail::next_record(history(), it->second.arch, e, direction_);
    q.worker = info.worker;
    q.submitted = info.submitted;
    q.finished = info.finished;
    predicted_.push_back(it->second.predicted);
    pending_.erase(it);
    r_.trajectory.push_back(q);
    population_.push_back(history().size() - 1);
    while (population_.size() > o_.population_size) population_.pop_front();  // aging
    if (obs_ && !obs_->on_evaluation(q)) r_.stopped_by_observer = true;
  }

  void tell_failure(std::uint64_t id, FailureKind kind, const std::string& reason, const EvaluationInfo& info) {
    const auto it = pending_.find(id);
    if (it == pending_.end()) throw std::invalid_argument(fmt::format("tell_failure: candidate {} is not in flight", id));
    const Genome g = it->second.arch;
    pending_.erase(it);
    if (o_.retry_failed) seen_.erase(g, hash(g));
    r_.failures.push_back({id, g, kind, reason, info.worker, info.submitted, info.finished});
    if (r_.failures.size() >= (o_.max_failures ? o_.max_failures : o_.budget)) r_.too_many_failures = true;
  }

  std::size_t tournament() {
    std::vector<std::size_t> pos(population_.size());
    std::iota(pos.begin(), pos.end(), 0);
    const std::size_t s = std::min(o_.tournament_size, pos.size());
    std::size_t best = population_[0];
    for (std::size_t i = 0; i < s; ++i) {
      std::swap(pos[i], pos[i + rng_.below(pos.size() - i)]);
      const std::size_t c = population_[pos[i]];
      if (i == 0 || better(direction_, history()[c].signal, history()[best].signal)) best = c;
    }
    return best;
  }

  // Whether history entry a ranks before b: better signal, the earlier query on ties (deterministic).
  bool ahead(std::size_t a, std::size_t b) const {
    if (history()[a].signal != history()[b].signal) return better(direction_, history()[a].signal, history()[b].signal);
    return a < b;
  }

  // The best cell so far.
  std::size_t incumbent() const {
    std::size_t b = 0;
    for (std::size_t i = 1; i < history().size(); ++i)
      if (ahead(i, b)) b = i;
    return b;
  }

  std::vector<Genome> propose(std::uint64_t iteration) {
    if (o_.rank_whole_space && space_.size()) {
      if (all_.empty()) {
        all_.reserve(*space_.size());
        for (std::uint64_t i = 0; i < *space_.size(); ++i) all_.push_back(space_.at(i));
        all_hashes_.resize(all_.size());
        for (std::size_t i = 0; i < all_.size(); ++i) all_hashes_[i] = hash(all_[i]);
      }
      std::vector<Genome> out;
      parent_of_.clear();  // no parents, so no reserved incumbent slots
      EvaluatedSet batch(o_.skip_canonical_duplicates);
      for (std::size_t i = 0; i < all_.size(); ++i)
        if (!seen_.contains(all_[i], all_hashes_[i]) && !batch.contains(all_[i], all_hashes_[i])) {
          batch.insert(all_[i], all_hashes_[i]);
          out.push_back(all_[i]);
        }
      return out;
    }
    std::vector<Genome> parents;
    if (o_.incumbent_k > 0) parents.push_back(history()[incumbent()].arch);  // parent 0
    if (o_.parent_selection == GuidedOptions::Parents::best) {
      std::vector<std::size_t> idx(history().size());
      std::iota(idx.begin(), idx.end(), 0);
      const std::size_t m = std::min(o_.parents_per_iteration, idx.size());
      std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(m), idx.end(),
                        [&](std::size_t a, std::size_t b) { return ahead(a, b); });
      for (std::size_t i = 0; i < m; ++i) parents.push_back(history()[idx[i]].arch);
    } else {
      for (std::size_t i = 0; i < o_.parents_per_iteration; ++i) parents.push_back(history()[tournament()].arch);
    }
    const SearchSpace& mutator = o_.mutation_steps == 2 ? static_cast<const SearchSpace&>(two_step_) : space_;
    auto children = generate_children(mutator, parents, o_.children_per_parent, derive_seed(o_.seed, iteration, 0xC41D), seen_, nullptr,
                                      &parent_of_);
    if (o_.incumbent_k > 0 && o_.incumbent_radius == 2) {
      // Two-op mutations of the incumbent (parent 0), new to this batch too.
      EvaluatedSet batch = seen_;
      for (const auto& c : children) batch.insert(c, hash(c));
      auto far = generate_children(two_step_, std::span(parents).first(1), 3 * o_.children_per_parent,
                                   derive_seed(o_.seed, iteration, 0x2AD2), batch);
      children.insert(children.end(), far.begin(), far.end());
      parent_of_.resize(children.size(), 0);
    }
    return children;
  }

  // Expected improvement over the best result so far under the residual GP.
  // Candidates and history are scored in one batch: an ensemble standardises over its batch.
  std::vector<double> kriged(const std::vector<Genome>& candidates) {
    std::vector<Genome> all = candidates, archs;
    std::vector<double> y;
    for (const auto& q : history()) archs.push_back(q.arch), all.push_back(q.arch), y.push_back(oriented(q.signal));
    const auto s = model_->score(all);
    const std::span<const double> scores(s.data(), candidates.size()), own(s.data() + candidates.size(), archs.size());
    ResidualKriging kriging;
    kriging.fit(archs, y, own);
    const auto post = kriging.predict(candidates, scores);
    const double best = *std::max_element(y.begin(), y.end());
    std::vector<double> ei(candidates.size());
    for (std::size_t i = 0; i < ei.size(); ++i) ei[i] = expected_improvement(post.mean[i], post.sd[i], best);
    return ei;
  }

  // scores <- z(scores) + w z(evidence), evidence = mean oriented signal of the evaluated cells
  // one position away (the history mean where there is none).
  void add_neighbour_evidence(const std::vector<Genome>& candidates, std::vector<double>& scores) const {
    double all = 0;
    for (const auto& q : history()) all += oriented(q.signal);
    all /= static_cast<double>(std::max<std::size_t>(1, history().size()));
    std::vector<double> ev(candidates.size());
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      double sum = 0;
      std::size_t n = 0;
      for (const auto& q : history())
        if (genome_distance(q.arch, candidates[i]) == 1) sum += oriented(q.signal), ++n;
      ev[i] = n ? sum / static_cast<double>(n) : all;
    }
    standardise(scores);
    standardise(ev);
    for (std::size_t i = 0; i < scores.size(); ++i) scores[i] += o_.neighbour_weight * ev[i];
  }

  bool should_retrain() const {
    const std::size_t fresh = history().size() - last_start_;
    switch (o_.retrain.when) {
      // Steady state plans whenever its queue runs dry, possibly after every result: an
      // "iteration" there is top_k new results.
      case RetrainSchedule::When::every_iteration: return steady_ ? fresh >= o_.top_k : fresh > 0;
      case RetrainSchedule::When::every_k: return fresh >= o_.retrain.every;
      case RetrainSchedule::When::geometric: return static_cast<double>(history().size()) >= next_geometric_;  // history grew by `factor`
      case RetrainSchedule::When::tau_drop: {
        if (fresh < o_.retrain.tau_min_cells) return false;
        const auto [tau, n] = online_tau();
        return n >= o_.retrain.tau_min_cells && !(tau >= o_.retrain.tau_threshold);
      }
    }
    return false;
  }

  // Kendall tau of the scores the ranking model gave vs the true signals, for cells evaluated
  // since the last retrain started and that were ranked by a model (not random fill-ins).
  std::pair<double, std::size_t> online_tau() const {
    std::vector<double> p, y;
    for (std::size_t i = last_start_; i < history().size(); ++i)
      if (!std::isnan(predicted_[i])) {
        p.push_back(predicted_[i]);
        y.push_back(oriented(history()[i].signal));
      }
    if (p.size() < 2) return {std::numeric_limits<double>::quiet_NaN(), p.size()};
    return {kendall_tau(p, y), p.size()};
  }

  RetrainJob make_job(bool force_sync) {
    RetrainJob t;
    const std::uint64_t round = rounds_++;
    const std::size_t n = history().size();
    const std::size_t first = o_.retrain.window && o_.retrain.window < n ? n - o_.retrain.window : 0;
    for (std::size_t i = first; i < n; ++i) {
      t.archs.push_back(history()[i].arch);
      t.targets.push_back(oriented(history()[i].signal));
    }
    const std::size_t m = t.archs.size();
    if ((o_.retrain.recency_weight > 0 || o_.retrain.top_weight > 0) && m > 1) {
      std::vector<std::size_t> by_quality(m);
      std::iota(by_quality.begin(), by_quality.end(), 0);
      std::stable_sort(by_quality.begin(), by_quality.end(), [&](auto a, auto b) { return t.targets[a] < t.targets[b]; });
      std::vector<double> q(m);
      for (std::size_t r = 0; r < m; ++r) q[by_quality[r]] = static_cast<double>(r) / static_cast<double>(m - 1);
      double sum = 0;
      t.fit.sample_weights.resize(m);
      for (std::size_t i = 0; i < m; ++i) {
        const double recency = static_cast<double>(i) / static_cast<double>(m - 1);
        t.fit.sample_weights[i] = std::exp(o_.retrain.recency_weight * (recency - 1)) * std::exp(o_.retrain.top_weight * (q[i] - 1));
        sum += t.fit.sample_weights[i];
      }
      for (auto& w : t.fit.sample_weights) w *= static_cast<double>(m) / sum;  // mean weight 1
    }
    t.fit.epochs = o_.retrain.epochs;
    // Round 0 is the first fit (always cold); with cold_every = K, rounds K, 2K, ... are cold too.
    t.fit.warm_start = o_.retrain.warm_start && round > 0 && !(o_.retrain.cold_every > 0 && round % o_.retrain.cold_every == 0);
    t.fit.learning_rate_scale = t.fit.warm_start ? o_.retrain.warm_lr : 1.0;
    t.fit.seed = derive_seed(o_.seed, round, 0xF17);
    t.asynchronous = o_.retrain.asynchronous && !force_sync;
    RetrainRecord& rec = t.record;
    rec.at_query = history().size();
    std::tie(rec.online_tau, rec.online_cells) = online_tau();
    rec.asynchronous = t.asynchronous;
    rec.cells = t.archs.size();
    rec.warm = t.fit.warm_start;
    last_start_ = history().size();
    next_geometric_ = static_cast<double>(history().size()) * o_.retrain.factor;
    return t;
  }

  std::optional<RetrainJob> take_job() {
    if (!job_) return std::nullopt;
    auto j = std::move(job_);
    job_.reset();
    if (j->asynchronous) async_out_ = true;
    else sync_job_out_ = true;
    return j;
  }

  void retrain_finished(RetrainRecord rec, std::unique_ptr<Surrogate> trained) {
    if (trained) {
      model_ = std::move(trained);
      async_out_ = false;
    } else {
      sync_job_out_ = false;
    }
    rec.swapped_at_query = history().size();
    r_.seconds_training += rec.seconds;
    r_.retrains.push_back(rec);
    if (obs_) obs_->on_retrain(rec);
  }

  const SearchSpace& space_;
  TwoStep two_step_;
  std::unique_ptr<Surrogate>& model_;
  GuidedOptions o_;
  Direction direction_;
  GuidedObserver* obs_;
  bool steady_;
  Rng rng_;
  EvaluatedSet seen_;  // evaluated, in flight and planned
  std::deque<std::size_t> population_;
  std::vector<std::size_t> parent_of_;  // per candidate of the current iteration
  std::vector<double> predicted_;       // score the ranking model gave each history entry (NaN: random)
  std::size_t last_start_ = 0;          // history size when the last retrain started
  double next_geometric_ = 0;
  std::size_t last_incumbent_ = std::numeric_limits<std::size_t>::max(), stalled_ = 0;  // incumbent_k_stalled
  std::uint64_t rounds_ = 0, iteration_ = 0, next_id_ = 0;
  std::vector<Genome> all_;
  std::vector<ArchitectureHash> all_hashes_;
  std::deque<Candidate> queue_;                     // planned, not yet asked
  std::unordered_map<std::uint64_t, Candidate> pending_;  // asked, not yet told
  std::optional<RetrainJob> job_;
  bool initial_fit_done_ = false, retrain_checked_ = false, sync_job_out_ = false, async_out_ = false;
  double seconds_scoring_ = 0;
  GuidedResult r_;
};

GuidedSearch::GuidedSearch(const SearchSpace& space, const GuidedOptions& options, Direction direction, std::unique_ptr<Surrogate>& model,
                           GuidedObserver* observer, bool steady_state) {
  options.validate();
  if (!model) throw OptionError("guided search: no surrogate given");
  impl_ = std::make_unique<Impl>(space, options, direction, model, observer, steady_state);
}
GuidedSearch::~GuidedSearch() = default;
std::vector<Candidate> GuidedSearch::ask(std::size_t n) { return impl_->ask(n); }
void GuidedSearch::tell(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info) { impl_->tell(id, e, info); }
void GuidedSearch::tell_failure(std::uint64_t id, FailureKind kind, const std::string& reason, const EvaluationInfo& info) {
  impl_->tell_failure(id, kind, reason, info);
}
bool GuidedSearch::finished() const { return impl_->finished(); }
std::size_t GuidedSearch::in_flight() const { return impl_->pending_.size(); }
void GuidedSearch::stop() { impl_->r_.stopped_by_observer = true; }
const SearchResult& GuidedSearch::result() const { return impl_->r_; }
SearchResult GuidedSearch::take_result() { return take_guided_result(); }
GuidedResult GuidedSearch::take_guided_result() {
  impl_->r_.seconds_scoring = impl_->seconds_scoring_;
  return std::move(impl_->r_);
}
Direction GuidedSearch::direction() const { return impl_->direction_; }
std::optional<RetrainJob> GuidedSearch::take_retrain_job() { return impl_->take_job(); }
Surrogate* GuidedSearch::model() { return impl_->model_.get(); }
void GuidedSearch::retrain_finished(RetrainRecord record, std::unique_ptr<Surrogate> trained) {
  impl_->retrain_finished(record, std::move(trained));
}
double GuidedSearch::seconds_scoring() const { return impl_->seconds_scoring_; }

// ---------------------------------------------------------------------------------------------

struct RetrainRunner::Impl {
  std::future<std::pair<std::unique_ptr<Surrogate>, RetrainRecord>> pending;
};

RetrainRunner::RetrainRunner(bool synchronous_only) : impl_(std::make_unique<Impl>()), synchronous_only_(synchronous_only) {}
RetrainRunner::~RetrainRunner() {
  if (impl_->pending.valid()) impl_->pending.wait();
}
bool RetrainRunner::busy() const { return impl_->pending.valid(); }

double RetrainRunner::run(AskTellSearch& search) {
  auto job = search.take_retrain_job();
  if (!job) return -1;
  if (!job->asynchronous || synchronous_only_) {
    std::unique_ptr<Surrogate> copy = job->asynchronous ? search.model()->clone() : nullptr;
    Surrogate* m = copy ? copy.get() : search.model();
    const auto t0 = Clock::now();
    const TrainingStats s = m->fit(job->archs, job->targets, job->fit);
    job->record.seconds = since(t0);
    job->record.epochs = s.epochs;
    seconds_ += job->record.seconds;
    search.retrain_finished(job->record, std::move(copy));
    return job->record.seconds;
  }
  // Asynchronous: a deep copy trains in a background task; ranking goes on with the current model.
  auto copy = search.model()->clone();
  impl_->pending = std::async(std::launch::async, [copy = std::move(copy), job = std::move(*job)]() mutable {
    const auto t0 = Clock::now();
    const TrainingStats s = copy->fit(job.archs, job.targets, job.fit);
    job.record.seconds = since(t0);
    job.record.epochs = s.epochs;
    return std::pair(std::move(copy), job.record);
  });
  return 0;
}

void RetrainRunner::poll(AskTellSearch& search, bool wait) {
  if (!impl_->pending.valid()) return;
  if (!wait && impl_->pending.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
  auto [model, record] = impl_->pending.get();  // rethrows a failed fit here, on the driver's thread
  search.retrain_finished(record, std::move(model));
}

std::vector<Candidate> RetrainRunner::ask(AskTellSearch& search, std::size_t n, bool driver_idle) {
  std::vector<Candidate> out;
  for (;;) {
    poll(search, false);
    auto cs = search.ask(n - out.size());
    out.insert(out.end(), cs.begin(), cs.end());
    // A synchronous retrain stops ask() until it is done; an asynchronous one starts here.
    const bool ran = run(search) >= 0;
    if (ran && out.size() < n) continue;
    if (out.empty() && driver_idle && busy() && !search.finished()) {
      poll(search, true);  // nothing else to do: wait for the copy
      continue;
    }
    return out;
  }
}

GuidedResult run_guided_search(const SearchSpace& space, Evaluator& evaluator, std::unique_ptr<Surrogate>& model,
                               const GuidedOptions& options, GuidedObserver* observer) {
  const auto t0 = Clock::now();
  GuidedSearch search(space, options, evaluator.direction(), model, observer);
  RetrainRunner retrainer;
  double evaluating = 0;
  // The synchronous driver: one candidate at a time on this thread, retrains when the search asks.
  for (;;) {
    const auto c = retrainer.ask(search, 1, /*driver_idle=*/true);
    if (c.empty()) break;
    const auto te = Clock::now();
    detail::evaluate_and_tell(search, evaluator, c[0]);
    evaluating += since(te);
  }
  retrainer.poll(search, true);
  GuidedResult r = search.take_guided_result();
  if (model) r.device = model->device();
  r.seconds_evaluating = evaluating;
  r.wall_seconds = since(t0);
  r.seconds_engine = std::max(0.0, r.wall_seconds - r.seconds_scoring - r.seconds_evaluating - retrainer.seconds_training());
  return r;
}

std::vector<GuidedResult> run_guided_searches(const SearchSpace& space, const EvaluatorFactory& make_evaluator,
                                              const std::function<std::unique_ptr<Surrogate>()>& make_surrogate,
                                              const GuidedOptions& options, std::span<const std::uint64_t> seeds, int parallel_runs,
                                              const std::function<void(std::size_t)>& on_done) {
  options.validate();
  if (parallel_runs < 1) throw OptionError(fmt::format("parallel_runs: {} must be >= 1", parallel_runs));
  std::vector<GuidedResult> results(seeds.size());
  std::mutex m;
  auto one = [&](std::size_t i) {
    GuidedOptions o = options;
    o.seed = seeds[i];
    auto ev = make_evaluator(o.seed);
    auto model = make_surrogate();
    results[i] = run_guided_search(space, *ev, model, o);
    if (on_done) {
      std::lock_guard lock(m);
      on_done(i);
    }
  };
  if (parallel_runs == 1) {
    for (std::size_t i = 0; i < seeds.size(); ++i) one(i);
  } else {
    with_threads(parallel_runs, [&] { tbb::parallel_for(std::size_t{0}, seeds.size(), one); });
  }
  return results;
}

}  // namespace nas
