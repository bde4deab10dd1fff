// Local search (White, Nolen, Savani 2021, "Local search is state of the art for neural
// architecture search benchmarks"): from a random cell, evaluate its neighbours (the cells one
// mutation away, SearchSpace::neighbours) in random order and move to the first one that is
// better; at a local optimum (every neighbour evaluated, none better) restart from a new random
// cell. Registered as --algo local-search (registry.cpp); it reads the budget, dedup and failure
// options of SearchOptions.
//
// With several evaluations in flight, the current cell's neighbours are handed out in order; a
// result better than the current cell moves the search there whenever it arrives. A neighbour
// evaluated before (in an earlier climb) is not charged again: if it is better, the search moves
// to it at once. Told in ask order one at a time, the search is the sequential algorithm.
#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "nas/engine/ask_tell.hpp"
#include "nas/engine/run.hpp"

namespace nas {
namespace {

class LocalSearch final : public EvolutionarySearch {
 public:
  LocalSearch(const SearchSpace& space, const SearchOptions& o, Direction d, SearchObserver* observer)
      : EvolutionarySearch(space, d, limits(o), observer), rng_(derive_seed(o.seed, 0x10CA15EA)) {}

  std::vector<Candidate> ask(std::size_t n) override {
    std::vector<Candidate> out;
    while (out.size() < n && !state_.finished()) {
      const auto g = next();
      if (!g) break;
      out.push_back(state_.propose(*g));
      if (!current_) start_ = out.back().id;  // a restart: this cell becomes the current one when told
      else climbing_.insert(out.back().id);
    }
    return out;
  }

  void tell(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info) override {
    const Candidate c = state_.record(id, e, info);
    const std::size_t at = state_.history().size() - 1;
    evaluated_.emplace(c.arch, at);
    climbing_.erase(id);
    if (start_ == id) {
      start_.reset();
      move_to(at);
    } else if (current_ && better(state_.direction(), e.signal, state_.history()[*current_].signal)) {
      move_to(at);
    }
  }

  void tell_failure(std::uint64_t id, FailureKind kind, const std::string& reason, const EvaluationInfo& info) override {
    EvolutionarySearch::tell_failure(id, kind, reason, info);
    climbing_.erase(id);
    if (start_ == id) start_.reset();  // the next ask restarts from another random cell
  }

 private:
  static EvolutionLimits limits(const SearchOptions& o) {
    SearchOptions v = o;
    v.algorithm = Algorithm::random;  // no population to check
    v.validate();
    return {o.budget, 0, o.skip_canonical_duplicates, o.retry_failed, o.max_failures};
  }

  // The next cell to evaluate, or nullopt when the search must wait for a result in flight (or
  // the space is exhausted).
  std::optional<Genome> next() {
    for (;;) {
      if (!current_) {
        if (start_) return std::nullopt;  // the restart's cell is in flight
        return state_.fresh_random(rng_);
      }
      while (!neighbours_.empty()) {
        Genome g = neighbours_.front();
        neighbours_.pop_front();
        if (!state_.was_proposed(g)) return g;
      }
      if (!climbing_.empty()) return std::nullopt;  // a neighbour in flight may still improve
      current_.reset();                             // a local optimum: restart
    }
  }

  // The search stands at trajectory entry `at`: its neighbours in random order, after moving on
  // for free to any better neighbour already evaluated.
  void move_to(std::size_t at) {
    for (;;) {
      current_ = at;
      climbing_.clear();  // results of the old neighbourhood still count if better, but do not hold a restart back
      std::vector<Genome> nb = state_.space().neighbours(state_.history()[at].arch);
      bool moved = false;
      for (const Genome& g : nb) {
        const auto it = evaluated_.find(g);
        if (it != evaluated_.end() && better(state_.direction(), state_.history()[it->second].signal, state_.history()[at].signal)) {
          at = it->second;
          moved = true;
          break;
        }
      }
      if (moved) continue;
      for (std::size_t i = nb.size(); i > 1; --i) std::swap(nb[i - 1], nb[rng_.below(i)]);
      neighbours_.assign(nb.begin(), nb.end());
      return;
    }
  }

  Rng rng_;
  std::optional<std::size_t> current_;       // trajectory index of the cell the search stands at
  std::optional<std::uint64_t> start_;       // a restart's random cell, in flight
  std::deque<Genome> neighbours_;            // of the current cell, not yet handed out
  std::unordered_set<std::uint64_t> climbing_;  // in flight from the current neighbourhood
  std::unordered_map<Genome, std::size_t, GenomeHasher> evaluated_;  // cell -> trajectory index
};

}  // namespace

std::unique_ptr<AskTellSearch> make_local_search(const SearchOptions& options, const SearchContext& c) {
  SearchOptions o = options;
  o.seed = c.seed;
  return std::make_unique<LocalSearch>(c.space, o, c.direction, c.observer);
}

}  // namespace nas
