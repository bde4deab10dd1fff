#include "nas/engine/ask_tell.hpp"

namespace nas {
namespace {
EvolutionLimits limits(const SearchOptions& o) {
  o.validate();
  EvolutionLimits l{o.budget, o.algorithm == Algorithm::rea ? o.population_size : 0, o.skip_canonical_duplicates, o.retry_failed, o.max_failures};
  l.mo = o.mo;
  return l;
}
}  // namespace

EvolutionSearch::EvolutionSearch(const SearchSpace& space, const SearchOptions& options, Direction direction, SearchObserver* observer)
    : EvolutionarySearch(space, direction, limits(options), observer), o_(options), rng_(derive_seed(options.seed, 0xA11CE)) {}

// The draws below are, in order and number, the ones the synchronous loop always made: results
// told in ask order one at a time reproduce its trajectory exactly.
std::optional<Genome> EvolutionSearch::next() {
  if (o_.algorithm == Algorithm::random) return state_.fresh_random(rng_);
  if (asked_random_ < o_.population_size) {
    ++asked_random_;
    if (warm_)
      if (auto g = warm_->next(state_)) return g;
    return state_.fresh_random(rng_);
  }
  if (state_.population().empty()) return state_.fresh_random(rng_);  // every initial candidate still in flight
  const Genome parent = state_.history()[state_.tournament(rng_, o_.tournament_size)].arch;
  for (std::size_t r = 0; r <= o_.max_mutation_retries; ++r) {
    Genome c = state_.space().mutate(parent, rng_);
    if (!state_.was_proposed(c)) return c;
  }
  return state_.fresh_random(rng_);
}

std::vector<Candidate> EvolutionSearch::ask(std::size_t n) {
  std::vector<Candidate> out;
  while (out.size() < n && !state_.finished()) {
    auto g = next();
    if (!g) break;
    out.push_back(state_.propose(*g));
  }
  return out;
}

}  // namespace nas
