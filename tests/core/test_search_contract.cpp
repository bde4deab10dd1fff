// The contract every registered search keeps (ask_tell.hpp), checked on the toy space so that it
// needs no data: ask gives distinct new candidates within the budget; tell and tell_failure take
// each in-flight id once and refuse others; failures are not charged; in_flight and finished
// say the truth; stop ends the asking; the budget is spent exactly; results do not depend on the
// order of tells being deterministic per order; every executor runs it; a journal resumes it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>
#include <stdexcept>
#include <set>
#include <unordered_set>

#include <sqlite3.h>

#include "nas/core/toy_space.hpp"
#include "nas/engine/evolution_state.hpp"
#include "nas/engine/journal.hpp"
#include "nas/engine/registry.hpp"
#include "nas/core/cell_scorer.hpp"
#include "nas/engine/run.hpp"
#include "toy_surrogate.hpp"

using namespace nas;

namespace {

const ToySpace& toy() {
  static const ToySpace space(8, 4);
  return space;
}

/// A deterministic zero-cost score for the toy space (the sum of a cell's ops), for `zc` and the
/// warm-ups.
class ToyCellScorer final : public CellScorer {
 public:
  const std::vector<std::string>& names() const override { return names_; }
  std::vector<std::vector<double>> scores(std::span<const Genome> cells) override {
    std::vector<std::vector<double>> out;
    for (const auto& g : cells) {
      double v = 0;
      for (std::size_t i = 0; i < g.size(); ++i) v += g[i] * (1.0 + 0.1 * static_cast<double>(i));
      out.push_back({v});
    }
    return out;
  }

 private:
  std::vector<std::string> names_{"opsum"};
};

SearchSettings settings(std::size_t budget) {
  SearchSettings s;
  s.scorer = std::make_shared<ToyCellScorer>();
  s.evolution.budget = s.guided.budget = budget;
  s.guided.initial_samples = 5;
  s.guided.children_per_parent = 10;
  s.model = [] { return std::make_unique<test::NearestSurrogate>(); };
  return s;
}

// Every registered search, and guided search over rungs ("guided@rungs"), as the contract checks them.
std::vector<std::string> contract_names() {
  auto names = search_names();
  names.push_back("guided@rungs");
  names.push_back("guided@zc");  // with a zero-cost warm-up (--zc-warmup)
  names.push_back("rea@zc");
  return names;
}

/// The registry's factory for `name`; multi-fidelity searches (and guided@rungs) over rungs 1, 3
/// and 9 epochs (the toy evaluator answers at any).
SearchFactory factory(const std::string& name, std::size_t budget) {
  SearchSettings s = settings(budget);
  const bool over_rungs = name == "guided@rungs";
  const auto at = name.find("@zc");
  if (at != std::string::npos) {
    s.zc.warmup = 20;
    return search_factory(name.substr(0, at), s);
  }
  if (over_rungs || search_info(name).rungs == SearchInfo::Rungs::required) s.fidelity.rungs = {1, 3, 9};
  return search_factory(over_rungs ? "guided" : name, s);
}

/// The evaluation a candidate asks for: at its fidelity, or full.
Evaluation answer(Evaluator& ev, const Candidate& c) { return c.fidelity ? ev.evaluate_at(c.arch, *c.fidelity) : ev.evaluate(c.arch); }

/// The fidelity's amount, 0 for a full evaluation.
double amount(const std::optional<Fidelity>& f) { return f ? f->amount : 0; }

std::unique_ptr<AskTellSearch> make(const std::string& name, std::size_t budget, std::uint64_t seed, SearchObserver* obs = nullptr) {
  return factory(name, budget)(SearchContext{toy(), Direction::maximise, seed, obs, false, TrainerKind::in_thread});
}

/// No cell evaluated twice at one fidelity (a multi-fidelity search evaluates it once per rung).
void no_duplicates(const SearchResult& r) {
  std::set<std::pair<std::string, double>> seen;
  for (const auto& q : r.trajectory) CHECK(seen.insert({toy().format(q.arch), amount(q.fidelity)}).second);
  std::unordered_set<Genome, GenomeHasher> failed;
  for (const auto& f : r.failures) CHECK(failed.insert(f.arch).second);
}

}  // namespace

