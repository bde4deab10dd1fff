// `nasengine`: the engine from Python (pybind11). Search spaces, benchmark tables, and search()
// for random / REA / guided with every option of `nas search` (bound by the same code as the CLI,
// so names, defaults, ranges and error messages are the CLI's), with either a table or a Python
// function as the evaluator. The GIL is released while the engine works and taken only to call a
// Python evaluator.
#include <pybind11/eval.h>
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "nas/study/experiment.hpp"
#include "nas/datasets/csv.hpp"
#include "nas/core/errors.hpp"
#include "nas/core/rng.hpp"
#include "nas/engine/executors.hpp"
#include "nas/engine/guided.hpp"
#include "nas/engine/run.hpp"
#include "nas/engine/summary.hpp"
#include <tbb/info.h>
#include "nas/mutation/spaces.hpp"
#include "nas/predictor/factory.hpp"
#include "nas/study/results.hpp"
#if NAS_STUDY_WITH_TORCH
#include <thread>

#include "nas/study/zc.hpp"
#include "nas/training/zero_cost.hpp"
#endif

namespace py = pybind11;
using namespace nas;

namespace {

py::object g_evaluation_failed;  // nasengine.EvaluationFailed (a Python exception class)

/// Python keyword arguments as option text: underscores become dashes, True/False for flags,
/// numbers as Python prints them (repr: the shortest round trip), None leaves the default.
void set_options(OptionSet& set, const py::dict& kwargs) {
  for (const auto& [k, v] : kwargs) {
    std::string key = py::str(k);
    for (auto& ch : key)
      if (ch == '_') ch = '-';
    if (!set.has(key)) {
      if (key == "out" || key == "resume" || key == "config")
        throw OptionError(fmt::format("{}: not available from Python (results are returned; use the nas CLI for journals)", key));
      set.set(key, "");  // throws: unknown option, with the list of known ones
    }
    if (v.is_none()) continue;
    if (py::isinstance<py::bool_>(v)) set.set(key, v.cast<bool>() ? "true" : "false");
    else if (py::isinstance<py::str>(v)) set.set(key, v.cast<std::string>());
    else set.set(key, py::str(py::repr(v)).cast<std::string>());
  }
}

/// search()'s options: those of `nas search`, from the same declarations.
std::unique_ptr<study::SearchConfig> search_config(const py::dict& kwargs) {
  auto c = std::make_unique<study::SearchConfig>(study::SearchConfig::Front::python);
  set_options(c->options, kwargs);
  c->finish();
  return c;
}

/// Table()'s options: the benchmark options of `nas search`.
study::ExperimentOptions experiment_options(const py::kwargs& kwargs) {
  study::ExperimentOptions x;
  OptionSet set;
  study::declare_experiment(set, x);
  set_options(set, kwargs);
  study::finish_experiment(set, x);
  return x;
}

/// A Python callable as an Evaluator: f(arch: str) -> float | (signal, reported) | dict with
/// signal, reported, cost_seconds, parameters. Takes the GIL for the call. Raising
/// nasengine.EvaluationFailed(kind, message) records a failure and the run goes on; any other
/// exception ends the run and reaches the caller of search() as it was raised.
class PyEvaluator final : public Evaluator {
 public:
  PyEvaluator(py::object f, const SearchSpace& space, Direction d) : f_(std::move(f)), space_(space), direction_(d) {}
  ~PyEvaluator() override {
    py::gil_scoped_acquire gil;
    f_ = py::object();
  }
  Evaluation evaluate(const Genome& g) override {
    const std::string arch = space_.format(g);
    py::gil_scoped_acquire gil;
    py::object r;
    try {
      r = f_(arch);
    } catch (py::error_already_set& e) {
      if (e.matches(g_evaluation_failed)) {
        const auto kind = py::str(e.value().attr("kind")).cast<std::string>();
        const auto message = py::str(e.value()).cast<std::string>();
        FailureKind k = FailureKind::error;
        for (auto c : {FailureKind::diverged, FailureKind::out_of_memory, FailureKind::lost_worker, FailureKind::error})
          if (failure_kind_name(c) == kind) k = c;
        throw EvaluationFailed(k, message);
      }
      throw;
    }
    ++queries_;
    Evaluation e;
    if (py::isinstance<py::dict>(r)) {
      const auto d = r.cast<py::dict>();
      if (!d.contains("signal")) throw OptionError(fmt::format("evaluator({}): the dict it returned has no 'signal'", arch));
      e.signal = d["signal"].cast<double>();
      e.reported = d.contains("reported") ? d["reported"].cast<double>() : e.signal;
      if (d.contains("cost_seconds")) e.cost_seconds = d["cost_seconds"].cast<double>();
      if (d.contains("parameters")) e.parameters = d["parameters"].cast<std::int64_t>();
      // Recorded with the result (trajectory, journal); no search optimises them yet.
      if (d.contains("objectives")) e.objectives = d["objectives"].cast<std::vector<double>>();
      if (d.contains("metrics"))
        for (const auto& [k, v] : d["metrics"].cast<py::dict>()) e.metrics.emplace_back(k.cast<std::string>(), v.cast<double>());
      if (d.contains("pruned")) e.pruned = d["pruned"].cast<bool>();
    } else if (py::isinstance<py::tuple>(r) && py::len(r) == 2) {
      const auto t = r.cast<py::tuple>();
      e.signal = t[0].cast<double>();
      e.reported = t[1].cast<double>();
    } else {
      try {
        e.signal = e.reported = r.cast<double>();
      } catch (const py::cast_error&) {
        throw OptionError(fmt::format("evaluator({}) returned {}; expected a number, (signal, reported) or a dict with 'signal'", arch,
                                      py::str(py::repr(r)).cast<std::string>()));
      }
    }
    if (!std::isfinite(e.signal)) throw EvaluationFailed(FailureKind::diverged, fmt::format("evaluator({}) returned {}", arch, e.signal));
    return e;
  }
  Direction direction() const override { return direction_; }
  std::uint64_t queries() const override { return queries_; }

