#include "nas/engine/guided.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <limits>
#include <numeric>
#include <mutex>
#include <thread>

#include <tbb/parallel_for.h>

#include <fmt/format.h>

#include "loop_common.hpp"
#include "nas/engine/metrics.hpp"
#include "nas/mutation/errors.hpp"

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

struct TrainingSet {
  std::vector<Genome> archs;
  std::vector<double> targets;
  FitOptions fit;
};

class GuidedRun {
 public:
  GuidedRun(const SearchSpace& space, Evaluator& ev, std::unique_ptr<Surrogate>& model, const GuidedOptions& o, GuidedObserver* obs)
      : space_(space), two_step_(space), ev_(ev), model_(model), o_(o), obs_(obs), rng_(derive_seed(o.seed, 0x6D1DED)),
        seen_(o.skip_canonical_duplicates) {}

  ~GuidedRun() {
    if (trainer_.joinable()) trainer_.join();
  }

  GuidedResult go() {
    const auto t0 = Clock::now();
    // n0 random cells, then a first (synchronous: there is nothing to rank with yet) fit.
    while (!done() && history().size() < std::min(o_.initial_samples, o_.budget)) {
      auto g = fresh_random();
      if (!g) break;
      evaluate(*g, std::numeric_limits<double>::quiet_NaN());
    }
    if (!done()) retrain_now(/*force_sync=*/true);
    for (std::uint64_t iteration = 1; !done(); ++iteration) {
      swap_in_if_ready(false);
      auto candidates = propose(iteration);
      std::vector<double> scores;
      if (!candidates.empty()) {
        const auto ts = Clock::now();
        scores = model_->score(candidates);
        r_.seconds_scoring += since(ts);
        r_.candidates_scored += candidates.size();
      }
      const std::size_t k = std::min(o_.top_k, o_.budget - history().size());
      std::vector<std::size_t> order(candidates.size());
      std::iota(order.begin(), order.end(), 0);
      auto by_score = [&](std::size_t a, std::size_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); };
      std::sort(order.begin(), order.end(), by_score);
      // Reserved slots first: the incumbent's best-scored children (parent index 0), then the rest by score.
      std::vector<std::size_t> pick;
      std::vector<char> taken(candidates.size(), 0);
      const std::size_t reserved = parent_of_.empty() ? 0 : std::min(o_.incumbent_k, k);  // empty: whole-space ranking
      for (std::size_t i : order) {
        if (pick.size() == reserved) break;
        if (parent_of_[i] == 0) pick.push_back(i), taken[i] = 1;
      }
      for (std::size_t i : order)
        if (pick.size() < k && !taken[i]) pick.push_back(i);
      std::sort(pick.begin(), pick.end(), by_score);
      const std::size_t take = pick.size();
      for (std::size_t i = 0; i < take && !done(); ++i) evaluate(candidates[pick[i]], scores[pick[i]]);
      // Nothing new to rank (every child already seen): spend the slots on fresh random cells.
      for (std::size_t i = take; i < k && !done(); ++i) {
        auto g = fresh_random();
        if (!g) break;
        evaluate(*g, std::numeric_limits<double>::quiet_NaN());
      }
      if (!done() && should_retrain()) retrain_now(false);
    }
    swap_in_if_ready(true);
    r_.wall_seconds = since(t0);
    r_.seconds_engine = std::max(0.0, r_.wall_seconds - r_.seconds_scoring - r_.seconds_evaluating - sync_training_seconds_);
    return std::move(r_);
  }

 private:
  const std::vector<QueryRecord>& history() const { return r_.trajectory; }
  bool done() const { return history().size() >= o_.budget || r_.stopped_by_observer || r_.space_exhausted; }
  ArchitectureHash hash(const Genome& g) const { return detail::identity(space_, seen_, g); }

  std::optional<Genome> fresh_random() {
    auto g = detail::fresh_random(space_, seen_, rng_);
    if (!g) r_.space_exhausted = true;
    return g;
  }

  void evaluate(const Genome& g, double predicted) {
    const auto te = Clock::now();
    const Evaluation e = ev_.evaluate(g);
    r_.seconds_evaluating += since(te);
    seen_.insert(g, hash(g));
    const QueryRecord q = detail::next_record(history(), g, e, ev_.direction());
    r_.trajectory.push_back(q);
    predicted_.push_back(predicted);
    population_.push_back(history().size() - 1);
    while (population_.size() > o_.population_size) population_.pop_front();  // aging
    if (obs_ && !obs_->on_evaluation(q)) r_.stopped_by_observer = true;
  }

  std::size_t tournament() {
    std::vector<std::size_t> pos(population_.size());
    std::iota(pos.begin(), pos.end(), 0);
    const std::size_t s = std::min(o_.tournament_size, pos.size());
    std::size_t best = population_[0];
    for (std::size_t i = 0; i < s; ++i) {
      std::swap(pos[i], pos[i + rng_.below(pos.size() - i)]);
      const std::size_t c = population_[pos[i]];
      if (i == 0 || better(ev_.direction(), history()[c].signal, history()[best].signal)) best = c;
    }
    return best;
  }

  // Whether history entry a ranks before b: better signal, the earlier query on ties (deterministic).
  bool ahead(std::size_t a, std::size_t b) const {
    if (history()[a].signal != history()[b].signal) return better(ev_.direction(), history()[a].signal, history()[b].signal);
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
    return generate_children(mutator, parents, o_.children_per_parent, derive_seed(o_.seed, iteration, 0xC41D), seen_, nullptr,
                             &parent_of_);
  }

  bool should_retrain() {
    const std::size_t fresh = history().size() - last_start_;
    switch (o_.retrain.when) {
      case RetrainSchedule::When::every_iteration: return fresh > 0;
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
        y.push_back(ev_.direction() == Direction::maximise ? history()[i].signal : -history()[i].signal);
      }
    if (p.size() < 2) return {std::numeric_limits<double>::quiet_NaN(), p.size()};
    return {kendall_tau(p, y), p.size()};
  }

  TrainingSet training_set(std::uint64_t round) const {
    TrainingSet t;
    const std::size_t n = history().size();
    const std::size_t first = o_.retrain.window && o_.retrain.window < n ? n - o_.retrain.window : 0;
    const bool maximise = ev_.direction() == Direction::maximise;
    for (std::size_t i = first; i < n; ++i) {
      t.archs.push_back(history()[i].arch);
      t.targets.push_back(maximise ? history()[i].signal : -history()[i].signal);
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
    t.fit.warm_start = o_.retrain.warm_start && round > 0;
    t.fit.seed = derive_seed(o_.seed, round, 0xF17);
    return t;
  }

  RetrainRecord begin_record(bool async) {
    RetrainRecord rec;
    rec.at_query = history().size();
    std::tie(rec.online_tau, rec.online_cells) = online_tau();
    rec.asynchronous = async;
    last_start_ = history().size();
    next_geometric_ = static_cast<double>(history().size()) * o_.retrain.factor;
    return rec;
  }

  void retrain_now(bool force_sync) {
    const bool async = o_.retrain.asynchronous && !force_sync;
    if (async && trainer_.joinable()) return;  // one copy trains at a time; new results wait for the next round
    TrainingSet t = training_set(rounds_++);
    RetrainRecord rec = begin_record(async);
    rec.cells = t.archs.size();
    rec.warm = t.fit.warm_start;
    if (!async) {
      const auto tt = Clock::now();
      const TrainingStats s = model_->fit(t.archs, t.targets, t.fit);
      rec.seconds = since(tt);
      rec.epochs = s.epochs;
      rec.swapped_at_query = history().size();
      sync_training_seconds_ += rec.seconds;
      r_.seconds_training += rec.seconds;
      finish(rec);
      return;
    }
    // Asynchronous: a deep copy trains on its own thread; ranking goes on with the current model.
    pending_ = model_->clone();
    pending_record_ = rec;
    ready_.store(false);
    trainer_ = std::thread([this, t = std::move(t)]() mutable {
      const auto tt = Clock::now();
      const TrainingStats s = pending_->fit(t.archs, t.targets, t.fit);
      pending_record_.seconds = since(tt);
      pending_record_.epochs = s.epochs;
      ready_.store(true, std::memory_order_release);
    });
  }

  void swap_in_if_ready(bool wait) {
    if (!trainer_.joinable()) return;
    if (!wait && !ready_.load(std::memory_order_acquire)) return;
    trainer_.join();
    model_ = std::move(pending_);
    pending_record_.swapped_at_query = history().size();
    r_.seconds_training += pending_record_.seconds;
    finish(pending_record_);
  }

  void finish(const RetrainRecord& rec) {
    r_.retrains.push_back(rec);
    if (obs_) obs_->on_retrain(rec);
  }

  const SearchSpace& space_;
  TwoStep two_step_;
  Evaluator& ev_;
  std::unique_ptr<Surrogate>& model_;
  const GuidedOptions& o_;
  GuidedObserver* obs_;
  Rng rng_;
  EvaluatedSet seen_;
  std::deque<std::size_t> population_;
  std::vector<std::size_t> parent_of_;  // per candidate of the current iteration
  std::vector<double> predicted_;  // score the ranking model gave each history entry (NaN: random)
  std::size_t last_start_ = 0;     // history size when the last retrain started
  double next_geometric_ = 0;
  std::uint64_t rounds_ = 0;
  double sync_training_seconds_ = 0;
  std::vector<Genome> all_;
  std::vector<ArchitectureHash> all_hashes_;
  std::thread trainer_;
  std::unique_ptr<Surrogate> pending_;
  RetrainRecord pending_record_;
  std::atomic<bool> ready_{false};
  GuidedResult r_;
};

}  // namespace

GuidedResult run_guided_search(const SearchSpace& space, Evaluator& evaluator, std::unique_ptr<Surrogate>& model,
                               const GuidedOptions& options, GuidedObserver* observer) {
  options.validate();
  if (!model) throw OptionError("guided search: no surrogate given");
  return GuidedRun(space, evaluator, model, options, observer).go();
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
