#pragma once
// What a run did and why it ended, for the `nas` report, summary.json, the Python module and
// embedders alike: one place that reads a SearchResult.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "nas/engine/search.hpp"
#include "nas/core/search_space.hpp"

namespace nas {

enum class Termination {
  budget_spent,       // every query of the budget was answered
  space_exhausted,    // no unevaluated architecture was left to propose
  too_many_failures,  // SearchOptions / GuidedOptions max_failures failed evaluations
  stopped,            // an observer (or the caller of an ask/tell search) stopped it
  time_budget,        // RunOptions::time_budget passed on the executor's clock
};
std::string_view termination_name(Termination t);  // "budget_spent", "space_exhausted", ...

/// Threads and device as asked for and as they were (0 threads = "all cores").
struct Resources {
  int threads_requested = 0, threads_used = 0;
  std::string device_requested, device_used;  // empty without a surrogate
};

struct RunSummary {
  Termination termination = Termination::budget_spent;
  std::string message;               // one sentence: why the run ended
  std::size_t queries = 0, budget = 0, failures = 0;
  std::string incumbent;             // the best architecture by signal, as the space writes it ("" if none)
  std::size_t incumbent_query = 0;   // when it was evaluated (1-based; 0 if none)
  double best_signal = 0, best_reported = 0, wall_seconds = 0;
  std::size_t retrains = 0;          // guided runs
  Resources resources;
  /// The anytime curve: one point per change of incumbent, with the executor's clock when its
  /// result came (seconds), the evaluation cost spent up to it (worker-seconds: the records'
  /// durations, or their own cost where the executor kept no times) and its reported value.
  struct AnytimePoint {
    double clock = 0, cost = 0, best_reported = 0;
  };
  std::vector<AnytimePoint> anytime;
  /// One line: "150/150 queries (budget spent), best reported 94.37 (query 87: |...|), 0.41 s".
  std::string brief() const;
  /// Several lines: the brief line, the termination message, failures, threads and device.
  std::string report() const;
};

/// Summarises one run of a search with budget `budget` over `space`. `resources` as known to the
/// caller (the result's device fills device_used when empty). Thread-safe (reads only).
RunSummary summarize(const SearchResult& r, const SearchSpace& space, std::size_t budget, Resources resources = {});

}  // namespace nas