 private:
  py::object f_;
  const SearchSpace& space_;
  Direction direction_;
  std::uint64_t queries_ = 0;
};

py::dict run_to_dict(const SearchResult& r, const SearchSpace& space, bool with_model, std::size_t budget, const Resources& resources,
                     const study::ObjectiveTable* objectives = nullptr) {
  const RunSummary summary = summarize(r, space, budget, resources);
  const SearchResult* g = with_model ? &r : nullptr;
  py::list traj;
  std::vector<double> best;
  for (const auto& q : r.trajectory) {
    py::dict d;
    d["query"] = q.query;
    d["arch"] = space.format(q.arch);
    d["signal"] = q.signal;
    d["reported"] = q.reported;
    d["best_signal"] = q.best_signal;
    d["best_reported"] = q.best_reported;
    d["cost_seconds"] = q.cost_seconds;
    d["parameters"] = q.parameters;
    d["worker"] = q.worker;
    d["submitted"] = q.submitted;
    d["finished"] = q.finished;
    // Multi-fidelity and multi-objective records only.
    if (q.fidelity) d["fidelity"] = py::make_tuple(q.fidelity->resource, q.fidelity->amount);
    if (q.pruned) d["pruned"] = true;
    if (!q.objectives.empty()) d["objectives"] = q.objectives;
    if (!q.metrics.empty()) {
      py::dict m;
      for (const auto& [k, v] : q.metrics) m[py::str(k)] = v;
      d["metrics"] = m;
      d["feasible"] = q.violation == 0;
    }
    traj.append(d);
    best.push_back(q.best_reported);
  }
  py::list failures;
  for (const auto& f : r.failures) {
    py::dict d;
    d["candidate"] = f.candidate;
    d["arch"] = space.format(f.arch);
    d["kind"] = std::string(failure_kind_name(f.kind));
    d["reason"] = f.reason;
    failures.append(d);
  }
  py::dict out;
  out["trajectory"] = traj;
  out["failures"] = failures;
  out["best_reported"] = py::array_t<double>(static_cast<py::ssize_t>(best.size()), best.data());
  if (const QueryRecord* q = r.incumbent())
    out["incumbent"] = py::dict(py::arg("arch") = space.format(q->arch), py::arg("signal") = q->signal, py::arg("reported") = q->reported);
  if (objectives) {
    // Several objectives: the run's Pareto front (as <out>/pareto/seed_<s>.csv) and its share of
    // the table front's hypervolume (as summary.json's).
    py::list front;
    for (std::size_t i : pareto_front(r, objectives->mo)) {
      const QueryRecord& q = r.trajectory[i];
      py::dict d;
      d["query"] = q.query;
      d["arch"] = space.format(q.arch);
      for (std::size_t k = 0; k < objectives->objective_names.size(); ++k) d[py::str(objectives->objective_names[k])] = q.objectives[k];
      front.append(d);
    }
    out["front"] = front;
    if (objectives->mo.multi() && objectives->front_hypervolume > 0)
      out["hypervolume_fraction"] = front_hypervolume(r, objectives->mo, objectives->reference) / objectives->front_hypervolume;
  }
  out["wall_seconds"] = r.wall_seconds;
  out["utilisation"] = r.utilisation;
  out["makespan"] = r.makespan;
  out["space_exhausted"] = r.space_exhausted;
  out["time_budget_reached"] = r.time_budget_reached;
  py::list anytime;  // (clock, cost, best reported) at each change of incumbent
  for (const auto& p : summary.anytime) anytime.append(py::make_tuple(p.clock, p.cost, p.best_reported));
  out["anytime"] = anytime;
  out["too_many_failures"] = r.too_many_failures;
  out["termination"] = std::string(termination_name(summary.termination));
  out["message"] = summary.message;
  out["summary"] = summary.report();
  out["device"] = summary.resources.device_used;
  out["threads_used"] = summary.resources.threads_used;
  if (g) {
    py::list retrains;
    for (const auto& t : g->retrains) {
      py::dict d;
      d["at_query"] = t.at_query;
      d["cells"] = t.cells;
      d["seconds"] = t.seconds;
      d["epochs"] = t.epochs;
      d["asynchronous"] = t.asynchronous;
      d["swapped_at_query"] = t.swapped_at_query;
      d["online_tau"] = t.online_tau;
      retrains.append(d);
    }
    out["retrains"] = retrains;
    out["seconds_training"] = g->seconds_training;
    out["seconds_scoring"] = g->seconds_scoring;
  }
  return out;
}

/// nasengine.search(**options, evaluator=None, direction="maximise")
py::list search(py::object evaluator, const std::string& direction, const py::kwargs& kwargs) {
  // evaluator="table" / "train" is the option of `nas search` (as a config.toml holds it); a
  // callable is a Python evaluator.
  py::dict options(kwargs);
  if (py::isinstance<py::str>(evaluator)) {
    options["evaluator"] = evaluator;
    evaluator = py::none();
  }
  const auto config = search_config(options);
  study::SearchConfig& c = *config;
  const bool guided = c.is_guided();
  const std::size_t n_seeds = c.seeds;
  const std::uint64_t seed_base = c.seed_base;
  const int threads = c.threads;
  const int parallel = c.parallel_runs;
  std::vector<std::uint64_t> seeds(n_seeds);
  std::iota(seeds.begin(), seeds.end(), seed_base);
  if (direction != "maximise" && direction != "minimise")
    throw OptionError(fmt::format("direction {}: expected maximise or minimise", direction));

  // The evaluator: the benchmark table (as `nas search`), or the Python function.
  std::unique_ptr<study::Experiment> x;
  std::unique_ptr<SearchSpace> own_space;
  const SearchSpace* space = nullptr;
  Direction dir = direction == "minimise" ? Direction::minimise : Direction::maximise;
  std::function<std::unique_ptr<Evaluator>(std::uint64_t)> make;
  if (evaluator.is_none()) {
    if (c.evaluator != "table") throw OptionError("evaluator: only the table, or a Python function as evaluator=, from Python");
    x = std::make_unique<study::Experiment>(study::load_experiment(c));
    space = x->space.get();
    dir = x->direction;
    make = [&x](std::uint64_t seed) { return x->evaluator(seed); };
  } else {
    if (!PyCallable_Check(evaluator.ptr())) throw OptionError("evaluator: expected a callable f(arch: str)");
    if (c.fidelity.multi())
      throw OptionError(fmt::format("fidelities: a Python evaluator answers at full fidelity only; run algo=\"{}\" on a table (nb201: 12,200)", c.algo));
    own_space = make_space(c.experiment.space);
    space = own_space.get();
    make = [&evaluator, space, dir](std::uint64_t) -> std::unique_ptr<Evaluator> {
      py::gil_scoped_acquire gil;
      return std::make_unique<PyEvaluator>(evaluator, *space, dir);
    };
  }
  const EvaluatorFactory factory(make);
  const ExecutorOptions xo = study::executor_options(c, [&](const std::string& name) -> CostModel {
    if (!x) throw OptionError(fmt::format("--cost-model column:{}: no table to read durations from with a Python evaluator", name));
    return x->column_cost(name);
  });
  const Resources resources{threads, threads > 0 ? threads : static_cast<int>(tbb::info::default_concurrency()), guided ? c.predictor.device : "",
                            ""};
  if (x) study::check_run_fits(c, *x);
  RunOptions ro = study::run_options(c, seeds, dir);
  ro.executor = xo;
  // A Python evaluator holds the GIL: its runs go one after another.
  ro.threads = !evaluator.is_none() ? 1 : guided ? parallel : threads;
  std::vector<SearchResult> runs;
  {
    py::gil_scoped_release release;
    with_threads(threads, [&] { runs = run(*space, study::make_search_factory(c, *space), factory, ro); });
  }
  py::list out;
  for (const auto& r : runs) out.append(run_to_dict(r, *space, guided, study::run_budget(c), resources, x ? x->objectives.get() : nullptr));
  return out;
}

/// Space.zc / Table.zc: zero-cost scores of one architecture (a dict) or of a list (a list of
/// dicts, in order), with the options of `nas zc` as keywords (batch_size, seed, data, data_path,
/// channels, cells, threads). A missing score (not finite) is None.
py::object zc_scores(const std::string& space, const py::object& archs, const std::string& proxies, const std::string& dataset,
                     const py::kwargs& kwargs) {
#if NAS_STUDY_WITH_TORCH
  study::ZcConfig c;
  for (const char* k : {"space", "arch", "proxies", "dataset", "table", "arch_column", "out"})
    if (kwargs.contains(k)) throw OptionError(fmt::format("zc(): {} is an argument of its own here, not a keyword option", k));
  set_options(c.options, kwargs);
  c.options.set("space", space);
  c.options.set("proxies", proxies);
  c.options.set("dataset", dataset);
  const bool one = py::isinstance<py::str>(archs);
  std::vector<std::string> list = one ? std::vector<std::string>{archs.cast<std::string>()} : archs.cast<std::vector<std::string>>();
  if (list.empty()) return py::list();
  std::string joined;
  for (const auto& a : list) joined += (joined.empty() ? "" : ";") + a;
  c.options.set("arch", joined);
  std::vector<std::vector<training::ZcScore>> scores(list.size());
  std::vector<std::string> names;
  {
    py::gil_scoped_release release;
    const auto sp = make_space(c.space);
    const auto options = study::zc_options(c);
    names = options.proxies;
    std::vector<Genome> cells;
    for (const auto& a : list) cells.push_back(sp->parse(a));
    const auto batch = study::zc_batch(c);
    const int threads = c.threads > 0 ? c.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    training::score_cells(*sp, cells, batch, options, threads, [&](std::size_t i, const std::vector<training::ZcScore>& s) { scores[i] = s; });
  }
  py::list out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    py::dict d, seconds;
    d["arch"] = list[i];
    for (std::size_t p = 0; p < names.size(); ++p) {
      d[py::str(names[p])] = std::isfinite(scores[i][p].value) ? py::object(py::float_(scores[i][p].value)) : py::object(py::none());
      seconds[py::str(names[p])] = scores[i][p].seconds;
    }
    d["seconds"] = seconds;
    out.append(d);
  }
  return one ? out[0] : py::object(out);
#else
  (void)space, (void)archs, (void)proxies, (void)dataset, (void)kwargs;
  throw OptionError(study::without_models("zc() (zero-cost proxies)"));
#endif
}

