#include "retrain_planner.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <tuple>

#include "nas/engine/metrics.hpp"

namespace nas::detail {

bool RetrainPlanner::due(const std::vector<QueryRecord>& history) const {
  const std::size_t fresh = history.size() - last_start_;
  switch (o_.retrain.when) {
    // Steady state plans whenever its queue runs dry, possibly after every result: an
    // "iteration" there is top_k new results.
    case RetrainSchedule::When::every_iteration: return steady_ ? fresh >= o_.top_k : fresh > 0;
    case RetrainSchedule::When::every_k: return fresh >= o_.retrain.every;
    case RetrainSchedule::When::geometric: return static_cast<double>(history.size()) >= next_geometric_;  // history grew by `factor`
    case RetrainSchedule::When::tau_drop: {
      if (fresh < o_.retrain.tau_min_cells) return false;
      const auto [tau, n] = online_tau(history);
      return n >= o_.retrain.tau_min_cells && !(tau >= o_.retrain.tau_threshold);
    }
  }
  return false;
}

std::pair<double, std::size_t> RetrainPlanner::online_tau(const std::vector<QueryRecord>& history) const {
  std::vector<double> p, y;
  for (std::size_t i = last_start_; i < history.size(); ++i)
    if (!std::isnan(predicted_[i])) {
      p.push_back(predicted_[i]);
      y.push_back(oriented(history[i].signal));
    }
  if (p.size() < 2) return {std::numeric_limits<double>::quiet_NaN(), p.size()};
  return {kendall_tau(p, y), p.size()};
}

RetrainJob RetrainPlanner::job(const std::vector<QueryRecord>& history, bool force_sync) {
  RetrainJob t;
  const std::uint64_t round = rounds_++;
  const std::size_t n = history.size();
  const std::size_t first = o_.retrain.window && o_.retrain.window < n ? n - o_.retrain.window : 0;
  // Several objectives or constraints: what the model learns is their scalarisation, over the
  // whole history (its normalisation and ranks), with this round's weights.
  const std::vector<double> scalar =
      o_.mo.active() ? scalarised_targets(history, o_.mo, derive_seed(o_.seed, round, 0x3A1E)) : std::vector<double>{};
  for (std::size_t i = first; i < n; ++i) {
    t.archs.push_back(history[i].arch);
    t.targets.push_back(scalar.empty() ? oriented(history[i].signal) : scalar[i]);
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
  rec.at_query = history.size();
  std::tie(rec.online_tau, rec.online_cells) = online_tau(history);
  rec.asynchronous = t.asynchronous;
  rec.cells = t.archs.size();
  rec.warm = t.fit.warm_start;
  last_start_ = history.size();
  next_geometric_ = static_cast<double>(history.size()) * o_.retrain.factor;
  return t;
}

}  // namespace nas::detail
