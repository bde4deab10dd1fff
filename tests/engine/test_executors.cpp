// Ask/tell searches under executors: the synchronous driver's trajectory for any worker count,
// out-of-order completion without duplicates, losses or double charges, failures recorded while
// the run goes on, the simulated clock deterministic, and a 32-worker stress run.
#include <catch2/catch.hpp>

#include <atomic>
#include <fmt/format.h>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <chrono>
#include <set>
#include <thread>
#include <unordered_set>

#include "nb201_fixture.hpp"
#include "nas/datasets/benchmark.hpp"
#include "nas/engine/ask_tell.hpp"
#include "nas/engine/executors.hpp"
#include "nas/engine/journal.hpp"
#include "nas/engine/worker_pool.hpp"
#include "run_helpers.hpp"
#include "nas/core/errors.hpp"
#include "nas/mutation/nb201.hpp"

using namespace nas;

namespace {

using test::nb201_table;

/// A table evaluator that sleeps a little (a seeded 0-`max_us` microseconds per architecture), so
/// local workers finish out of order, and fails the architectures whose code is a multiple of
/// `fail_every` (0 = never).
class SlowEvaluator final : public Evaluator {
 public:
  SlowEvaluator(int max_us, int fail_every) : inner_(nb201_table().table, nb201_table().space, nb201_table().col, nb201_table().col),
                                              max_us_(max_us), fail_every_(fail_every) {}
  Evaluation evaluate(const Genome& g) override {
    const int code = nb201::Space::to_cell(g).code();
    if (max_us_ > 0) std::this_thread::sleep_for(std::chrono::microseconds(Rng(static_cast<std::uint64_t>(code)).below(static_cast<std::uint64_t>(max_us_))));
    if (fail_every_ && code % fail_every_ == 0) throw EvaluationFailed(FailureKind::diverged, "synthetic divergence");
    return inner_.evaluate(g);
  }
  std::uint64_t queries() const override { return inner_.queries(); }

 private:
  datasets::TableEvaluator inner_;
  int max_us_, fail_every_;
};

SearchOptions rea(std::size_t budget, std::uint64_t seed) {
  SearchOptions o;
  o.algorithm = Algorithm::rea;
  o.budget = budget;
  o.seed = seed;
  return o;
}

void check_no_duplicates(const SearchResult& r) {
  std::unordered_set<Genome, GenomeHasher> seen;
  for (const auto& q : r.trajectory) CHECK(seen.insert(q.arch).second);
  for (const auto& f : r.failures) CHECK(seen.insert(f.arch).second);
}

}  // namespace

TEST_CASE("executors: synchronous mode: one local worker gives the inline executor's trajectory, W workers, local or simulated, one trajectory",
          "[engine][executors]") {
  const auto& t = nb201_table();
  auto table_ev = [&](std::uint64_t) { return std::make_unique<datasets::TableEvaluator>(t.table, t.space, t.col, t.col); };
  for (auto algo : {Algorithm::random, Algorithm::rea}) {
    SearchOptions o = rea(200, 5);
    o.algorithm = algo;
    datasets::TableEvaluator ev(t.table, t.space, t.col, t.col);
    const SearchResult ref = test::search_once(t.space, ev, o);
    for (std::size_t w : {1u, 4u, 16u}) {
      EvolutionSearch s(t.space, o, Direction::maximise);
      ExecutorOptions x;
      x.workers = w;
      const SearchResult r = test::execute(nb201_table().space, s, [](std::uint64_t) { return std::make_unique<SlowEvaluator>(200, 0); }, 5, x);
      // The simulated executor with the same W (a batch of W asked from one state): the same run.
      EvolutionSearch s2(t.space, o, Direction::maximise);
      x.kind = ExecutorOptions::Kind::simulated;
      x.cost = parse_cost_model("lognormal:10,1");
      const SearchResult sim = test::execute(t.space, s2, table_ev, 5, x);
      INFO(algorithm_name(algo) << " workers " << w);
      REQUIRE(r.trajectory.size() == ref.trajectory.size());
      REQUIRE(sim.trajectory.size() == ref.trajectory.size());
      for (std::size_t i = 0; i < r.trajectory.size(); ++i) {
        CHECK(r.trajectory[i].arch == sim.trajectory[i].arch);
        // Random search proposes the same cells whatever W; REA's batches of W differ from W = 1.
        if (w == 1 || algo == Algorithm::random) {
          CHECK(r.trajectory[i].arch == ref.trajectory[i].arch);
          CHECK(r.trajectory[i].best_reported == ref.trajectory[i].best_reported);
        }
      }
      CHECK(r.utilisation > 0);
    }
  }
}