/// A search space by name, with architectures as the benchmark's own strings.
class PySpace {
 public:
  explicit PySpace(const std::string& name) : s_(make_space(name)) {}
  std::string name() const { return std::string(s_->name()); }
  std::optional<std::uint64_t> size() const { return s_->size(); }
  std::string parse(const std::string& a) const { return s_->format(s_->parse(a)); }
  bool valid(const std::string& a) const {
    try {
      return s_->valid(s_->parse(a));
    } catch (const std::exception&) {
      return false;
    }
  }
  std::string sample(std::uint64_t seed) const {
    Rng r(seed);
    return s_->format(s_->sample(r));
  }
  std::string mutate(const std::string& a, std::uint64_t seed) const {
    Rng r(seed);
    return s_->format(s_->mutate(s_->parse(a), r));
  }
  std::string canonical_hash(const std::string& a) const { return s_->canonical_hash(s_->parse(a)).hex(); }
  py::array_t<float> encode(const std::string& a) const {
    const auto v = s_->flat_encoding(s_->parse(a));
    return py::array_t<float>(static_cast<py::ssize_t>(v.size()), v.data());
  }
  std::string at(std::uint64_t i) const {
    if (!s_->size() || i >= *s_->size()) throw OptionError(fmt::format("at({}): the space has {} architectures", i, s_->size().value_or(0)));
    return s_->format(s_->at(i));
  }
  py::object zc(const py::object& archs, const std::string& proxies, const std::string& dataset, const py::kwargs& kw) const {
    return zc_scores(name(), archs, proxies, dataset, kw);
  }

