#pragma once
// The registry of searches: name -> factory of an ask/tell search from the options. A new search
// is one file (its AskTellSearch and a make_ function) and one entry in registry.cpp; the CLI,
// sweeps, Python, the journal, every executor and MPI then run it through run() (run.hpp).
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nas/engine/guided.hpp"
#include "nas/engine/multi_fidelity.hpp"
#include "nas/engine/run.hpp"
#include "nas/engine/search.hpp"
#include "nas/engine/warm_start.hpp"

namespace nas {

/// Every option a registered search may read. A search reads what it needs and ignores the rest.
struct SearchSettings {
  SearchOptions evolution;    // random, REA, local search: budget, population, tournament, dedup, failures
  GuidedOptions guided;       // guided search (budget, dedup and failures mirror `evolution`'s)
  ModelFactory model;         // searches with needs_model (guided.hpp: the ranking model of one run)
  FidelityOptions fidelity;   // multi-fidelity searches: rungs and eta
  ZeroCostOptions zc;         // guided, rea: zero-cost warm-up; zc: the pool
  /// Zero-cost scores (--zc-proxies): shared by the runs of a study (thread-safe; caches). Null:
  /// none (zc refuses; guided and rea refuse a warm-up).
  std::shared_ptr<CellScorer> scorer;
};

struct SearchInfo {
  std::string name;         // --algo NAME
  std::string description;  // one line for --help
  /// Reads GuidedOptions and needs a model factory (the guided, retraining and predictor options).
  bool needs_model = false;
  /// Reads the population and tournament sizes.
  bool uses_population = false;
  /// Makes the search of one run. Throws OptionError for invalid settings.
  std::function<std::unique_ptr<AskTellSearch>(const SearchSettings&, const SearchContext&)> make;
  /// Whether it evaluates at several fidelities (SearchSettings::fidelity's rungs: --fidelities,
  /// --eta): never, when given (guided over rungs), or always (sh, hyperband, asha).
  enum class Rungs { none, optional, required };
  Rungs rungs = Rungs::none;
  /// Whether it reads SearchSettings::evolution.mo: several objectives (--objectives) and
  /// constraints (--constraint). The others refuse them.
  bool objectives = false;
};

/// Every registered search, in the order of the list in registry.cpp. Thread-safe.
const std::vector<SearchInfo>& searches();
/// The names, in order.
std::vector<std::string> search_names();
/// The entry named `name`; throws OptionError listing the names for an unknown one.
const SearchInfo& search_info(std::string_view name);
/// The budget a search of this entry spends: guided.budget or evolution.budget.
std::size_t budget_of(const SearchInfo& info, const SearchSettings& settings);
/// A SearchFactory for run(): the entry `name` over `settings` (copied), the run's seed set in
/// the options. Throws OptionError for an unknown name, or a missing model factory.
SearchFactory search_factory(std::string_view name, SearchSettings settings);

}  // namespace nas
