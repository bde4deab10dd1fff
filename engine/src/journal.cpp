#include "nas/engine/journal.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <chrono>
#include <deque>
#include <mutex>

#include <fmt/format.h>
#include <sqlite3.h>

#include <stdexcept>

#include "nas/core/errors.hpp"

namespace nas {
namespace {

constexpr const char* kFormat = "nas-journal 2";  // 2: fidelity, pruned, objectives, metrics

std::string join_numbers(const std::vector<double>& v) {
  std::string s;
  for (double x : v) s += (s.empty() ? "" : ";") + fmt::format("{:.17g}", x);
  return s;
}
std::string join_metrics(const std::vector<std::pair<std::string, double>>& v) {
  std::string s;
  for (const auto& [k, x] : v) s += (s.empty() ? "" : ";") + k + "=" + fmt::format("{:.17g}", x);
  return s;
}
std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t a = 0;
  while (a <= s.size() && !s.empty()) {
    const auto b = s.find(';', a);
    out.push_back(s.substr(a, b == std::string::npos ? std::string::npos : b - a));
    if (b == std::string::npos) break;
    a = b + 1;
  }
  return out;
}

const char* kind_name(JournalEvent::Kind k) {
  switch (k) {
    case JournalEvent::Kind::ask: return "ask";
    case JournalEvent::Kind::result: return "result";
    case JournalEvent::Kind::failure: return "failure";
    case JournalEvent::Kind::swap: return "swap";
  }
  return "?";
}

FailureKind parse_failure(const std::string& s) {
  for (auto k : {FailureKind::diverged, FailureKind::out_of_memory, FailureKind::lost_worker, FailureKind::error})
    if (failure_kind_name(k) == s) return k;
  return FailureKind::error;
}

}  // namespace

struct Journal::Impl {
  sqlite3* db = nullptr;
  sqlite3_stmt* insert = nullptr;
  std::string path;
  mutable std::mutex m;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();