 private:
  std::unique_ptr<SearchSpace> s_;
};

/// A benchmark table, loaded as `nas search` loads it (same options: space, dataset, table, ...).
class PyTable {
 public:
  explicit PyTable(const py::kwargs& kwargs) : x_(study::load_experiment(experiment_options(kwargs))) {}
  std::size_t rows() const { return x_.table->rows(); }
  std::vector<std::string> columns() const { return x_.table->columns(); }
  std::string path() const { return x_.table->path(); }
  std::string signal() const { return x_.signal_name(); }
  std::string reported() const { return x_.reported_name(); }
  double value(const std::string& arch, const std::string& column) const {
    const auto row = x_.table->find(x_.space->parse(arch));
    if (!row) throw UnknownArchitecture(fmt::format("{}: no row for {}", x_.table->path(), arch));
    return x_.table->value(*row, x_.table->column(column));
  }
  double optimum(const std::string& column) const { return x_.table->optimum(x_.table->column(column), x_.direction); }
  std::vector<std::string> archs() const {
    std::vector<std::string> a;
    a.reserve(rows());
    for (std::size_t r = 0; r < rows(); ++r) a.push_back(x_.space->format(x_.table->genome(r)));
    return a;
  }
  py::array_t<double> values(const std::string& column) const {
    const auto& v = x_.table->values(x_.table->column(column));
    return py::array_t<double>(static_cast<py::ssize_t>(v.size()), v.data());
  }
  /// The table's dataset as zero-cost input shape (NB201's imagenet16 is ImageNet16-120).
  py::object zc(const py::object& archs, const std::string& proxies, const py::object& dataset, const py::kwargs& kw) const {
    std::string d = dataset.is_none() ? x_.dataset : dataset.cast<std::string>();
    if (d == "imagenet16") d = "ImageNet16-120";
    return zc_scores(std::string(x_.space->name()), archs, proxies, d, kw);
  }