namespace {
/// A pool as the MPI executor's looks to the engine: completes candidates in reverse order of
/// submission (most out of order), and loses a worker after `lose_after` outcomes, its current
/// candidate going back to the queue (capacity drops by one), as an MPI worker given up does.
class ReorderingPool final : public WorkerPool {
 public:
  ReorderingPool(std::size_t workers, std::size_t lose_after) : capacity_(workers), lose_after_(lose_after) {}
  std::size_t capacity() const override { return capacity_; }
  void submit(const Candidate& c, std::uint64_t seed) override {
    seeds.insert(seed);
    queue_.push_back(c);
  }
  WorkOutcome collect() override {
    REQUIRE(!queue_.empty());
    if (++collected_ == lose_after_ && capacity_ > 1) {
      --capacity_;  // the lost worker's candidate stays queued: it is evaluated later, once
      std::rotate(queue_.begin(), queue_.end() - 1, queue_.end());
    }
    WorkOutcome out;
    out.candidate = queue_.back();
    queue_.pop_back();
    out.worker = static_cast<int>(out.candidate.id % capacity_);
    out.finished = std::chrono::steady_clock::now();
    evaluate_into(ev_, out);
    return out;
  }
  std::set<std::uint64_t> seeds;

 private:
  std::size_t capacity_, lose_after_, collected_ = 0;
  std::vector<Candidate> queue_;
  datasets::TableEvaluator ev_{nb201_table().table, nb201_table().space, nb201_table().col, nb201_table().col};
};
}  // namespace

TEST_CASE("executors: a supplied worker pool (the MPI executor's way in): sync equals local, async exact, capacity may drop",
          "[engine][executors]") {
  const auto& t = nb201_table();
  for (auto mode : {ExecutorOptions::Mode::sync, ExecutorOptions::Mode::async}) {
    ExecutorOptions x;
    x.kind = ExecutorOptions::Kind::mpi;
    x.mode = mode;
    x.workers = 4;
    auto pool = std::make_shared<ReorderingPool>(4, 37);
    x.pool = pool;
    EvolutionSearch s(t.space, rea(200, 3), Direction::maximise);
    const SearchResult r = test::execute(nb201_table().space, s, [](std::uint64_t) -> std::unique_ptr<Evaluator> { throw std::logic_error("not called"); }, 3, x);
    REQUIRE(r.trajectory.size() == 200);
    check_no_duplicates(r);
    CHECK(pool->seeds == std::set<std::uint64_t>{3});
    if (mode == ExecutorOptions::Mode::sync) {
      ExecutorOptions local;
      local.workers = 4;
      EvolutionSearch s2(t.space, rea(200, 3), Direction::maximise);
      const SearchResult ref = test::execute(t.space, s2, [](std::uint64_t) { return std::make_unique<SlowEvaluator>(100, 0); }, 3, local);
      for (std::size_t i = 0; i < ref.trajectory.size(); ++i) CHECK(r.trajectory[i].arch == ref.trajectory[i].arch);
    }
  }
  ExecutorOptions missing;
  missing.kind = ExecutorOptions::Kind::mpi;
  CHECK_THROWS_WITH(missing.validate(), Catch::Contains("start nas with mpirun"));
}

TEST_CASE("executors: asynchronous local workers lose, repeat and double-charge nothing, the budget is exact", "[engine][executors]") {
  for (std::size_t w : {2u, 8u}) {
    EvolutionSearch s(nb201_table().space, rea(300, 9), Direction::maximise);
    ExecutorOptions x;
    x.workers = w;
    x.mode = ExecutorOptions::Mode::async;
    std::atomic<int> made{0};
    const SearchResult r = test::execute(nb201_table().space, s, [&](std::uint64_t) { ++made; return std::make_unique<SlowEvaluator>(300, 0); }, 9, x);
    CHECK(made == static_cast<int>(w));  // one evaluator per worker
    REQUIRE(r.trajectory.size() == 300);
    check_no_duplicates(r);
    std::set<int> workers;
    for (std::size_t i = 0; i < r.trajectory.size(); ++i) {
      CHECK(r.trajectory[i].query == i + 1);
      CHECK(r.trajectory[i].finished >= r.trajectory[i].submitted);
      workers.insert(r.trajectory[i].worker);
    }
    CHECK(workers.size() == w);
  }
}

