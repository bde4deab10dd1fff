#pragma once
// Multi-fidelity searches: candidates are first evaluated cheaply (a low rung: few epochs) and
// only the best are continued to higher rungs, up to the full fidelity (the last rung).
//   sh         synchronous successive halving (Jamieson & Talwalkar 2016): a bracket of eta^K
//              random cells at the lowest rung; once a rung has all its results, its best 1/eta
//              go up one rung. A worker with no work in the open brackets opens the next bracket
//              (as Syne Tune's synchronous Hyperband does), so workers do not idle at a barrier.
//   hyperband  Hyperband (Li et al. 2017): brackets s = K, K-1, ..., 0 in turn, bracket s starting
//              ceil((K+1)/(s+1) eta^s) cells at rung K-s; each bracket is a synchronous SH.
//   asha       asynchronous successive halving (Li et al. 2020): a free worker promotes the best
//              not yet promoted cell of the highest rung whose top 1/eta holds one, else starts a
//              new random cell at the lowest rung. No barrier.
// Every rung's evaluation is its own record (with its fidelity); only full-fidelity results may
// become the incumbent. When the run is over (settle), a record at a lower rung of a cell that
// went no higher is marked pruned. Told in ask order one at a time, each is the sequential algorithm;
// results depend only on the seed and the order of tells.
#include <memory>
#include <string>
#include <vector>

#include "nas/engine/ask_tell.hpp"
#include "nas/engine/run.hpp"

namespace nas {

/// The rungs of a multi-fidelity search.
struct FidelityOptions {
  /// Ascending amounts of `resource`; the last is the full fidelity. Empty: one fidelity.
  std::vector<double> rungs;
  /// Reduction factor: the best 1/eta of a rung go up one rung.
  double eta = 3;
  std::string resource = "epochs";
  bool multi() const { return !rungs.empty(); }
  /// Throws OptionError naming --fidelities or --eta: rungs not ascending or not > 0, fewer than
  /// two, eta < 2.
  void validate() const;
};

/// "12,200" -> {12, 200}. Throws OptionError naming the value.
std::vector<double> parse_rungs(std::string_view text);
/// {12, 200} -> "12,200".
std::string rungs_text(const std::vector<double>& rungs);

/// The searches above, over `o`'s budget, dedup and failure options and `f`'s rungs. `space` must
/// outlive them. Throws OptionError for invalid options.
std::unique_ptr<AskTellSearch> make_successive_halving(const SearchOptions& o, const FidelityOptions& f, const SearchContext& c);
std::unique_ptr<AskTellSearch> make_hyperband(const SearchOptions& o, const FidelityOptions& f, const SearchContext& c);
std::unique_ptr<AskTellSearch> make_asha(const SearchOptions& o, const FidelityOptions& f, const SearchContext& c);

}  // namespace nas
