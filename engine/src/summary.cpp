#include "nas/engine/summary.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace nas {

std::string_view termination_name(Termination t) {
  switch (t) {
    case Termination::budget_spent: return "budget_spent";
    case Termination::space_exhausted: return "space_exhausted";
    case Termination::too_many_failures: return "too_many_failures";
    case Termination::stopped: return "stopped";
    case Termination::time_budget: return "time_budget";
  }
  return "?";
}

RunSummary summarize(const SearchResult& r, const SearchSpace& space, std::size_t budget, Resources resources) {
  if (resources.device_used.empty()) resources.device_used = r.device;
  RunSummary s;
  s.retrains = r.retrains.size();
  s.queries = r.trajectory.size();
  s.budget = budget;
  s.failures = r.failures.size();
  s.wall_seconds = r.wall_seconds;
  s.resources = std::move(resources);
  // The order matters when several hold: the first cause is the one that stopped the run.
  if (r.too_many_failures) {
    s.termination = Termination::too_many_failures;
    s.message = fmt::format("stopped after {} failed evaluations (the --max-failures limit), {} of {} queries answered", s.failures, s.queries, budget);
  } else if (r.stopped_by_observer) {
    s.termination = Termination::stopped;
    s.message = fmt::format("stopped by its caller after {} of {} queries", s.queries, budget);
  } else if (r.time_budget_reached) {
    s.termination = Termination::time_budget;
    s.message = fmt::format("the time budget passed on the executor's clock after {} queries (at {:.1f} s)", s.queries, r.makespan);
  } else if (r.space_exhausted && s.queries < budget) {
    s.termination = Termination::space_exhausted;
    s.message = fmt::format("the space ran out of unevaluated architectures after {} of {} queries", s.queries, budget);
  } else {
    s.termination = Termination::budget_spent;
    s.message = fmt::format("the budget of {} queries was spent", budget);
  }
  if (!r.trajectory.empty()) {
    const auto& last = r.trajectory.back();
    s.best_signal = last.best_signal;
    s.best_reported = last.best_reported;
    if (const QueryRecord* inc = r.incumbent()) s.incumbent = space.format(inc->arch), s.incumbent_query = inc->query;
  }
  double cost = 0;
  for (std::size_t i = 0; i < r.trajectory.size(); ++i) {
    const auto& q = r.trajectory[i];
    cost += q.finished > q.submitted ? q.finished - q.submitted : q.cost_seconds;
    if (std::isnan(q.best_signal)) continue;  // no full-fidelity result yet
    if (s.anytime.empty() || q.best_signal != r.trajectory[i - 1].best_signal || q.best_reported != r.trajectory[i - 1].best_reported)
      s.anytime.push_back({q.finished, cost, q.best_reported});
  }
  return s;
}

std::string RunSummary::brief() const {
  std::string why = std::string(termination_name(termination));
  std::replace(why.begin(), why.end(), '_', ' ');
  if (queries == 0) return fmt::format("0/{} queries ({}), {:.2f} s", budget, why, wall_seconds);
  return fmt::format("{}/{} queries ({}), best reported {:.4f} (query {}: {}), {:.2f} s", queries, budget, why, best_reported, incumbent_query,
                     incumbent, wall_seconds);
}

std::string RunSummary::report() const {
  std::string s = brief() + "\n  " + message + "\n";
  if (failures > 0) s += fmt::format("  {} failed evaluation(s)\n", failures);
  if (retrains > 0) s += fmt::format("  {} surrogate retrain(s)\n", retrains);
  const auto threads = [](int t) { return t == 0 ? std::string("all cores") : std::to_string(t); };
  s += fmt::format("  threads: {} requested, {} used", threads(resources.threads_requested), resources.threads_used);
  if (!resources.device_requested.empty() || !resources.device_used.empty())
    s += fmt::format("; device: {} requested, {} used", resources.device_requested, resources.device_used.empty() ? "-" : resources.device_used);
  return s + "\n";
}

}  // namespace nas
