// Successive halving, Hyperband and ASHA as ask/tell searches over the shared evolution state
// (multi_fidelity.hpp). Registered as --algo sh, hyperband and asha (registry.cpp).
#include "nas/engine/multi_fidelity.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "nas/core/errors.hpp"
#include "rungs.hpp"

namespace nas {

void FidelityOptions::validate() const {
  if (rungs.size() < 2)
    throw OptionError(fmt::format("--fidelities {}: a multi-fidelity search needs at least two rungs, ascending, the last the full fidelity "
                                  "(nb201: 12,200)", rungs_text(rungs)));
  for (std::size_t i = 0; i < rungs.size(); ++i) {
    if (!(rungs[i] > 0) || !std::isfinite(rungs[i])) throw OptionError(fmt::format("--fidelities {}: rung {} is not > 0", rungs_text(rungs), rungs[i]));
    if (i > 0 && !(rungs[i] > rungs[i - 1]))
      throw OptionError(fmt::format("--fidelities {}: rungs must be ascending ({} after {})", rungs_text(rungs), rungs[i], rungs[i - 1]));
  }
  if (!(eta >= 2) || !std::isfinite(eta)) throw OptionError(fmt::format("--eta {}: expected a reduction factor >= 2", eta));
}

std::vector<double> parse_rungs(std::string_view text) {
  std::vector<double> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item(text.substr(start, comma - start));
    double v = 0;
    std::size_t pos = 0;
    try {
      v = std::stod(item, &pos);
    } catch (...) {
      pos = 0;
    }
    if (item.empty() || pos != item.size() || !std::isfinite(v))
      throw OptionError(fmt::format("--fidelities {}: '{}' is not a number; expected ascending rungs such as 12,200", text, item));
    out.push_back(v);
    start = comma + 1;
  }
  return out;
}

std::string rungs_text(const std::vector<double>& rungs) {
  std::string s;
  for (double r : rungs) s += fmt::format("{}{}", s.empty() ? "" : ",", r);
  return s;
}

namespace {

EvolutionLimits limits(const SearchOptions& o, const FidelityOptions& f) {
  EvolutionLimits l{o.budget, 0, o.skip_canonical_duplicates, o.retry_failed, o.max_failures};
  l.full_fidelity = f.rungs.back();
  return l;
}

/// What the three share: the rungs, the cells started so far, which candidate is which cell at
/// which rung, and the order of results (ties go to the earlier result).
class RungSearch : public EvolutionarySearch {
 protected:
  RungSearch(const SearchOptions& o, const FidelityOptions& f, const SearchContext& c, std::uint64_t salt)
      : EvolutionarySearch(c.space, c.direction, limits(o, (f.validate(), f)), c.observer), f_(f), rng_(derive_seed(c.seed, salt)) {
    o.validate();
  }
  std::size_t top() const { return f_.rungs.size() - 1; }
  Fidelity at(std::size_t rung) const { return Fidelity{f_.resource, f_.rungs[rung]}; }

  /// A new random cell at `rung`; nullopt when the space is exhausted.
  std::optional<Candidate> start(std::size_t rung) {
    const auto g = state_.fresh_random(rng_);
    if (!g) return std::nullopt;
    cells_.push_back(*g);
    Candidate c = state_.propose(*g, std::numeric_limits<double>::quiet_NaN(), at(rung));
    asked_.emplace(c.id, Asked{cells_.size() - 1, rung});
    return c;
  }
  /// Cell `cell` one rung up, to `rung`.
  Candidate promote(std::size_t cell, std::size_t rung) {
    Candidate c = state_.promote(cells_[cell], at(rung));
    asked_.emplace(c.id, Asked{cell, rung});
    return c;
  }

  struct Asked {
    std::size_t cell, rung;
  };
  using Result = detail::RungResult;
  /// Records the result and says which cell and rung it was.
  std::pair<Asked, Result> record(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info) {
    state_.record(id, e, info);
    const Asked a = take(id);
    return {a, Result{state_.oriented(e.signal), a.cell, order_++}};
  }
  Asked record_failure(std::uint64_t id, FailureKind kind, const std::string& reason, const EvaluationInfo& info) {
    state_.record_failure(id, kind, reason, info);
    return take(id);
  }
  /// The run is over: a lower-rung record of a cell never evaluated higher up is marked pruned
  /// (the search stopped that cell there), so trajectories say which cells went no further.
  void settle() override { detail::mark_pruned(state_.result(), f_.rungs.back()); }

  FidelityOptions f_;
  Rng rng_;

 private:
  Asked take(std::uint64_t id) {
    const auto it = asked_.find(id);
    const Asked a = it->second;
    asked_.erase(it);
    return a;
  }
  std::vector<Genome> cells_;
  std::unordered_map<std::uint64_t, Asked> asked_;
  std::size_t order_ = 0;
};

class Asha final : public RungSearch {
 public:
  Asha(const SearchOptions& o, const FidelityOptions& f, const SearchContext& c) : RungSearch(o, f, c, 0xA5A), ladder_(f.rungs.size(), f.eta) {}

