// Every option of nas search / sweep / Python's search() round-trips through config.toml: each is
// set to a value other than its default, written, read into a fresh configuration, written again.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <unistd.h>
#include <fstream>
#include <map>

#include "nas/study/config.hpp"
#include "nas/study/results.hpp"
#include "nas/mutation/spaces.hpp"

namespace {
// A valid value other than the option's default, from its declaration.
std::string other_value(const nas::OptionSet::Option& o) {
  using T = nas::OptionSet::Type;
  const std::string d = o.get();
  if (o.name == "fidelities") return "12,200";  // a list of rungs (its default is empty)
  switch (o.type) {
    case T::flag: return d == "true" ? "false" : "true";
    case T::integer: {
      const long long v = std::stoll(d);
      return std::to_string(v + 1 <= o.max ? v + 1 : v - 1);
    }
    case T::real: {
      const double v = std::stod(d);
      const double w = v * 0.5 + (o.min > -1e300 ? o.min : 0) * 0.5 + 0.001;
      return nas::OptionSet::number_text(w <= o.max && w >= o.min && w != v ? w : (o.min + o.max) / 2);
    }
    case T::text: return d + "x";
    case T::choice:
      for (const auto& c : o.choices)
        if (c != d) return c;
      return d;
  }
  return d;
}
}  // namespace

TEST_CASE("config.toml: every option of nas search (and sweep, Python) round-trips, and each was changed", "[options][apps]") {
  for (auto front : {nas::study::SearchConfig::Front::search, nas::study::SearchConfig::Front::sweep, nas::study::SearchConfig::Front::python}) {
    nas::study::SearchConfig a(front);
    std::map<std::string, std::string> defaults;
    for (const auto& o : a.options.options()) defaults[o.name] = o.get();
    for (const auto& o : a.options.options()) a.options.set(o.name, other_value(o));
    std::size_t changed = 0;
    for (const auto& o : a.options.options()) changed += o.get() != defaults[o.name];
    // A choice with one value cannot change; every other option did.
    CHECK(changed + 0 >= a.options.options().size() - 1);
    const std::string toml = a.options.to_toml();
    const std::string path = "/tmp/nas_test_config_" + std::to_string(static_cast<int>(front)) + ".toml";
    std::ofstream(path) << a.config_toml("search");
    nas::study::SearchConfig b(front);
    b.options.read_toml(path);
    CHECK(b.options.to_toml() == toml);
    CHECK(b.results_key() == a.results_key());
    std::remove(path.c_str());
  }
}

TEST_CASE("options: one name per option across commands, dependent defaults filled in, other algorithms' options refused", "[options][apps]") {
  nas::study::SearchConfig c(nas::study::SearchConfig::Front::search);
  c.options.set("algo", "guided");
  c.finish();
  CHECK(c.seeds == 10);
  CHECK(c.guided.budget == 100);
  CHECK(c.guided.skip_canonical_duplicates);
  CHECK(c.experiment.dataset == "cifar10");
  CHECK(c.experiment.signal == "test_200ep");
  for (const char* name : {"ranking-loss", "torch-threads", "layers", "weight-decay", "gcn-mode", "mask-budget", "lambda-mask", "tart-dp",
                           "tart-lr", "intervention-combine", "hinge-margin"})
    CHECK(c.options.has(name));

  nas::study::SearchConfig r(nas::study::SearchConfig::Front::search);
  r.options.set("algo", "rea");
  r.options.set("top-k", "3");
  CHECK_THROWS_WITH(r.finish(), Catch::Contains("--top-k is an option of guided search"));

  nas::study::SearchConfig t(nas::study::SearchConfig::Front::search);
  t.options.set("space", "transnas-micro");
  t.options.set("task", "room_layout");
  t.finish();
  CHECK(t.experiment.dataset == "room_layout");
  CHECK(t.experiment.signal == t.experiment.reported);

  nas::study::SearchConfig d(nas::study::SearchConfig::Front::search);
  d.options.set("space", "darts");
  d.options.set("evaluator", "train");
  d.finish();
  CHECK(d.training.cells == 5);  // DARTS' search default, not NB201's
  CHECK(d.seeds == 1);
  CHECK(d.search.budget == 40);
}

TEST_CASE("trajectory files: fidelity, pruned, objectives and metrics columns only where records have them", "[study][results]") {
  const auto space = nas::make_space("nb201");
  const auto dir = std::filesystem::temp_directory_path() / ("nas-traj-" + std::to_string(::getpid()));
  nas::SearchResult r;
  nas::QueryRecord q;
  q.query = 1;
  q.arch = space->at(7);
  r.trajectory.push_back(q);
  nas::study::write_trajectory(dir.string(), 0, r, *space);
  auto header = [&](int seed) {
    std::ifstream f(dir / "trajectories" / ("seed_" + std::to_string(seed) + ".csv"));
    std::string h;
    std::getline(f, h);
    return h;
  };
  CHECK(header(0) == "query,arch,signal,reported,best_signal,best_reported");
  r.trajectory[0].fidelity = nas::Fidelity{"epochs", 12};
  r.trajectory[0].pruned = true;
  r.trajectory[0].objectives = {1.5, 2};
  r.trajectory[0].metrics = {{"params", 1e6}};
  nas::study::write_trajectory(dir.string(), 1, r, *space);
  CHECK(header(1) == "query,arch,signal,reported,best_signal,best_reported,fidelity,pruned,objectives,metrics,feasible");
  std::ifstream f(dir / "trajectories" / "seed_1.csv");
  std::string line;
  std::getline(f, line);
  std::getline(f, line);
  INFO(line);
  CHECK(line.find(",epochs:12,") != std::string::npos);
  CHECK(line.find(",1.5;2,params=1000000,true") != std::string::npos);  // no violation: feasible
  std::filesystem::remove_all(dir);
}