TEST_CASE("executors: failed evaluations are recorded, not charged, and the run goes on", "[engine][executors]") {
  for (auto mode : {ExecutorOptions::Mode::sync, ExecutorOptions::Mode::async}) {
    SearchOptions o = rea(150, 3);
    EvolutionSearch s(nb201_table().space, o, Direction::maximise);
    ExecutorOptions x;
    x.workers = 4;
    x.mode = mode;
    const SearchResult r = test::execute(nb201_table().space, s, [](std::uint64_t) { return std::make_unique<SlowEvaluator>(50, 7); }, 3, x);
    INFO(executor_mode_name(mode));
    CHECK(r.trajectory.size() == 150);
    REQUIRE(!r.failures.empty());
    for (const auto& f : r.failures) {
      CHECK(f.kind == FailureKind::diverged);
      CHECK(f.reason == "synthetic divergence");
      CHECK(nb201::Space::to_cell(f.arch).code() % 7 == 0);
    }
    for (const auto& q : r.trajectory) CHECK(nb201::Space::to_cell(q.arch).code() % 7 != 0);
    check_no_duplicates(r);  // a failed architecture is not proposed again by default
  }
  // Everything fails: the run stops at the failure cap instead of spinning.
  SearchOptions o = rea(50, 1);
  o.max_failures = 10;
  EvolutionSearch s(nb201_table().space, o, Direction::maximise);
  const SearchResult r = test::execute(nb201_table().space, s, [](std::uint64_t) { return std::make_unique<SlowEvaluator>(0, 1); }, 1, ExecutorOptions{});
  CHECK(r.trajectory.empty());
  CHECK(r.failures.size() == 10);
  CHECK(r.too_many_failures);
}

TEST_CASE("executors: an evaluator error that is not a failure stops the run and reaches the caller", "[engine][executors]") {
  class Broken final : public Evaluator {
   public:
    Evaluation evaluate(const Genome&) override { throw std::runtime_error("table gone"); }
    std::uint64_t queries() const override { return 0; }
  };
  for (auto mode : {ExecutorOptions::Mode::sync, ExecutorOptions::Mode::async}) {
    EvolutionSearch s(nb201_table().space, rea(20, 1), Direction::maximise);
    ExecutorOptions x;
    x.workers = 3;
    x.mode = mode;
    CHECK_THROWS_WITH(test::execute(nb201_table().space, s, [](std::uint64_t) { return std::make_unique<Broken>(); }, 1, x), "table gone");
  }
}

TEST_CASE("executors: the simulated clock is deterministic per seed and keeps its workers busy", "[engine][executors]") {
  const auto& t = nb201_table();
  auto run = [&](ExecutorOptions::Mode mode, std::size_t w, std::uint64_t seed) {
    EvolutionSearch s(t.space, rea(1000, seed), Direction::maximise);
    ExecutorOptions x;
    x.kind = ExecutorOptions::Kind::simulated;
    x.mode = mode;
    x.workers = w;
    x.cost = parse_cost_model("lognormal:100,0.5");
    return test::execute(nb201_table().space, s, [&](std::uint64_t) { return std::make_unique<datasets::TableEvaluator>(t.table, t.space, t.col, t.col); }, seed, x);
  };
  const auto a = run(ExecutorOptions::Mode::async, 64, 4), b = run(ExecutorOptions::Mode::async, 64, 4);
  REQUIRE(a.trajectory.size() == 1000);
  for (std::size_t i = 0; i < a.trajectory.size(); ++i) {
    CHECK(a.trajectory[i].arch == b.trajectory[i].arch);
    CHECK(a.trajectory[i].finished == b.trajectory[i].finished);
    if (i > 0) CHECK(a.trajectory[i].finished >= a.trajectory[i - 1].finished);  // simulated-time order
  }
  CHECK(a.makespan == b.makespan);
  CHECK(a.utilisation > 0.75);  // the last evaluations drain alone: about 15 per worker here
  // Until the last candidate is handed out, no simulated worker ever waits: the loss is the drain.
  CHECK(a.utilisation_before_drain == Approx(1.0).epsilon(1e-9));
  check_no_duplicates(a);
  const auto sync = run(ExecutorOptions::Mode::sync, 64, 4);
  CHECK(sync.utilisation < a.utilisation);  // a batch waits for its slowest member
  CHECK(sync.utilisation_before_drain < 0.9);
  const auto sync2 = run(ExecutorOptions::Mode::sync, 64, 4);
  for (std::size_t i = 0; i < sync.trajectory.size(); ++i) CHECK(sync.trajectory[i].arch == sync2.trajectory[i].arch);
  CHECK_THROWS_AS(parse_cost_model("gamma:1"), OptionError);
  CHECK_THROWS_AS(parse_cost_model("fixed:-1"), OptionError);
  CHECK_THROWS_AS(parse_cost_model("lognormal:1"), OptionError);
}

