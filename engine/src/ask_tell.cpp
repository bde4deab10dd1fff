#include "nas/engine/ask_tell.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "loop_common.hpp"

namespace nas {

EvolutionSearch::EvolutionSearch(const SearchSpace& space, const SearchOptions& options, Direction direction, SearchObserver* observer)
    : space_(space), o_(options), direction_(direction), obs_(observer), rng_(derive_seed(options.seed, 0xA11CE)),
      seen_(options.skip_canonical_duplicates) {
  o_.validate();
}

ArchitectureHash EvolutionSearch::hash(const Genome& g) const { return detail::identity(space_, seen_, g); }

std::optional<Genome> EvolutionSearch::fresh_random() {
  auto g = detail::fresh_random(space_, seen_, rng_);
  if (!g) result_.space_exhausted = true;
  return g;
}

bool EvolutionSearch::finished() const {
  return result_.stopped_by_observer || result_.space_exhausted || result_.too_many_failures ||
         result_.trajectory.size() + pending_.size() >= o_.budget;
}

// The draws below are, in order and number, the ones the synchronous loop always made: results
// told in ask order one at a time reproduce its trajectory exactly.
std::optional<Genome> EvolutionSearch::next() {
  if (o_.algorithm == Algorithm::random) return fresh_random();
  if (asked_random_ < o_.population_size) {
    ++asked_random_;
    return fresh_random();
  }
  if (population_.empty()) return fresh_random();  // every initial candidate still in flight
  // Tournament: S distinct members (partial Fisher-Yates over positions), best signal wins.
  std::vector<std::size_t> picks(population_.size());
  for (std::size_t i = 0; i < picks.size(); ++i) picks[i] = i;
  const auto& t = result_.trajectory;
  std::size_t parent = population_[0];
  const std::size_t s_max = std::min(o_.tournament_size, picks.size());
  for (std::size_t s = 0; s < s_max; ++s) {
    std::swap(picks[s], picks[s + rng_.below(picks.size() - s)]);
    const std::size_t cand = population_[picks[s]];
    if (s == 0 || better(direction_, t[cand].signal, t[parent].signal)) parent = cand;
  }
  const Genome parent_arch = t[parent].arch;
  for (std::size_t r = 0; r <= o_.max_mutation_retries; ++r) {
    Genome c = space_.mutate(parent_arch, rng_);
    if (!seen_.contains(c, hash(c))) return c;
  }
  return fresh_random();
}

std::vector<Candidate> EvolutionSearch::ask(std::size_t n) {
  std::vector<Candidate> out;
  while (out.size() < n && !finished()) {
    auto g = next();
    if (!g) break;
    seen_.insert(*g, hash(*g));
    const std::uint64_t id = next_id_++;
    pending_.emplace(id, *g);
    out.push_back({id, *g, std::numeric_limits<double>::quiet_NaN()});
  }
  return out;
}

void EvolutionSearch::tell(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info) {
  const auto it = pending_.find(id);
  if (it == pending_.end()) throw std::invalid_argument(fmt::format("tell: candidate {} is not in flight", id));
  QueryRecord q = detail::next_record(result_.trajectory, it->second, e, direction_);
  pending_.erase(it);
  q.worker = info.worker;
  q.submitted = info.submitted;
  q.finished = info.finished;
  result_.trajectory.push_back(q);
  population_.push_back(result_.trajectory.size() - 1);
  // Aging: once the population is full, each newcomer retires the oldest member, whatever its fitness.
  while (population_.size() > o_.population_size) population_.pop_front();
  if (obs_ && !obs_->on_evaluation(result_.trajectory.back())) result_.stopped_by_observer = true;
}

void EvolutionSearch::tell_failure(std::uint64_t id, FailureKind kind, const std::string& reason, const EvaluationInfo& info) {
  const auto it = pending_.find(id);
  if (it == pending_.end()) throw std::invalid_argument(fmt::format("tell_failure: candidate {} is not in flight", id));
  const Genome g = it->second;
  pending_.erase(it);
  if (o_.retry_failed) seen_.erase(g, hash(g));
  result_.failures.push_back({id, g, kind, reason, info.worker, info.submitted, info.finished});
  const std::size_t cap = o_.max_failures ? o_.max_failures : o_.budget;
  if (result_.failures.size() >= cap) result_.too_many_failures = true;
}

}  // namespace nas