 private:
  study::Experiment x_;
};

}  // namespace

PYBIND11_MODULE(nasengine, m) {
  m.doc() = "Evolutionary neural-architecture search in C++ (random, REA, surrogate-guided) with tabular benchmarks or a Python evaluator";
  // C++ errors arrive with their message: OptionError as nasengine.OptionError (a ValueError),
  // DataError as nasengine.DataError, an unknown architecture as nasengine.UnknownArchitecture.
  py::register_exception<OptionError>(m, "OptionError", PyExc_ValueError);
  py::register_exception<DataError>(m, "DataError", PyExc_RuntimeError);
  py::register_exception<UnknownArchitecture>(m, "UnknownArchitecture", PyExc_KeyError);
  // Raised by a Python evaluator for a failure the search survives: kind is one of diverged,
  // out_of_memory, lost_worker, error.
  py::exec(R"(
class EvaluationFailed(Exception):
    """Raise from an evaluator: the candidate is recorded as failed (kind: diverged,
    out_of_memory, lost_worker or error) and the search goes on."""
    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind
)", m.attr("__dict__"));
  g_evaluation_failed = m.attr("EvaluationFailed");
  auto atexit = py::module_::import("atexit");
  atexit.attr("register")(py::cpp_function([] { g_evaluation_failed = py::object(); }));

  m.def("search", &search, py::arg("evaluator") = py::none(), py::arg("direction") = "maximise",
        R"(Runs searches as `nas search` does and returns one dict per seed: trajectory (list of dicts:
query, arch, signal, reported, best_signal, best_reported, cost_seconds, parameters, worker,
submitted, finished), failures, best_reported (numpy array per query), incumbent, wall_seconds,
utilisation, makespan, and for guided runs retrains and seconds_training / seconds_scoring.
Options are those of `nas search --help` as keywords (algo="guided", budget=100, top_k=5, ...;
flags as True). Without evaluator=, the benchmark table of space/dataset evaluates (as the CLI);
with evaluator=f, f(arch: str) returns a number, (signal, reported) or a dict with signal,
reported, cost_seconds, parameters, and may raise EvaluationFailed. seeds defaults to 1.)");
  py::class_<PySpace>(m, "Space")
      .def(py::init<const std::string&>(), py::arg("name"))
      .def_property_readonly("name", &PySpace::name)
      .def_property_readonly("size", &PySpace::size, "number of architectures, None if not enumerable")
      .def("parse", &PySpace::parse, "the architecture string normalised (raises OptionError/DataError if invalid)")
      .def("valid", &PySpace::valid)
      .def("sample", &PySpace::sample, py::arg("seed"))
      .def("mutate", &PySpace::mutate, py::arg("arch"), py::arg("seed"))
      .def("canonical_hash", &PySpace::canonical_hash, "32 hex digits; equal for isomorphic architectures")
      .def("encode", &PySpace::encode, "flat one-hot encoding as a numpy float32 array")
      .def("at", &PySpace::at, py::arg("index"))
      .def("zc", &PySpace::zc, py::arg("arch"), py::arg("proxies") = "synflow", py::arg("dataset") = "cifar10",
           "zero-cost proxy scores of an architecture (a dict: each proxy, None if missing, and seconds) or of a list of them (a list "
           "of dicts); keywords as `nas zc`'s options: batch_size, seed, data, data_path, channels, cells, threads");
  py::class_<PyTable>(m, "Table")
      .def(py::init<const py::kwargs&>(), "Table(space='nb201', dataset='cifar10', data_dir=..., table=..., signal=..., reported=...)")
      .def_property_readonly("rows", &PyTable::rows)
      .def_property_readonly("columns", &PyTable::columns)
      .def_property_readonly("path", &PyTable::path)
      .def_property_readonly("signal", &PyTable::signal)
      .def_property_readonly("reported", &PyTable::reported)
      .def("value", &PyTable::value, py::arg("arch"), py::arg("column"))
      .def("optimum", &PyTable::optimum, py::arg("column"))
      .def("archs", &PyTable::archs)
      .def("values", &PyTable::values, py::arg("column"))
      .def("zc", &PyTable::zc, py::arg("arch"), py::arg("proxies") = "synflow", py::arg("dataset") = py::none(),
           "zero-cost proxy scores as Space.zc, the input shape of the table's dataset by default");
  m.attr("spaces") = space_names();
  m.attr("__version__") = study::version();
  m.def("read_csv", [](const std::string& path) {
    const auto f = datasets::CsvFile::read(path);
    py::dict out;
    for (std::size_t c = 0; c < f.header().size(); ++c) {
      py::list col;
      for (std::size_t r = 0; r < f.rows(); ++r) col.append(std::string(f.field(r, c)));
      out[py::str(f.header()[c])] = col;
    }
    return out;
  }, py::arg("path"), "a CSV file read by the project's strict reader (RFC 4180): {column: [text, ...]}; DataError names file, line, column");
  m.def("options", [] {
    study::SearchConfig c(study::SearchConfig::Front::python);
    py::list out;
    for (const auto& o : c.options.options()) {
      std::string key = o.name;
      for (auto& ch : key)
        if (ch == '-') ch = '_';
      out.append(py::dict(py::arg("name") = key, py::arg("default") = o.get(), py::arg("type") = o.type_name(), py::arg("group") = o.group,
                          py::arg("help") = o.help));
    }
    return out;
  }, "every option of search() (the declarations nas search --help prints): name, default, type, group, help");
}
