#pragma once
// The run journal: a SQLite database (<out>/journal.sqlite, WAL) that records every candidate a
// search proposes and every result or failure as it arrives, in order, so that a killed run can
// be resumed: the search is rebuilt from the same configuration and the journal replayed into
// it (the same asks must come back; the recorded results are told instead of evaluated; a
// synchronous surrogate retrain is repeated, deterministically on the CPU), then the run goes on
// and the candidates that were in flight are evaluated again. Nothing finished is evaluated or
// charged twice.
//
// Schema (read it with sqlite3 or pandas.read_sql):
//   meta(key TEXT PRIMARY KEY, value TEXT)  -- 'format' (journal version), 'config' (the run's
//                                              options as TOML), 'space'
//   events(seq INTEGER PRIMARY KEY, run_seed INTEGER, kind TEXT ('ask' | 'result' | 'failure' |
//          'swap': an asynchronously retrained surrogate started ranking),
//          candidate INTEGER, arch TEXT, predicted REAL, signal REAL, reported REAL,
//          cost_seconds REAL, params INTEGER, worker INTEGER, submitted REAL, finished REAL,
//          failure TEXT, reason TEXT, at REAL (seconds since the journal was opened),
//          fidelity_resource TEXT, fidelity_amount REAL (asks; NULL: full fidelity), pruned INTEGER,
//          objectives TEXT ('v1;v2;...'), metrics TEXT ('name=value;...') (results; NULL when none))
//   Format 2 (this one) added the last five columns; a format-1 journal is refused by name.
//   runs(run_seed INTEGER PRIMARY KEY, finished INTEGER)
//   retrains(run_seed, at_query (history size when the fit started), cells, seconds, epochs, warm,
//            asynchronous, swapped_at_query (history size when it started ranking), online_tau
//            (NULL: too few cells), online_cells, at; PRIMARY KEY(run_seed, at_query))
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nas/engine/ask_tell.hpp"
#include "nas/engine/retrain_record.hpp"

namespace nas {

/// One journal event, as read back.
struct JournalEvent {
  enum class Kind { ask, result, failure, swap };
  Kind kind = Kind::ask;
  std::uint64_t candidate = 0;
  std::string arch;
  double predicted = 0;
  Evaluation evaluation;  // results: with pruned, objectives and metrics
  EvaluationInfo info;
  FailureKind failure = FailureKind::error;
  std::string reason;
  std::optional<Fidelity> fidelity;  // asks: the request's fidelity (unset: a full evaluation)
};

/// Thread-safe: every call takes an internal lock (drivers may write from one thread only anyway).
class Journal {
 public:
  /// Opens `path`, creating it with `config` (the run's full effective options) if it does not
  /// exist. An existing journal must hold the same format version and exactly the same config:
  /// otherwise OptionError says which differs (a journal of another run is never mixed in).
  /// Throws DataError if the file is not a journal or cannot be written.
  static std::unique_ptr<Journal> open(const std::string& path, const std::string& config, const std::string& space);
  ~Journal();

  void asked(std::uint64_t run_seed, const Candidate& c, const std::string& arch);
  void result(std::uint64_t run_seed, std::uint64_t candidate, const Evaluation& e, const EvaluationInfo& info);
  void failure(std::uint64_t run_seed, std::uint64_t candidate, FailureKind kind, const std::string& reason, const EvaluationInfo& info);
  /// An asynchronously retrained surrogate replaced the ranking model (replays put it back at the
  /// same point, so the replayed search proposes what the original did).
  void swapped(std::uint64_t run_seed);
  /// A surrogate retrain finished (guided runs). A row for the same (run, at_query) is kept as it
  /// is: a replay that repeats a retrain does not overwrite the original's timing.
  void retrained(std::uint64_t run_seed, const RetrainRecord& r);
  /// The retrains of run `run_seed`, in order.
  std::vector<RetrainRecord> retrains(std::uint64_t run_seed) const;
  void run_finished(std::uint64_t run_seed);

  bool finished(std::uint64_t run_seed) const;
  /// Events of run `run_seed`, of `kind` only if given (a count, without reading them).
  std::size_t count(std::uint64_t run_seed, std::optional<JournalEvent::Kind> kind = std::nullopt) const;
  std::vector<JournalEvent> events(std::uint64_t run_seed) const;
  const std::string& path() const;

 private:
  Journal();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// An ask/tell search that writes everything to a journal, and replays a journal into a fresh
/// search. Wraps `inner` (which must outlive it) and records what the inner search reports
/// (SearchRecorder: retrains, timing-dependent events such as a model swap).
class JournaledSearch final : public AskTellSearch, private SearchRecorder {
 public:
  JournaledSearch(AskTellSearch& inner, const SearchSpace& space, Journal& journal, std::uint64_t run_seed);
  ~JournaledSearch() override;
  /// Replays the recorded events into the inner search: asks are repeated (and checked against
  /// the journal: a different candidate means the configuration or the code changed, and throws
  /// DataError), results and failures are told as recorded, and recorded timing-dependent events
  /// are handed back at the same points (AskTellSearch::replay_event). Candidates asked but never
  /// answered are handed out again by the next ask(). Returns the number of results replayed.
  std::size_t replay();
  std::vector<Candidate> ask(std::size_t n) override;
  void tell(std::uint64_t id, const Evaluation& e, const EvaluationInfo& info = {}) override;
  void tell_failure(std::uint64_t id, FailureKind kind, const std::string& reason, const EvaluationInfo& info = {}) override;
  bool finished() const override { return resubmit_.empty() && inner_.finished(); }
  std::size_t in_flight() const override { return inner_.in_flight() - resubmit_.size(); }
  void stop() override { inner_.stop(); }
  const SearchResult& result() const override { return inner_.result(); }
  SearchResult take_result() override { return inner_.take_result(); }
  Direction direction() const override { return inner_.direction(); }
  void settle() override { inner_.settle(); }

 private:
  void event(std::string_view kind) override;
  void retrained(const RetrainRecord& r) override;

  AskTellSearch& inner_;
  const SearchSpace& space_;
  Journal& journal_;
  std::uint64_t run_seed_;
  std::vector<Candidate> resubmit_;  // asked before the crash, never answered
};

}  // namespace nas
