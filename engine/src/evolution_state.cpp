#include "nas/engine/evolution_state.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "loop_common.hpp"

namespace nas {

std::optional<Genome> EvolutionState::fresh_random(Rng& rng) {
  // Rejection first; when it keeps failing (the space nearly exhausted) an enumerable space is
  // scanned and one of the remaining architectures drawn uniformly.
  for (int attempt = 0; attempt < 10000; ++attempt) {
    Genome g = space_.sample(rng);
    if (!was_proposed(g)) return g;
  }
  if (auto n = space_.size()) {
    std::vector<Genome> left;
    for (std::uint64_t i = 0; i < *n; ++i) {
      Genome g = space_.at(i);
      if (!was_proposed(g)) left.push_back(g);
    }
    if (!left.empty()) return left[rng.below(left.size())];
  }
  result_.space_exhausted = true;
  return std::nullopt;
}

Candidate EvolutionState::record(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info) {
  const auto it = pending_.find(id);
  if (it == pending_.end()) throw std::invalid_argument(fmt::format("tell: candidate {} is not in flight", id));
  Candidate c = std::move(it->second);
  pending_.erase(it);
  const bool full = is_full(c.fidelity);
  const double violation = limits_.mo.constraints.empty() ? 0.0 : limits_.mo.violation(e.metrics);
  if (limits_.mo.multi()) (void)limits_.mo.oriented(e.objectives);  // the evaluator gave every objective (throws otherwise)
  QueryRecord q = detail::next_record(result_.trajectory, c.arch, e, direction_, full && violation == 0);
  q.violation = violation;
  q.worker = info.worker;
  q.submitted = info.submitted;
  q.finished = info.finished;
  q.fidelity = c.fidelity;
  q.pruned = e.pruned;
  q.objectives = e.objectives;
  q.metrics = e.metrics;
  result_.trajectory.push_back(std::move(q));
  if (limits_.population_size > 0 && full) {  // a lower rung's result is not a member
    population_.push_back(result_.trajectory.size() - 1);
    if (limits_.mo.multi() && population_.size() > limits_.population_size) {
      // Several objectives: the last in NSGA-II order leaves (elitist, as NSGA-II's survival).
      std::vector<std::size_t> members(population_.begin(), population_.end());
      const auto key = selection_order(result_.trajectory, members, limits_.mo, direction_);
      population_.erase(population_.begin() + (std::max_element(key.begin(), key.end()) - key.begin()));
    }
    // Aging: once the population is full, each newcomer retires the oldest member, whatever its fitness.
    while (population_.size() > limits_.population_size) population_.pop_front();
  }
  if (observer_ && !observer_->on_evaluation(result_.trajectory.back())) result_.stopped_by_observer = true;
  return c;
}

Candidate EvolutionState::record_failure(std::uint64_t id, FailureKind kind, const std::string& reason, const EvaluationInfo& info) {
  const auto it = pending_.find(id);
  if (it == pending_.end()) throw std::invalid_argument(fmt::format("tell_failure: candidate {} is not in flight", id));
  Candidate c = std::move(it->second);
  pending_.erase(it);
  if (limits_.retry_failed) seen_.erase(c.arch, hash(c.arch));
  result_.failures.push_back({id, c.arch, kind, reason, info.worker, info.submitted, info.finished});
  const std::size_t cap = limits_.max_failures ? limits_.max_failures : limits_.budget;
  if (result_.failures.size() >= cap) result_.too_many_failures = true;
  return c;
}

std::size_t EvolutionState::tournament(Rng& rng, std::size_t size) const {
  std::vector<std::size_t> pos(population_.size());
  for (std::size_t i = 0; i < pos.size(); ++i) pos[i] = i;
  const std::size_t s = std::min(size, pos.size());
  if (limits_.mo.active()) {
    // Ranks and crowding are of the whole population (NSGA-II's), then compared in the tournament.
    const std::vector<std::size_t> members(population_.begin(), population_.end());
    const auto key = selection_order(result_.trajectory, members, limits_.mo, direction_);
    std::size_t best = 0;
    for (std::size_t i = 0; i < s; ++i) {
      std::swap(pos[i], pos[i + rng.below(pos.size() - i)]);
      if (i == 0 || key[pos[i]] < key[best]) best = pos[i];
    }
    return population_[best];
  }
  std::size_t best = population_[0];
  for (std::size_t i = 0; i < s; ++i) {
    std::swap(pos[i], pos[i + rng.below(pos.size() - i)]);
    const std::size_t c = population_[pos[i]];
    if (i == 0 || better(direction_, history()[c].signal, history()[best].signal)) best = c;
  }
  return best;
}

}  // namespace nas