  [[noreturn]] void fail(const std::string& what) const {
    throw DataError(fmt::format("{}: journal: {}: {}", path, what, db ? sqlite3_errmsg(db) : "cannot open"));
  }
  void exec(const char* sql) const {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      const std::string e = err ? err : "?";
      sqlite3_free(err);
      throw DataError(fmt::format("{}: journal: {} ({})", path, e, sql));
    }
  }
  std::optional<std::string> meta(const char* key) const {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, nullptr) != SQLITE_OK) fail("reading meta");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    std::optional<std::string> v;
    if (sqlite3_step(st) == SQLITE_ROW) v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
  }
  void set_meta(const char* key, const std::string& value) const {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", -1, &st, nullptr) != SQLITE_OK) fail("writing meta");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value.c_str(), -1, SQLITE_TRANSIENT);
    const int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) fail("writing meta");
  }
  /// Finalizes a statement stepped to `rc`; anything but the end of its rows (a damaged file,
  /// an I/O error) throws DataError with SQLite's reason: a journal is never read in part.
  void done(sqlite3_stmt* st, int rc, const char* what) const {
    const std::string reason = rc == SQLITE_DONE ? std::string() : sqlite3_errmsg(db);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) throw DataError(fmt::format("{}: journal: {}: {} (is the file damaged?)", path, what, reason));
  }
  /// A prepared statement whose first parameter is bound to `seed` (the caller finalizes it).
  sqlite3_stmt* for_run(const char* sql, std::uint64_t seed, const char* what) const {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) fail(what);
    sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(seed));
    return st;
  }
  // One row per event, each its own transaction: once written, a result survives a crash.
  void add(std::uint64_t seed, JournalEvent::Kind kind, std::uint64_t cand, const std::string* arch, double predicted, const Evaluation* e,
           const EvaluationInfo* info, const std::string* failure, const std::string* reason, const std::optional<Fidelity>& fidelity = {}) {
    std::lock_guard lock(m);
    sqlite3_reset(insert);
    sqlite3_clear_bindings(insert);
    sqlite3_bind_int64(insert, 1, static_cast<sqlite3_int64>(seed));
    sqlite3_bind_text(insert, 2, kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_int64(insert, 3, static_cast<sqlite3_int64>(cand));
    if (arch) sqlite3_bind_text(insert, 4, arch->c_str(), -1, SQLITE_TRANSIENT);
    if (kind == JournalEvent::Kind::ask) sqlite3_bind_double(insert, 5, predicted);
    if (e) {
      sqlite3_bind_double(insert, 6, e->signal);
      sqlite3_bind_double(insert, 7, e->reported);
      sqlite3_bind_double(insert, 8, e->cost_seconds);
      sqlite3_bind_int64(insert, 9, e->parameters);
    }
    if (info) {
      sqlite3_bind_int(insert, 10, info->worker);
      sqlite3_bind_double(insert, 11, info->submitted);
      sqlite3_bind_double(insert, 12, info->finished);
    }
    if (failure) sqlite3_bind_text(insert, 13, failure->c_str(), -1, SQLITE_TRANSIENT);
    if (reason) sqlite3_bind_text(insert, 14, reason->c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(insert, 15, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (fidelity) {
      sqlite3_bind_text(insert, 16, fidelity->resource.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_double(insert, 17, fidelity->amount);
    }
    if (e) {
      sqlite3_bind_int(insert, 18, e->pruned ? 1 : 0);
      if (!e->objectives.empty()) sqlite3_bind_text(insert, 19, join_numbers(e->objectives).c_str(), -1, SQLITE_TRANSIENT);
      if (!e->metrics.empty()) sqlite3_bind_text(insert, 20, join_metrics(e->metrics).c_str(), -1, SQLITE_TRANSIENT);
    }
    if (sqlite3_step(insert) != SQLITE_DONE) fail("writing an event");
  }
};

Journal::Journal() : impl_(std::make_unique<Impl>()) {}

Journal::~Journal() {
  if (impl_->insert) sqlite3_finalize(impl_->insert);
  if (impl_->db) sqlite3_close(impl_->db);
}

std::unique_ptr<Journal> Journal::open(const std::string& path, const std::string& config, const std::string& space) {
  std::unique_ptr<Journal> j(new Journal());
  auto& d = *j->impl_;
  d.path = path;
  if (sqlite3_open_v2(path.c_str(), &d.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK)
    d.fail("cannot open");
  sqlite3_busy_timeout(d.db, 5000);
  try {
    d.exec("PRAGMA journal_mode=WAL");
  } catch (const DataError&) {
    throw DataError(fmt::format("{}: not a SQLite journal (or not writable)", path));
  }
  d.exec("PRAGMA synchronous=NORMAL");  // WAL + NORMAL: a committed row survives a killed process
  d.exec("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT)");
  d.exec(
      "CREATE TABLE IF NOT EXISTS events(seq INTEGER PRIMARY KEY AUTOINCREMENT, run_seed INTEGER, kind TEXT, candidate INTEGER, arch TEXT, "
      "predicted REAL, signal REAL, reported REAL, cost_seconds REAL, params INTEGER, worker INTEGER, submitted REAL, finished REAL, "
      "failure TEXT, reason TEXT, at REAL, fidelity_resource TEXT, fidelity_amount REAL, pruned INTEGER, objectives TEXT, metrics TEXT)");
  d.exec("CREATE INDEX IF NOT EXISTS events_run ON events(run_seed, seq)");
  d.exec("CREATE TABLE IF NOT EXISTS runs(run_seed INTEGER PRIMARY KEY, finished INTEGER)");
  // Every surrogate retrain of a guided run (journals from before this table simply lack it).
  d.exec(
      "CREATE TABLE IF NOT EXISTS retrains(run_seed INTEGER, at_query INTEGER, cells INTEGER, seconds REAL, epochs INTEGER, warm INTEGER, "
      "asynchronous INTEGER, swapped_at_query INTEGER, online_tau REAL, online_cells INTEGER, at REAL, PRIMARY KEY(run_seed, at_query))");
  const auto format = d.meta("format");
  if (!format) {
    d.set_meta("format", kFormat);
    d.set_meta("config", config);
    d.set_meta("space", space);
  } else {
    if (*format != kFormat)
      throw OptionError(fmt::format("{}: journal format '{}'; this program (nas {}) reads and writes '{}' only ('nas-journal 1' was written "
                                    "before fidelities, objectives and pruning were recorded): finish that run with the nas that started it, "
                                    "or start again with another --out",
                                    path, *format, NAS_ENGINE_VERSION, kFormat));
    const auto old = d.meta("config").value_or("");
    if (old != config) {
      // Name the first line that differs: the option that changed.
      std::size_t a = 0, b = 0;
      for (;;) {
        const auto ea = old.find('\n', a), eb = config.find('\n', b);
        const std::string la = old.substr(a, ea - a), lb = config.substr(b, eb - b);
        if (la != lb)
          throw OptionError(fmt::format("{} belongs to another run: its configuration has '{}' where this one has '{}'; use another --out "
                                        "(or delete that folder to start again)",
                                        path, la, lb));
        if (ea == std::string::npos || eb == std::string::npos) break;
        a = ea + 1, b = eb + 1;
      }
      throw OptionError(fmt::format("{} belongs to another run (different configuration); use another --out", path));
    }
  }
  if (sqlite3_prepare_v2(d.db,
                         "INSERT INTO events(run_seed, kind, candidate, arch, predicted, signal, reported, cost_seconds, params, worker, "
                         "submitted, finished, failure, reason, at, fidelity_resource, fidelity_amount, pruned, objectives, metrics) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         -1, &d.insert, nullptr) != SQLITE_OK)
    d.fail("preparing");
  return j;
}

const std::string& Journal::path() const { return impl_->path; }

void Journal::asked(std::uint64_t seed, const Candidate& c, const std::string& arch) {
  impl_->add(seed, JournalEvent::Kind::ask, c.id, &arch, c.predicted, nullptr, nullptr, nullptr, nullptr, c.fidelity);
}
void Journal::result(std::uint64_t seed, std::uint64_t cand, const Evaluation& e, const EvaluationInfo& info) {
  impl_->add(seed, JournalEvent::Kind::result, cand, nullptr, 0, &e, &info, nullptr, nullptr);
}
void Journal::failure(std::uint64_t seed, std::uint64_t cand, FailureKind kind, const std::string& reason, const EvaluationInfo& info) {
  const std::string k(failure_kind_name(kind));
  impl_->add(seed, JournalEvent::Kind::failure, cand, nullptr, 0, nullptr, &info, &k, &reason);
}
void Journal::swapped(std::uint64_t seed) { impl_->add(seed, JournalEvent::Kind::swap, 0, nullptr, 0, nullptr, nullptr, nullptr, nullptr); }

void Journal::retrained(std::uint64_t seed, const RetrainRecord& r) {
  auto& d = *impl_;
  std::lock_guard lock(d.m);
  sqlite3_stmt* st = nullptr;
  // OR IGNORE: a replay that repeats a recorded retrain keeps the original row (its timing).
  if (sqlite3_prepare_v2(d.db,
                         "INSERT OR IGNORE INTO retrains(run_seed, at_query, cells, seconds, epochs, warm, asynchronous, swapped_at_query, "
                         "online_tau, online_cells, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         -1, &st, nullptr) != SQLITE_OK)
    d.fail("preparing a retrain row");
  sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(seed));
  sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(r.at_query));
  sqlite3_bind_int64(st, 3, static_cast<sqlite3_int64>(r.cells));
  sqlite3_bind_double(st, 4, r.seconds);
  sqlite3_bind_int(st, 5, r.epochs);
  sqlite3_bind_int(st, 6, r.warm ? 1 : 0);
  sqlite3_bind_int(st, 7, r.asynchronous ? 1 : 0);
  sqlite3_bind_int64(st, 8, static_cast<sqlite3_int64>(r.swapped_at_query));
  if (std::isfinite(r.online_tau)) sqlite3_bind_double(st, 9, r.online_tau);  // NULL: too few cells to say
  sqlite3_bind_int64(st, 10, static_cast<sqlite3_int64>(r.online_cells));
  sqlite3_bind_double(st, 11, std::chrono::duration<double>(std::chrono::steady_clock::now() - d.t0).count());
  const int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) d.fail("writing a retrain row");
}

std::vector<RetrainRecord> Journal::retrains(std::uint64_t seed) const {
  std::lock_guard lock(impl_->m);
  sqlite3_stmt* st = impl_->for_run(
      "SELECT at_query, cells, seconds, epochs, warm, asynchronous, swapped_at_query, online_tau, online_cells FROM retrains "
      "WHERE run_seed = ? ORDER BY at_query",
      seed, "reading retrains");
  std::vector<RetrainRecord> out;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    RetrainRecord r;
    r.at_query = static_cast<std::size_t>(sqlite3_column_int64(st, 0));
    r.cells = static_cast<std::size_t>(sqlite3_column_int64(st, 1));
    r.seconds = sqlite3_column_double(st, 2);
    r.epochs = sqlite3_column_int(st, 3);
    r.warm = sqlite3_column_int(st, 4) != 0;
    r.asynchronous = sqlite3_column_int(st, 5) != 0;
    r.swapped_at_query = static_cast<std::size_t>(sqlite3_column_int64(st, 6));
    r.online_tau = sqlite3_column_type(st, 7) == SQLITE_NULL ? std::numeric_limits<double>::quiet_NaN() : sqlite3_column_double(st, 7);
    r.online_cells = static_cast<std::size_t>(sqlite3_column_int64(st, 8));
    out.push_back(r);
  }
  impl_->done(st, rc, "reading retrains");
  return out;
}

void Journal::run_finished(std::uint64_t seed) {
  std::lock_guard lock(impl_->m);
  impl_->exec(fmt::format("INSERT OR REPLACE INTO runs(run_seed, finished) VALUES ({}, 1)", static_cast<long long>(seed)).c_str());
}

bool Journal::finished(std::uint64_t seed) const {
  std::lock_guard lock(impl_->m);
  sqlite3_stmt* st = impl_->for_run("SELECT finished FROM runs WHERE run_seed = ?", seed, "reading runs");
  int rc = sqlite3_step(st);
  const bool f = rc == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
  if (rc == SQLITE_ROW) rc = sqlite3_step(st);  // at most one row per run
  impl_->done(st, rc, "reading runs");
  return f;
}

std::size_t Journal::count(std::uint64_t seed, std::optional<JournalEvent::Kind> kind) const {
  std::lock_guard lock(impl_->m);
  sqlite3_stmt* st = impl_->for_run(kind ? "SELECT COUNT(*) FROM events WHERE run_seed = ? AND kind = ?" : "SELECT COUNT(*) FROM events WHERE run_seed = ?",
                                    seed, "counting events");
  if (kind) sqlite3_bind_text(st, 2, kind_name(*kind), -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  const std::size_t n = rc == SQLITE_ROW ? static_cast<std::size_t>(sqlite3_column_int64(st, 0)) : 0;
  if (rc == SQLITE_ROW) rc = sqlite3_step(st);
  impl_->done(st, rc, "counting events");
  return n;
}

std::vector<JournalEvent> Journal::events(std::uint64_t seed) const {
  std::lock_guard lock(impl_->m);
  sqlite3_stmt* st = impl_->for_run(
      "SELECT kind, candidate, arch, predicted, signal, reported, cost_seconds, params, worker, submitted, finished, failure, "
      "reason, fidelity_resource, fidelity_amount, pruned, objectives, metrics FROM events WHERE run_seed = ? ORDER BY seq",
      seed, "reading events");
  std::vector<JournalEvent> out;
  auto text = [&](int c) { const auto* p = sqlite3_column_text(st, c); return p ? std::string(reinterpret_cast<const char*>(p)) : std::string(); };
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    JournalEvent e;
    const std::string k = text(0);
    if (k != "ask" && k != "result" && k != "swap" && k != "failure") {
      sqlite3_finalize(st);
      throw DataError(fmt::format("{}: journal: run {}: an event of kind '{}'; expected ask, result, failure or swap", impl_->path, seed, k));
    }
    e.kind = k == "ask" ? JournalEvent::Kind::ask : k == "result" ? JournalEvent::Kind::result : k == "swap" ? JournalEvent::Kind::swap
                                                                                                        : JournalEvent::Kind::failure;
    e.candidate = static_cast<std::uint64_t>(sqlite3_column_int64(st, 1));
    e.arch = text(2);
    e.predicted = sqlite3_column_double(st, 3);
    e.evaluation.signal = sqlite3_column_double(st, 4);
    e.evaluation.reported = sqlite3_column_double(st, 5);
    e.evaluation.cost_seconds = sqlite3_column_double(st, 6);
    e.evaluation.parameters = sqlite3_column_int64(st, 7);
    e.info.worker = sqlite3_column_int(st, 8);
    e.info.submitted = sqlite3_column_double(st, 9);
    e.info.finished = sqlite3_column_double(st, 10);
    e.failure = parse_failure(text(11));
    e.reason = text(12);
    if (sqlite3_column_type(st, 13) != SQLITE_NULL) e.fidelity = Fidelity{text(13), sqlite3_column_double(st, 14)};
    e.evaluation.pruned = sqlite3_column_int(st, 15) != 0;
    for (const auto& v : split(text(16))) e.evaluation.objectives.push_back(std::strtod(v.c_str(), nullptr));
    for (const auto& kv : split(text(17))) {
      const auto eq = kv.find('=');
      e.evaluation.metrics.emplace_back(kv.substr(0, eq), eq == std::string::npos ? 0.0 : std::strtod(kv.c_str() + eq + 1, nullptr));
    }
    out.push_back(std::move(e));
  }
  impl_->done(st, rc, "reading events");
  return out;
}

// ---------------------------------------------------------------------------------------------

JournaledSearch::JournaledSearch(AskTellSearch& inner, const SearchSpace& space, Journal& journal, std::uint64_t run_seed)
    : inner_(inner), space_(space), journal_(journal), run_seed_(run_seed) {
  inner_.set_recorder(this);
}

JournaledSearch::~JournaledSearch() { inner_.set_recorder(nullptr); }

void JournaledSearch::event(std::string_view kind) {
  if (kind != "swap") throw std::logic_error(fmt::format("journal: a search event of kind '{}' has no journal record", kind));
  journal_.swapped(run_seed_);
}

void JournaledSearch::retrained(const RetrainRecord& r) { journal_.retrained(run_seed_, r); }

std::size_t JournaledSearch::replay() {
  // The search reruns its own work as it replays (a guided search's retrains, synchronously);
  // what depended on timing in the original run (a model trained in the background starting to
  // rank) happens where the journal says it did, so the search proposes what the original did.
  inner_.begin_replay();
  std::vector<Candidate> open;  // asked in the replay, not answered yet
  std::size_t results = 0;
  for (const auto& ev : journal_.events(run_seed_)) {
    if (ev.kind == JournalEvent::Kind::swap) {
      if (!inner_.replay_event("swap")) throw DataError(fmt::format("{}: run {}: a swap with no retrain in progress", journal_.path(), run_seed_));
      continue;
    }
    if (ev.kind == JournalEvent::Kind::ask) {
      const std::vector<Candidate> c = inner_.ask(1);
      if (c.empty() || c[0].id != ev.candidate || space_.format(c[0].arch) != ev.arch || c[0].fidelity != ev.fidelity)
        throw DataError(fmt::format("{}: run {}: the journal's candidate {} ({}) is not what this search proposes now ({}); was it written by "
                                    "another version of the program?",
                                    journal_.path(), run_seed_, ev.candidate, ev.arch,
                                    c.empty() ? std::string("nothing") : space_.format(c[0].arch)));
      open.push_back(c[0]);
      continue;
    }
    const auto it = std::find_if(open.begin(), open.end(), [&](const Candidate& c) { return c.id == ev.candidate; });
    if (it == open.end())
      throw DataError(fmt::format("{}: run {}: a {} for candidate {} that was not asked", journal_.path(), run_seed_,
                                  ev.kind == JournalEvent::Kind::result ? "result" : "failure", ev.candidate));
    open.erase(it);
    if (ev.kind == JournalEvent::Kind::result) {
      inner_.tell(ev.candidate, ev.evaluation, ev.info);
      ++results;
    } else {
      inner_.tell_failure(ev.candidate, ev.failure, ev.reason, ev.info);
    }
  }
  inner_.end_replay();
  resubmit_ = std::move(open);
  return results;
}

std::vector<Candidate> JournaledSearch::ask(std::size_t n) {
  std::vector<Candidate> out;
  while (out.size() < n && !resubmit_.empty()) {  // in flight when the run was killed: again, first
    out.push_back(resubmit_.front());
    resubmit_.erase(resubmit_.begin());
  }
  if (out.size() < n) {
    auto more = inner_.ask(n - out.size());
    for (const auto& c : more) journal_.asked(run_seed_, c, space_.format(c.arch));
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

void JournaledSearch::tell(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info) {
  journal_.result(run_seed_, id, e, info);  // first the journal: a told result is a kept result
  inner_.tell(id, e, info);
}

void JournaledSearch::tell_failure(std::uint64_t id, FailureKind kind, const std::string& reason, const EvaluationInfo& info) {
  journal_.failure(run_seed_, id, kind, reason, info);
  inner_.tell_failure(id, kind, reason, info);
}

}  // namespace nas