TEST_CASE("executors: stress, 32 local workers, 2,000 evaluations with random sleeps: nothing lost or repeated", "[engine][executors][stress]") {
  EvolutionSearch s(nb201_table().space, rea(2000, 21), Direction::maximise);
  ExecutorOptions x;
  x.workers = 32;
  x.mode = ExecutorOptions::Mode::async;
  const SearchResult r = test::execute(nb201_table().space, s, [](std::uint64_t) { return std::make_unique<SlowEvaluator>(500, 0); }, 21, x);
  REQUIRE(r.trajectory.size() == 2000);
  check_no_duplicates(r);
  CHECK(s.in_flight() == 0);
}

TEST_CASE("ask/tell: ids are checked, the budget counts results and candidates in flight", "[engine][executors]") {
  EvolutionSearch s(nb201_table().space, rea(5, 2), Direction::maximise);
  auto c = s.ask(10);
  CHECK(c.size() == 5);
  CHECK(s.finished());
  CHECK_FALSE(s.done());
  CHECK(s.ask(1).empty());
  CHECK_THROWS_AS(s.tell(999, Evaluation{}), std::invalid_argument);
  s.tell(c[3].id, make_evaluation(90, 90));
  CHECK_THROWS_AS(s.tell(c[3].id, make_evaluation(90, 90)), std::invalid_argument);
  s.tell_failure(c[0].id, FailureKind::out_of_memory, "oom");
  CHECK_FALSE(s.finished());  // a failure is not charged: one more may be asked
  CHECK(s.ask(3).size() == 1);
}

// ---------------------------------------------------------------------------------------------
// Guided search under executors.

#include "fake_surrogates.hpp"

namespace {
GuidedOptions guided(std::size_t budget, std::uint64_t seed) {
  GuidedOptions o;
  o.budget = budget;
  o.seed = seed;
  return o;
}
}  // namespace

TEST_CASE("executors: guided, one local worker in sync mode reproduces the inline executor, W workers", "[engine][executors][guided]") {
  const auto& t = nb201_table();
  auto oracle = [&] { return std::unique_ptr<Surrogate>(std::make_unique<test::OracleSurrogate>(t.table, t.col)); };
  const GuidedOptions o = guided(80, 3);
  datasets::TableEvaluator ev(t.table, t.space, t.col, t.col);
  auto model = oracle();
  const GuidedResult ref = test::guided_once(t.space, ev, model, o);
  const std::vector<std::uint64_t> seed{3};
  ExecutorOptions x;
  const auto r = test::guided_runs(t.space, [](std::uint64_t) { return std::make_unique<SlowEvaluator>(100, 0); }, oracle, o, x,
                                     Direction::maximise, seed, 1)[0];
  REQUIRE(r.trajectory.size() == ref.trajectory.size());
  for (std::size_t i = 0; i < r.trajectory.size(); ++i) CHECK(r.trajectory[i].arch == ref.trajectory[i].arch);
  CHECK(r.retrains.size() == ref.retrains.size());
  // Batch-synchronous with 5 workers (= top_k): local and simulated agree.
  x.workers = 5;
  const auto local = test::guided_runs(t.space, [](std::uint64_t) { return std::make_unique<SlowEvaluator>(300, 0); }, oracle, o, x,
                                         Direction::maximise, seed, 1)[0];
  x.kind = ExecutorOptions::Kind::simulated;
  x.cost = parse_cost_model("lognormal:60,0.7");
  const auto sim = test::guided_runs(t.space, [&](std::uint64_t) { return std::make_unique<datasets::TableEvaluator>(t.table, t.space, t.col, t.col); },
                                       oracle, o, x, Direction::maximise, seed, 1)[0];
  REQUIRE(local.trajectory.size() == 80);
  REQUIRE(sim.trajectory.size() == 80);
  for (std::size_t i = 0; i < 80; ++i) CHECK(local.trajectory[i].arch == sim.trajectory[i].arch);
}