  std::vector<Candidate> ask(std::size_t n) override {
    std::vector<Candidate> out;
    while (out.size() < n && !state_.finished()) {
      if (auto p = ladder_.next()) {
        ladder_.promoted(p->first, p->second);
        out.push_back(promote(p->first, p->second + 1));
        continue;
      }
      auto c = start(0);
      if (!c) break;
      out.push_back(std::move(*c));
    }
    return out;
  }
  void tell(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info) override {
    const auto [a, r] = record(id, e, info);
    ladder_.add(a.rung, a.cell, r.value);
  }
  void tell_failure(std::uint64_t id, FailureKind kind, const std::string& reason, const EvaluationInfo& info) override {
    record_failure(id, kind, reason, info);  // the cell drops out at that rung
  }

 private:
  detail::AshaLadder ladder_;  // ASHA's get_job: the best unpromoted cell of a rung's top 1/eta
};

/// Synchronous brackets: successive halving (one kind of bracket) and Hyperband (all kinds, in turn).
class Brackets final : public RungSearch {
 public:
  Brackets(const SearchOptions& o, const FidelityOptions& f, const SearchContext& c, bool hyperband)
      : RungSearch(o, f, c, hyperband ? 0x4B4D : 0x5E4), hyperband_(hyperband), next_s_(top()) {}

  std::vector<Candidate> ask(std::size_t n) override {
    std::vector<Candidate> out;
    while (out.size() < n && !state_.finished()) {
      Bracket* b = nullptr;
      for (auto& [number, open] : open_)
        if (open.to_start > 0 || !open.queue.empty()) {
          b = &open;
          break;
        }
      if (!b) b = &open_bracket();
      std::optional<Candidate> c;
      if (b->to_start > 0) {
        c = start(b->rung);
        if (!c) break;  // the space is exhausted
        --b->to_start;
      } else {
        c = promote(b->queue.front(), b->rung);
        b->queue.pop_front();
      }
      ++b->outstanding;
      bracket_of_[c->id] = b->number;
      out.push_back(std::move(*c));
    }
    return out;
  }
  void tell(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info) override {
    const auto [a, r] = record(id, e, info);
    Bracket& b = mine(id);
    b.results.push_back(r);
    --b.outstanding;
    advance(b);
  }
  void tell_failure(std::uint64_t id, FailureKind kind, const std::string& reason, const EvaluationInfo& info) override {
    record_failure(id, kind, reason, info);
    Bracket& b = mine(id);
    --b.outstanding;
    advance(b);
  }

 private:
  struct Bracket {
    std::size_t number = 0;
    std::size_t rung = 0;                 // the rung being evaluated
    std::vector<std::size_t> sizes;       // cells per rung, from the bracket's first rung up
    std::size_t to_start = 0;             // new cells still to start (its first rung)
    std::deque<std::size_t> queue;        // promoted cells still to hand out at `rung`
    std::size_t outstanding = 0;          // handed out, not yet told
    std::vector<Result> results;          // at `rung`
    std::size_t first = 0;                // its first rung
  };

  Bracket& open_bracket() {
    // Hyperband's bracket s starts ceil((K+1)/(s+1) eta^s) cells at rung K-s; SH is bracket s = K.
    const std::size_t k = top(), s = hyperband_ ? next_s_ : k;
    if (hyperband_) next_s_ = next_s_ == 0 ? k : next_s_ - 1;
    Bracket b;
    b.number = opened_++;
    b.first = b.rung = k - s;
    double n = std::ceil(static_cast<double>(k + 1) / static_cast<double>(s + 1) * std::pow(f_.eta, static_cast<double>(s)) - 1e-9);
    for (std::size_t r = b.first; r <= k; ++r) {
      b.sizes.push_back(static_cast<std::size_t>(std::max(1.0, n)));
      n = std::floor(n / f_.eta);
    }
    b.to_start = b.sizes.front();
    return open_.emplace(b.number, std::move(b)).first->second;
  }
  Bracket& mine(std::uint64_t id) {
    const auto it = bracket_of_.find(id);
    Bracket& b = open_.at(it->second);
    bracket_of_.erase(it);
    return b;
  }
  /// Once a rung has every result, its best go up (or the bracket closes at the top).
  void advance(Bracket& b) {
    if (b.to_start > 0 || !b.queue.empty() || b.outstanding > 0) return;
    if (b.rung == top() || b.results.empty()) {
      open_.erase(b.number);
      return;
    }
    for (const auto& r : detail::best_results(std::move(b.results), b.sizes[b.rung + 1 - b.first])) b.queue.push_back(r.cell);
    b.results.clear();
    ++b.rung;
  }

  bool hyperband_;
  std::size_t next_s_;
  std::size_t opened_ = 0;
  std::map<std::size_t, Bracket> open_;  // by number: the oldest first
  std::unordered_map<std::uint64_t, std::size_t> bracket_of_;
};

}  // namespace

std::unique_ptr<AskTellSearch> make_successive_halving(const SearchOptions& o, const FidelityOptions& f, const SearchContext& c) {
  return std::make_unique<Brackets>(o, f, c, false);
}
std::unique_ptr<AskTellSearch> make_hyperband(const SearchOptions& o, const FidelityOptions& f, const SearchContext& c) {
  return std::make_unique<Brackets>(o, f, c, true);
}
std::unique_ptr<AskTellSearch> make_asha(const SearchOptions& o, const FidelityOptions& f, const SearchContext& c) {
  return std::make_unique<Asha>(o, f, c);
}

}  // namespace nas
