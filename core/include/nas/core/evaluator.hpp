#pragma once
// What the engine needs from a benchmark (or, later, a trainer): the true performance of one
// architecture. The engine never knows which benchmark answers.
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>
#include <stdexcept>
#include <string>
#include <string_view>

#include "nas/core/genome.hpp"

namespace nas {

/// Whether larger signal values are better (accuracy) or smaller ones (a loss).
enum class Direction { maximise, minimise };

/// `signal` is what the search optimises (e.g. 12-epoch validation accuracy); `reported` is what
/// the run reports for the incumbent (e.g. 200-epoch test accuracy). They may be the same column.
/// `cost_seconds` and `parameters` are what a real training reports for the records (0 when the
/// evaluator does not know, e.g. a table lookup).
struct Evaluation {
  double signal = 0;
  double reported = 0;
  double cost_seconds = 0;
  std::int64_t parameters = 0;
  // Room for several objectives and early stopping; single-objective, full-fidelity searches
  // leave these empty and see no difference.
  /// Objectives beyond `signal`, in the order the run declares them (multi-objective searches).
  std::vector<double> objectives;
  /// Named metrics the evaluator knows ("params", "flops", "latency_ms", ...): recorded, not
  /// optimised unless an objective names one.
  std::vector<std::pair<std::string, double>> metrics;
  /// The search stopped this evaluation early: the values are those at the fidelity reached.
  bool pruned = false;
  /// How much of the request's resource this evaluation consumed (epochs trained; a continuation
  /// from a checkpoint counts only its extra epochs; a table charges a rung's whole schedule,
  /// since its rungs are separate runs). 0: the evaluator does not say. Cost models read it.
  double spent = 0;
};

/// A full-fidelity, single-objective result (the usual one): its signal, reported value and, where
/// known, the evaluation's cost and the network's parameter count.
inline Evaluation make_evaluation(double signal, double reported, double cost_seconds = 0, std::int64_t parameters = 0) {
  Evaluation e;
  e.signal = signal;
  e.reported = reported;
  e.cost_seconds = cost_seconds;
  e.parameters = parameters;
  return e;
}

/// How much of a full evaluation a request asks for (multi-fidelity searches): `resource` names
/// it ("epochs", or one of a table's fidelity columns such as "valid_12ep"), `amount` how much of
/// it. A request without a fidelity is a full evaluation.
struct Fidelity {
  std::string resource;
  double amount = 0;
  friend bool operator==(const Fidelity&, const Fidelity&) = default;
};

/// An evaluation request: a proposed architecture. `id` is unique within a search; `predicted` is
/// the surrogate's score where one ranked it (NaN otherwise); `fidelity` is unset for a full
/// evaluation (every single-fidelity search).
struct Candidate {
  std::uint64_t id = 0;
  Genome arch;
  double predicted = std::numeric_limits<double>::quiet_NaN();
  std::optional<Fidelity> fidelity;
};

/// When and where an evaluation ran (set by the driver; all optional).
struct EvaluationInfo {
  int worker = -1;
  double submitted = 0, finished = 0;
};

/// Thrown when an evaluator cannot answer for an architecture (e.g. a sampled table lacks it).
class UnknownArchitecture : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Why an evaluation produced no result. The run goes on: the failure is recorded and, if the
/// search allows it, the architecture may be proposed again.
enum class FailureKind { diverged, out_of_memory, lost_worker, error };
inline std::string_view failure_kind_name(FailureKind k) {
  switch (k) {
    case FailureKind::diverged: return "diverged";
    case FailureKind::out_of_memory: return "out_of_memory";
    case FailureKind::lost_worker: return "lost_worker";
    case FailureKind::error: return "error";
  }
  return "?";
}

/// Thrown by an evaluator for an evaluation that failed in a way the search should survive (a
/// training that diverged, ran out of memory, a worker that died). Anything else an evaluator
/// throws (a bad table, a bug) ends the run.
class EvaluationFailed : public std::runtime_error {
 public:
  EvaluationFailed(FailureKind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  FailureKind kind() const noexcept { return kind_; }

 private:
  FailureKind kind_;
};

/// One run's evaluator. Not required to be thread-safe: each run owns its own (cheap) evaluator.
class Evaluator {
 public:
  virtual ~Evaluator() = default;
  /// Evaluates `g` and counts one query. Throws UnknownArchitecture if it cannot.
  virtual Evaluation evaluate(const Genome& g) = 0;
  /// Evaluates `g` at fidelity `f` (multi-fidelity searches) and counts one query. The default:
  /// this evaluator has no fidelities, and throws std::invalid_argument (options are checked
  /// before a run starts, so a run never meets it).
  virtual Evaluation evaluate_at(const Genome& g, const Fidelity& f) {
    (void)g;
    throw std::invalid_argument("this evaluator answers at full fidelity only; asked for " + f.resource + " " + std::to_string(f.amount));
  }
  virtual Direction direction() const { return Direction::maximise; }
  /// Queries answered so far.
  virtual std::uint64_t queries() const = 0;
};

/// True if signal value a is strictly better than b under direction d.
inline bool better(Direction d, double a, double b) noexcept { return d == Direction::maximise ? a > b : a < b; }

}  // namespace nas