TEST_CASE("search contract: every registered search", "[core][contract]") {
  REQUIRE(search_names().size() >= 3);
  for (const auto& name : contract_names()) {
    INFO("search " << name);
    ToyEvaluator ev(toy(), 1);

    // ask: distinct ids and cells, valid, in flight.
    auto s = make(name, 30, 7);
    CHECK_FALSE(s->finished());
    CHECK(s->in_flight() == 0);
    std::vector<Candidate> first = s->ask(1);
    REQUIRE(first.size() == 1);
    CHECK(toy().valid(first[0].arch));
    CHECK(s->in_flight() == 1);

    // tell: the id once; unknown and repeated ids refused, nothing recorded for them.
    CHECK_THROWS_AS(s->tell(first[0].id + 1000, answer(ev, first[0])), std::invalid_argument);
    s->tell(first[0].id, answer(ev, first[0]));
    CHECK(s->in_flight() == 0);
    CHECK(s->result().trajectory.size() == 1);
    CHECK_THROWS_AS(s->tell(first[0].id, answer(ev, first[0])), std::invalid_argument);
    CHECK_THROWS_AS(s->tell_failure(first[0].id, FailureKind::error, "x"), std::invalid_argument);
    CHECK(s->result().trajectory.size() == 1);

    // tell_failure: recorded, not charged to the budget.
    std::vector<Candidate> c = s->ask(1);
    REQUIRE(c.size() == 1);
    s->tell_failure(c[0].id, FailureKind::diverged, "synthetic");
    CHECK(s->result().failures.size() == 1);
    CHECK(s->result().failures[0].kind == FailureKind::diverged);
    CHECK(s->result().trajectory.size() == 1);

    // To the end, several in flight, told in reverse order: the budget exactly, ids unique.
    std::unordered_set<std::uint64_t> ids{first[0].id, c[0].id};
    while (!s->done()) {
      auto batch = s->ask(3);
      CHECK(batch.size() <= 3);
      if (batch.empty()) {
        REQUIRE(s->in_flight() == 0);  // nothing to tell and nothing asked: only when finished
        REQUIRE(s->finished());
        break;
      }
      CHECK(s->in_flight() == batch.size());
      for (const auto& b : batch) {
        CHECK(ids.insert(b.id).second);
        CHECK(toy().valid(b.arch));
      }
      for (auto it = batch.rbegin(); it != batch.rend(); ++it) s->tell(it->id, answer(ev, *it));
    }
    s->settle();
    CHECK(s->finished());
    CHECK(s->ask(1).empty());
    CHECK(s->result().trajectory.size() == 30);
    no_duplicates(s->result());
    for (std::size_t i = 0; i < s->result().trajectory.size(); ++i) CHECK(s->result().trajectory[i].query == i + 1);

    // stop: no more asks; those in flight may still be told.
    auto t = make(name, 30, 8);
    auto two = t->ask(2);
    REQUIRE(!two.empty());
    t->stop();
    CHECK(t->finished());
    CHECK(t->ask(1).empty());
    for (const auto& x : two) t->tell(x.id, answer(ev, x));
    CHECK(t->done());
    CHECK(t->result().stopped_by_observer);

    // Deterministic: the same seed and the same order of tells, the same trajectory.
    auto u = make(name, 30, 7), v = make(name, 30, 7);
    for (auto* w : {u.get(), v.get()})
      for (auto b = w->ask(2); !b.empty(); b = w->ask(2))
        for (const auto& x : b) w->tell(x.id, answer(ev, x));
    REQUIRE(u->result().trajectory.size() == v->result().trajectory.size());
    for (std::size_t i = 0; i < u->result().trajectory.size(); ++i) {
      CHECK(u->result().trajectory[i].arch == v->result().trajectory[i].arch);
      CHECK(u->result().trajectory[i].fidelity == v->result().trajectory[i].fidelity);
    }
  }
}

TEST_CASE("search contract: every registered search runs on every executor, sync and async", "[core][contract]") {
  for (const auto& name : contract_names()) {
    for (auto kind : {ExecutorOptions::Kind::inline_, ExecutorOptions::Kind::local, ExecutorOptions::Kind::simulated})
      for (auto mode : {ExecutorOptions::Mode::sync, ExecutorOptions::Mode::async}) {
        INFO(name << " on " << executor_kind_name(kind) << " " << executor_mode_name(mode));
        RunOptions o;
        o.executor.kind = kind;
        o.executor.mode = mode;
        o.executor.workers = kind == ExecutorOptions::Kind::inline_ ? 1 : 4;
        if (kind == ExecutorOptions::Kind::simulated) o.executor.cost = parse_cost_model("lognormal:10,0.5");
        o.seeds = {1, 2};
        o.threads = 2;
        const auto runs = run(toy(), factory(name, 40), [&](std::uint64_t s) { return std::make_unique<ToyEvaluator>(toy(), s); }, o);
        REQUIRE(runs.size() == 2);
        for (const auto& r : runs) {
          CHECK(r.trajectory.size() == 40);
          no_duplicates(r);
        }
      }
  }
}