TEST_CASE("journal: every retrain of a guided run is recorded once, also across a replay", "[engine][executors][guided][journal]") {
  const auto& t = nb201_table();
  auto oracle = [&] { return std::unique_ptr<Surrogate>(std::make_unique<test::OracleSurrogate>(t.table, t.col)); };
  const std::string path = (std::filesystem::temp_directory_path() / fmt::format("nas-test-retrains-{}.sqlite", ::getpid())).string();
  auto clean = [&] {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  };
  clean();
  for (bool async_retrain : {false, true}) {
    GuidedOptions o = guided(60, 4);
    o.retrain.asynchronous = async_retrain;
    const std::vector<std::uint64_t> seed{4};
    ExecutorOptions x;
    x.workers = 2;
    x.mode = async_retrain ? ExecutorOptions::Mode::async : ExecutorOptions::Mode::sync;
    auto journal = Journal::open(path, async_retrain ? "async" : "sync", "nb201");
    auto ev = [&](std::uint64_t) { return std::make_unique<datasets::TableEvaluator>(t.table, t.space, t.col, t.col); };
    const auto r = test::guided_runs(t.space, ev, oracle, o, x, Direction::maximise, seed, 1, journal.get())[0];
    const auto rows = journal->retrains(4);
    REQUIRE(!r.retrains.empty());
    REQUIRE(rows.size() == r.retrains.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      INFO("retrain " << i << (async_retrain ? " (async)" : " (sync)"));
      CHECK(rows[i].at_query == r.retrains[i].at_query);
      CHECK(rows[i].swapped_at_query == r.retrains[i].swapped_at_query);
      CHECK(rows[i].cells == r.retrains[i].cells);
      CHECK(rows[i].asynchronous == r.retrains[i].asynchronous);
    }
    // The finished run is only replayed: the same retrains come back, no row is added.
    const auto again = test::guided_runs(t.space, ev, oracle, o, x, Direction::maximise, seed, 1, journal.get())[0];
    CHECK(again.retrains.size() == r.retrains.size());
    CHECK(journal->retrains(4).size() == rows.size());
    journal.reset();
    clean();
  }
}

TEST_CASE("journal: a damaged file is refused, never read in part (found by fuzz_journal)", "[engine][journal]") {
  const auto& t = nb201_table();
  const std::string path = (std::filesystem::temp_directory_path() / fmt::format("nas-test-damaged-{}.sqlite", ::getpid())).string();
  auto clean = [&] {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  };
  clean();
  {
    auto j = Journal::open(path, "damaged", "nb201");
    Rng r(1);
    for (std::uint64_t i = 0; i < 400; ++i) {
      j->asked(0, Candidate{i, t.space.sample(r), 0.5, std::nullopt}, fmt::format("arch {} with a long enough text to fill several pages", i));
      j->result(0, i, make_evaluation(90, 91, 1, 100), EvaluationInfo{0, 0, 1});
    }
  }  // closed: the WAL is checkpointed into the file
  REQUIRE(std::filesystem::file_size(path) > 32768);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(16384);
    const std::string garbage(8192, '\xff');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  bool refused = false;
  try {
    auto j = Journal::open(path, "damaged", "nb201");
    const auto events = j->events(0);
    refused = events.size() == 800 && j->count(0) == 800;  // untouched rows only: then nothing was lost
  } catch (const DataError& e) {
    refused = true;
    CHECK_THAT(e.what(), Catch::Contains(path));
  }
  CHECK(refused);
  clean();
}

