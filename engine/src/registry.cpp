#include "nas/engine/registry.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nas/core/errors.hpp"

namespace nas {

// Searches defined in their own files (a new one: its file, this declaration, its entry below).
std::unique_ptr<AskTellSearch> make_local_search(const SearchOptions& options, const SearchContext& c);

namespace {

/// The zero-cost warm-up of a run (--zc-warmup), or none.
std::unique_ptr<WarmStart> warm_start(const SearchSettings& s, const SearchContext& c) {
  s.zc.validate();
  if (s.zc.warmup == 0) return nullptr;
  if (!s.scorer) throw OptionError("--zc-warmup ranks cells by zero-cost proxies: give --zc-proxies");
  return std::make_unique<WarmStart>(c.space, s.scorer, s.zc.warmup, c.seed);
}

std::unique_ptr<AskTellSearch> make_evolution(Algorithm a, const SearchSettings& s, const SearchContext& c) {
  SearchOptions o = s.evolution;
  o.algorithm = a;
  o.seed = c.seed;
  auto search = std::make_unique<EvolutionSearch>(c.space, o, c.direction, c.observer);
  if (a == Algorithm::rea) search->set_warm_start(warm_start(s, c));
  return search;
}

std::unique_ptr<AskTellSearch> make_guided(const SearchSettings& s, const SearchContext& c) {
  GuidedOptions o = s.guided;
  o.seed = c.seed;
  o.fidelity = s.fidelity;  // rungs given: guided evolution over rungs
  if (s.evolution.mo.active()) o.mo = s.evolution.mo;  // the study sets the evolution options' (embedders may set guided's)
  auto search = std::make_unique<GuidedSearch>(c.space, o, c.direction, s.model(), c.observer, c.steady_state, c.trainer);
  search->set_warm_start(warm_start(s, c));
  return search;
}

// The list. A new search: its file in engine/src/ and one line here.
std::vector<SearchInfo> make_registry() {
  std::vector<SearchInfo> v;
  v.push_back({"random", "uniformly random architectures, none twice", false, false,
               [](const SearchSettings& s, const SearchContext& c) { return make_evolution(Algorithm::random, s, c); }});
  v.back().objectives = true;
  v.push_back({"rea", "regularised evolution (Real et al. 2019): aging population, tournament, one mutation", false, true,
               [](const SearchSettings& s, const SearchContext& c) { return make_evolution(Algorithm::rea, s, c); }});
  v.back().objectives = true;
  v.push_back({"guided", "predictor-guided evolution: children ranked in one batch by a surrogate retrained online (over rungs with --fidelities)",
               true, true, make_guided, SearchInfo::Rungs::optional});
  v.back().objectives = true;
  v.push_back({"local-search", "local search (White et al. 2021): first better one-op neighbour, random restart at a local optimum; Pareto local search with --objectives", false, false,
               [](const SearchSettings& s, const SearchContext& c) { return make_local_search(s.evolution, c); }});
  v.back().objectives = true;  // Pareto local search
  v.push_back({"sh", "synchronous successive halving over --fidelities rungs (best 1/eta go up once a rung is complete)", false, false,
               [](const SearchSettings& s, const SearchContext& c) { return make_successive_halving(s.evolution, s.fidelity, c); }, SearchInfo::Rungs::required});
  v.push_back({"hyperband", "Hyperband (Li et al. 2017): successive-halving brackets of every aggressiveness in turn", false, false,
               [](const SearchSettings& s, const SearchContext& c) { return make_hyperband(s.evolution, s.fidelity, c); }, SearchInfo::Rungs::required});
  v.push_back({"asha", "asynchronous successive halving (Li et al. 2020): promote as soon as a cell is in its rung's top 1/eta", false, false,
               [](const SearchSettings& s, const SearchContext& c) { return make_asha(s.evolution, s.fidelity, c); }, SearchInfo::Rungs::required});
  v.push_back({"zc", "zero-training baseline: cells in the order of a zero-cost proxy, or of the vote of several (--zc-proxies)", false, false,
               [](const SearchSettings& s, const SearchContext& c) { return make_zero_cost_search(s.evolution, s.zc, s.scorer, c); }});
  return v;
}

}  // namespace

const std::vector<SearchInfo>& searches() {
  static const std::vector<SearchInfo> registry = make_registry();
  return registry;
}

std::vector<std::string> search_names() {
  std::vector<std::string> names;
  for (const auto& s : searches()) names.push_back(s.name);
  return names;
}

const SearchInfo& search_info(std::string_view name) {
  for (const auto& s : searches())
    if (s.name == name) return s;
  throw OptionError(fmt::format("--algo {}: unknown search; expected one of {}", name, fmt::join(search_names(), ", ")));
}

std::size_t budget_of(const SearchInfo& info, const SearchSettings& settings) {
  return info.needs_model ? settings.guided.budget : settings.evolution.budget;
}

SearchFactory search_factory(std::string_view name, SearchSettings settings) {
  const SearchInfo& info = search_info(name);
  if (info.needs_model && !settings.model) throw OptionError(fmt::format("--algo {}: needs a model (predictor) factory", name));
  if (settings.evolution.mo.active() && !info.objectives) {
    std::vector<std::string> with;
    for (const auto& s : searches())
      if (s.objectives) with.push_back(s.name);
    throw OptionError(fmt::format("--algo {}: has one objective and no constraints; --objectives and --constraint work with {}", name, fmt::join(with, ", ")));
  }
  return [&info, s = std::move(settings)](const SearchContext& c) { return info.make(s, c); };
}

}  // namespace nas