namespace {
/// The toy objective, until `die_after` evaluations: then a fatal error (a crash, for the journal).
class Dying final : public Evaluator {
 public:
  Dying(std::uint64_t seed, std::size_t die_after) : ev_(toy(), seed), left_(die_after) {}
  Evaluation evaluate(const Genome& g) override {
    if (left_ == 0) throw std::runtime_error("killed");
    --left_;
    return ev_.evaluate(g);
  }
  Evaluation evaluate_at(const Genome& g, const Fidelity& f) override {
    if (left_ == 0) throw std::runtime_error("killed");
    --left_;
    return ev_.evaluate_at(g, f);
  }
  std::uint64_t queries() const override { return ev_.queries(); }

 private:
  ToyEvaluator ev_;
  std::size_t left_;
};
}  // namespace

TEST_CASE("search contract: every registered search resumes from its journal as if never killed", "[core][contract][journal]") {
  const auto dir = std::filesystem::temp_directory_path() / ("nas-contract-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const auto& name : contract_names()) {
    INFO("search " << name);
    RunOptions o;
    o.seeds = {5};
    const auto ref = run(toy(), factory(name, 40), [](std::uint64_t s) { return std::make_unique<ToyEvaluator>(toy(), s); }, o)[0];
    const std::string path = (dir / (name + ".sqlite")).string();
    auto journal = Journal::open(path, "contract " + name, "toy");
    o.journal = journal.get();
    CHECK_THROWS_WITH(run(toy(), factory(name, 40), [](std::uint64_t s) { return std::make_unique<Dying>(s, 17); }, o), "killed");
    CHECK_FALSE(journal->finished(5));
    CHECK(journal->count(5, JournalEvent::Kind::result) == 17);
    const auto resumed = run(toy(), factory(name, 40), [](std::uint64_t s) { return std::make_unique<ToyEvaluator>(toy(), s); }, o)[0];
    CHECK(journal->finished(5));
    REQUIRE(resumed.trajectory.size() == ref.trajectory.size());
    for (std::size_t i = 0; i < ref.trajectory.size(); ++i) {
      CHECK(resumed.trajectory[i].arch == ref.trajectory[i].arch);
      CHECK(resumed.trajectory[i].fidelity == ref.trajectory[i].fidelity);
      CHECK(resumed.trajectory[i].signal == ref.trajectory[i].signal);
    }
    CHECK(resumed.retrains.size() == ref.retrains.size());
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("guided search with reuse_ranking: one ranking serves several iterations, the budget exactly, no cell twice", "[core][guided]") {
  for (auto mode : {ExecutorOptions::Mode::sync, ExecutorOptions::Mode::async}) {
    RunOptions o;
    o.executor.kind = ExecutorOptions::Kind::simulated;
    o.executor.mode = mode;
    o.executor.workers = 4;
    o.executor.cost = parse_cost_model("lognormal:10,0.5");
    o.seeds = {3};
    SearchSettings plain = settings(120);
    plain.guided.retrain.when = RetrainSchedule::When::every_k;  // reuse needs iterations without a retrain
    plain.guided.retrain.every = 40;
    SearchSettings reuse = plain;
    reuse.guided.reuse_ranking = true;
    auto ev = [](std::uint64_t s) { return std::make_unique<ToyEvaluator>(toy(), s); };
    const auto a = run(toy(), search_factory("guided", plain), ev, o)[0];
    const auto b = run(toy(), search_factory("guided", reuse), ev, o)[0];
    INFO(executor_mode_name(mode));
    CHECK(b.trajectory.size() == 120);
    no_duplicates(b);
    CHECK(b.candidates_scored < a.candidates_scored);  // fewer rankings
    CHECK(b.retrains.size() == a.retrains.size());     // the same schedule
  }
}

namespace {
/// A search as multi-fidelity ones will be: random cells, each asked at 12 epochs (a fidelity).
class AtFidelity final : public EvolutionarySearch {
 public:
  AtFidelity(const SearchContext& c, std::size_t budget) : EvolutionarySearch(c.space, c.direction, {budget, 0, false, false, 0}, c.observer), rng_(c.seed) {}
  std::vector<Candidate> ask(std::size_t n) override {
    std::vector<Candidate> out;
    while (out.size() < n && !state_.finished())
      if (auto g = state_.fresh_random(rng_)) out.push_back(state_.propose(*g, std::numeric_limits<double>::quiet_NaN(), Fidelity{"epochs", 12}));
      else break;
    return out;
  }

 private:
  Rng rng_;
};

/// The toy objective, with two objectives, named metrics, and every third result pruned.
class Rich final : public Evaluator {
 public:
  explicit Rich(std::uint64_t seed) : ev_(toy(), seed) {}
  Evaluation evaluate(const Genome& g) override { return decorate(g, ev_.evaluate(g)); }
  Evaluation evaluate_at(const Genome& g, const Fidelity& f) override { return decorate(g, ev_.evaluate_at(g, f)); }
  std::uint64_t queries() const override { return ev_.queries(); }

 private:
  Evaluation decorate(const Genome& g, Evaluation e) const {
    e.objectives = {static_cast<double>(g[0]), -1.5};
    e.metrics = {{"params", 1000.0 + g[1]}, {"latency_ms", 2.25}};
    e.pruned = ev_.queries() % 3 == 0;
    return e;
  }
  ToyEvaluator ev_;
};
}  // namespace

TEST_CASE("room for what comes next: fidelity, objectives, metrics and pruned reach the records and the journal, and replay", "[core][journal]") {
  const auto dir = std::filesystem::temp_directory_path() / ("nas-rich-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  SearchFactory make = [](const SearchContext& c) { return std::make_unique<AtFidelity>(c, 30); };
  RunOptions o;
  o.seeds = {4};
  auto journal = Journal::open((dir / "j.sqlite").string(), "rich", "toy");
  o.journal = journal.get();
  const auto r = run(toy(), make, [](std::uint64_t s) { return std::make_unique<Rich>(s); }, o)[0];
  REQUIRE(r.trajectory.size() == 30);
  const QueryRecord& q = r.trajectory[2];
  REQUIRE(q.fidelity);
  CHECK(q.fidelity->resource == "epochs");
  CHECK(q.fidelity->amount == 12);
  CHECK(q.pruned);
  CHECK_FALSE(r.trajectory[1].pruned);
  CHECK(q.objectives == std::vector<double>{static_cast<double>(q.arch[0]), -1.5});
  REQUIRE(q.metrics.size() == 2);
  CHECK(q.metrics[1].first == "latency_ms");
  // The journal holds them as written, and a replay (a finished run: replayed only) gives them back.
  std::size_t asks = 0, pruned = 0;
  for (const auto& e : journal->events(4)) {
    if (e.kind == JournalEvent::Kind::ask) asks += e.fidelity && e.fidelity->resource == "epochs" && e.fidelity->amount == 12;
    if (e.kind == JournalEvent::Kind::result) {
      pruned += e.evaluation.pruned;
      CHECK(e.evaluation.objectives.size() == 2);
      CHECK(e.evaluation.metrics.size() == 2);
    }
  }
  CHECK(asks == 30);
  CHECK(pruned == 10);
  const auto again = run(toy(), make, [](std::uint64_t) -> std::unique_ptr<Evaluator> { throw std::logic_error("nothing is evaluated again"); }, o)[0];
  REQUIRE(again.trajectory.size() == 30);
  for (std::size_t i = 0; i < 30; ++i) {
    CHECK(again.trajectory[i].pruned == r.trajectory[i].pruned);
    CHECK(again.trajectory[i].objectives == r.trajectory[i].objectives);
    CHECK(again.trajectory[i].metrics == r.trajectory[i].metrics);
    CHECK(again.trajectory[i].fidelity == r.trajectory[i].fidelity);
  }
  journal.reset();
  std::filesystem::remove_all(dir);
}

TEST_CASE("a journal of the previous format is refused, naming both formats and the version", "[core][journal]") {
  const auto dir = std::filesystem::temp_directory_path() / ("nas-old-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "old.sqlite").string();
  (void)Journal::open(path, "cfg", "toy");
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "UPDATE meta SET value = 'nas-journal 1' WHERE key = 'format'", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  CHECK_THROWS_WITH(Journal::open(path, "cfg", "toy"), Catch::Contains("journal format 'nas-journal 1'") && Catch::Contains("'nas-journal 2'") &&
                                                           Catch::Contains("(nas 0."));
  std::filesystem::remove_all(dir);
}
