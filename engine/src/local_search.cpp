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
//
// Several objectives or constraints (SearchOptions::mo): Pareto local search (Paquete, Chiarandini,
// Stuetzle 2004). An archive keeps the evaluated cells no other dominates (constrained dominance:
// a smaller violation first, then Pareto dominance of the oriented objectives); the search takes
// the archive's earliest member whose neighbourhood it has not yet explored and evaluates all of
// its neighbours; when every member is explored (a Pareto local optimum set) it restarts from a
// random cell, whose neighbourhood it explores whether or not the archive takes it.
#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "nas/engine/ask_tell.hpp"
#include "nas/engine/multi_objective.hpp"
#include "nas/engine/run.hpp"

namespace nas {
namespace {

class LocalSearch final : public EvolutionarySearch {
 public:
  LocalSearch(const SearchSpace& space, const SearchOptions& o, Direction d, SearchObserver* observer)
      : EvolutionarySearch(space, d, limits(o), observer), mo_(o.mo), rng_(derive_seed(o.seed, 0x10CA15EA)) {}

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
    if (mo_.active()) {
      archive(at);
      if (start_ == id) start_.reset(), explore(at);
      return;
    }
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
    return {o.budget, 0, o.skip_canonical_duplicates, o.retry_failed, o.max_failures, 0, o.mo};
  }

  // Constrained dominance of trajectory entries a over b (Pareto local search).
  bool dominates(std::size_t a, std::size_t b) const {
    const QueryRecord &x = state_.history()[a], &y = state_.history()[b];
    if (x.violation != y.violation) return x.violation < y.violation;
    if (!mo_.multi()) return better(state_.direction(), x.signal, y.signal);
    const std::vector<double> u = mo_.oriented(x.objectives), v = mo_.oriented(y.objectives);
    bool strictly = false;
    for (std::size_t k = 0; k < u.size(); ++k) {
      if (u[k] < v[k]) return false;
      strictly |= u[k] > v[k];
    }
    return strictly;
  }

  // Entry `at` joins the archive unless a member dominates it or has its objectives (the earlier
  // stays); members it dominates leave.
  void archive(std::size_t at) {
    const QueryRecord& q = state_.history()[at];
    if (mo_.multi() && q.objectives.size() != mo_.directions.size()) return;  // no objectives: nothing to compare
    for (std::size_t m : archive_) {
      const QueryRecord& r = state_.history()[m];
      if (dominates(m, at) || (r.violation == q.violation && r.objectives == q.objectives && r.signal == q.signal)) return;
    }
    std::erase_if(archive_, [&](std::size_t m) { return dominates(at, m); });
    archive_.push_back(at);
  }

  // Hands out the neighbours of entry `at` (random order); it counts as explored from now on.
  void explore(std::size_t at) {
    current_ = at;
    explored_.insert(at);
    std::vector<Genome> nb = state_.space().neighbours(state_.history()[at].arch);
    for (std::size_t i = nb.size(); i > 1; --i) std::swap(nb[i - 1], nb[rng_.below(i)]);
    neighbours_.assign(nb.begin(), nb.end());
  }

  // Pareto local search's next cell (as next()).
  std::optional<Genome> next_pareto() {
    for (;;) {
      while (current_ && !neighbours_.empty()) {
        Genome g = neighbours_.front();
        neighbours_.pop_front();
        if (!state_.was_proposed(g)) return g;
      }
      current_.reset();
      if (start_) return std::nullopt;  // the restart's cell is in flight
      std::optional<std::size_t> pick;
      for (std::size_t m : archive_)
        if (!explored_.contains(m) && (!pick || m < *pick)) pick = m;
      if (pick) {
        explore(*pick);
        continue;
      }
      if (!climbing_.empty()) return std::nullopt;  // a result in flight may join the archive
      return state_.fresh_random(rng_);              // a Pareto local optimum set: restart
    }
  }

  // The next cell to evaluate, or nullopt when the search must wait for a result in flight (or
  // the space is exhausted).
  std::optional<Genome> next() {
    if (mo_.active()) return next_pareto();
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

  MultiObjective mo_;
  Rng rng_;
  std::vector<std::size_t> archive_;            // Pareto local search: the non-dominated entries
  std::unordered_set<std::size_t> explored_;    // entries whose neighbourhood was handed out
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