TEST_CASE("executors: guided steady state, simulated (same runs at 1, 2 and 8 threads) and local: nothing lost or repeated",
          "[engine][executors][guided]") {
  const auto& t = nb201_table();
  auto oracle = [&] { return std::unique_ptr<Surrogate>(std::make_unique<test::OracleSurrogate>(t.table, t.col)); };
  auto table_ev = [&](std::uint64_t) { return std::make_unique<datasets::TableEvaluator>(t.table, t.space, t.col, t.col); };
  ExecutorOptions x;
  x.kind = ExecutorOptions::Kind::simulated;
  x.mode = ExecutorOptions::Mode::async;
  x.workers = 16;
  x.cost = parse_cost_model("lognormal:60,0.7");
  const std::vector<std::uint64_t> seeds{1, 2, 3, 4};
  const auto a = test::guided_runs(t.space, table_ev, oracle, guided(300, 0), x, Direction::maximise, seeds, 1);
  for (int threads : {2, 8}) {
    const auto b = test::guided_runs(t.space, table_ev, oracle, guided(300, 0), x, Direction::maximise, seeds, threads);
    for (std::size_t s = 0; s < seeds.size(); ++s)
      for (std::size_t i = 0; i < 300; ++i) CHECK(a[s].trajectory[i].arch == b[s].trajectory[i].arch);  // 1 vs 2 and 8 threads
  }
  for (std::size_t s = 0; s < seeds.size(); ++s) {
    REQUIRE(a[s].trajectory.size() == 300);
    check_no_duplicates(a[s]);
    CHECK(a[s].utilisation > 0.75);
    CHECK(a[s].utilisation_before_drain == Approx(1.0).epsilon(1e-9));  // steady state: no worker waits while work remains
    CHECK(a[s].retrains.size() > 10);
  }
  x.kind = ExecutorOptions::Kind::local;
  x.workers = 8;
  const auto l = test::guided_runs(t.space, [](std::uint64_t) { return std::make_unique<SlowEvaluator>(400, 0); }, oracle, guided(300, 5),
                                     x, Direction::maximise, std::vector<std::uint64_t>{5}, 1)[0];
  REQUIRE(l.trajectory.size() == 300);
  check_no_duplicates(l);
}

TEST_CASE("executors: a surrogate fit that throws in an asynchronous retrain is reported to the caller", "[engine][executors][guided]") {
  class Failing final : public test::RandomSurrogate {
   public:
    Failing() : RandomSurrogate(0) {}
    TrainingStats fit(std::span<const Genome> a, std::span<const double> y, const FitOptions& f) override {
      if (++fits_ > 1) throw std::runtime_error("fit exploded");
      return RandomSurrogate::fit(a, y, f);
    }
    std::unique_ptr<Surrogate> clone() const override { return std::make_unique<Failing>(*this); }

   private:
    int fits_ = 0;
  };
  const auto& t = nb201_table();
  GuidedOptions o = guided(60, 1);
  o.retrain.asynchronous = true;
  datasets::TableEvaluator ev(t.table, t.space, t.col, t.col);
  std::unique_ptr<Surrogate> model = std::make_unique<Failing>();
  CHECK_THROWS_WITH(test::guided_once(t.space, ev, model, o), "fit exploded");
}

TEST_CASE("observers: a list calls each in order, any can stop the run, iterations are reported, progress lines", "[engine][executors]") {
  const auto& t = nb201_table();
  struct Counter final : GuidedObserver {
    std::size_t evaluations = 0, iterations = 0, retrains = 0, stop_after = 0;
    bool on_evaluation(const QueryRecord&) override { return ++evaluations != stop_after; }
    void on_retrain(const RetrainRecord&) override { ++retrains; }
    bool on_iteration(std::uint64_t, std::size_t ranked, std::size_t queued) override {
      CHECK(ranked > 0);
      CHECK(queued > 0);
      return ++iterations < 1000;
    }
  };
  Counter a, b;
  b.stop_after = 37;
  std::FILE* sink = std::tmpfile();
  ProgressReporter progress(sink, 100, 10, "test: ");
  ObserverList list{&a, &b, &progress};
  const std::vector<std::uint64_t> seed{2};
  const auto r = test::guided_runs(t.space, [&](std::uint64_t) { return t.evaluator(); },
                                     [&] { return std::unique_ptr<Surrogate>(std::make_unique<test::RandomSurrogate>(1)); }, guided(100, 2),
                                     ExecutorOptions{}, Direction::maximise, seed, 1, nullptr, &list)[0];
  CHECK(r.stopped_by_observer);
  CHECK(r.trajectory.size() == 37);
  CHECK(a.evaluations == 37);  // every observer saw every result
  CHECK(a.iterations >= 5);
  CHECK(a.retrains == r.retrains.size());
  std::rewind(sink);
  char line[256] = {};
  REQUIRE(std::fgets(line, sizeof line, sink));
  CHECK(std::string(line).find("test: ") == 0);
  std::fclose(sink);
}
