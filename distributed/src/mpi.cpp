



#include "nas/distributed/mpi.hpp"

#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "nas/core/errors.hpp"

namespace nas::distributed {
namespace {
using Clock = std::chrono::steady_clock;
using Bytes = std::vector<std::uint8_t>;

// Message tags. Rank 0 -> worker: job, stop. Worker -> rank 0: hello, result, heartbeat, bye.
enum Tag : int { kJob = 1, kStop = 2, kHello = 10, kResult = 11, kHeartbeat = 12, kBye = 13 };
// Result status byte.
enum Status : std::uint8_t { kOk = 0, kFailed = 1, kFatal = 2 };

constexpr auto kFirstPoll = std::chrono::microseconds(20);
// Longest sleep between polls. Rank 0 waits for results that pace the whole search, so it polls
// more often than an idle worker, whose wait (rank 0 retraining, the run's end) costs nothing.
constexpr auto kMasterLongestPoll = std::chrono::microseconds(200);
constexpr auto kLongestPoll = std::chrono::microseconds(2000);

/// Fixed-width little-endian fields and length-prefixed strings (all ranks run the same binary).
class Writer {
 public:
  template <class T>
  Writer& put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
    bytes_.insert(bytes_.end(), p, p + sizeof(T));
    return *this;
  }
  Writer& str(const std::string& s) {
    put<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    bytes_.insert(bytes_.end(), s.begin(), s.end());
    return *this;
  }
  const Bytes& bytes() const { return bytes_; }

 private:
  Bytes bytes_;
};

class Reader {
 public:
  explicit Reader(const Bytes& b) : b_(b) {}
  template <class T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string str() {
    const auto n = get<std::uint32_t>();
    need(n);
    std::string s(reinterpret_cast<const char*>(b_.data() + pos_), n);
    pos_ += n;
    return s;
  }

 private:
  void need(std::size_t n) const {
    if (pos_ + n > b_.size()) throw std::runtime_error(fmt::format("MPI message truncated: {} bytes, needed {} more at {}", b_.size(), n, pos_));
  }
  const Bytes& b_;
  std::size_t pos_ = 0;
};

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

std::string mpi_error(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int n = 0;
  MPI_Error_string(code, text, &n);
  return std::string(text, static_cast<std::size_t>(n));
}

/// MPI_Send of `bytes`; returns the MPI error code (a dead peer under --enable-recovery).
int send(int dest, int tag, const Bytes& bytes) {
  return MPI_Send(bytes.empty() ? nullptr : bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, dest, tag, MPI_COMM_WORLD);
}

/// A message waiting from `source` (MPI_ANY_SOURCE: anyone), received; nullopt if none waits.
struct Message {
  int source, tag;
  Bytes bytes;
};
std::optional<Message> poll(int source) {
  int flag = 0;
  MPI_Status st;
  if (MPI_Iprobe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st) != MPI_SUCCESS || !flag) return std::nullopt;
  int n = 0;
  MPI_Get_count(&st, MPI_BYTE, &n);
  Message m{st.MPI_SOURCE, st.MPI_TAG, Bytes(static_cast<std::size_t>(n))};
  if (const int rc = MPI_Recv(m.bytes.data(), n, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE); rc != MPI_SUCCESS)
    throw std::runtime_error(fmt::format("MPI_Recv from rank {}: {}", st.MPI_SOURCE, mpi_error(rc)));
  return m;
}

bool g_released = false;  // rank 0: the workers were told to stop
// A process of the job died (rank 0: it gave a worker up; a worker: rank 0 said so in its stop).
std::atomic<bool> g_peer_lost{false};
std::atomic<int> g_exit_code{0};

int world_size() {
  int n = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

std::string host_name() {
  char h[256] = {};
  gethostname(h, sizeof h - 1);
  return h;
}

}  // namespace

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

void MpiOptions::validate() const {
  if (!(heartbeat_seconds > 0) || heartbeat_seconds > 3600)
    throw OptionError(fmt::format("--mpi-heartbeat {}: expected seconds in (0, 3600]", heartbeat_seconds));
  if (!(lost_after_seconds >= 0))
    throw OptionError(fmt::format("--mpi-lost-after {}: expected seconds >= 0 (0 = never give a worker up)", lost_after_seconds));
  if (lost_after_seconds > 0 && lost_after_seconds < 2 * heartbeat_seconds)
    throw OptionError(fmt::format("--mpi-lost-after {}: expected at least twice --mpi-heartbeat ({}), or 0", lost_after_seconds,
                                  heartbeat_seconds));
}

MpiSession::MpiSession(int& argc, char**& argv) {
  int provided = 0;
  if (MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS)
    throw std::runtime_error("MPI_Init_thread failed");
  if (provided < MPI_THREAD_SERIALIZED) {
    // Only one thread ever calls MPI at a time, but not always the main one (oneTBB arenas).
    MPI_Finalize();
    throw std::runtime_error("this MPI library does not provide MPI_THREAD_SERIALIZED");
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  host_ = host_name();
}

void MpiSession::set_exit_code(int code) noexcept { g_exit_code = code; }

MpiSession::~MpiSession() {
  int done = 0;
  MPI_Finalized(&done);
  if (done) return;
  if (g_peer_lost) {
    std::thread([] {
      std::this_thread::sleep_for(std::chrono::seconds(10));
      std::fprintf(stderr, "nas: MPI_Finalize has not returned 10 s after a worker was lost; ending without it\n");
      std::fflush(nullptr);
      std::_Exit(g_exit_code);
    }).detach();
  }
  MPI_Finalize();
}

// ---------------------------------------------------------------------------------- rank 0

MpiPool::MpiPool(const MpiOptions& options) : options_(options), started_(Clock::now()) {
  options_.validate();
  const int n = world_size();
  if (n < 2) throw OptionError("--executor mpi: this MPI job has 1 rank; start at least 2 (rank 0 searches, the others evaluate)");
  workers_.resize(static_cast<std::size_t>(n - 1));
  running_.resize(workers_.size());
  last_heard_.assign(workers_.size(), started_);
  for (int r = 1; r < n; ++r) worker(r).rank = r;
}

MpiPool::~MpiPool() { shutdown(); }

std::size_t MpiPool::capacity() const {
  return static_cast<std::size_t>(std::count_if(workers_.begin(), workers_.end(), [](const Worker& w) { return !w.lost; }));
}

void MpiPool::submit(const Candidate& c, std::uint64_t run_seed) {
  const double cpu0 = thread_cpu_seconds();
  queue_.push_back({c, run_seed});
  dispatch();
  master_cpu_ += thread_cpu_seconds() - cpu0;
}

WorkOutcome MpiPool::collect() {
  const double cpu0 = thread_cpu_seconds();
  auto backoff = kFirstPoll;
  for (;;) {
    progress();
    if (!done_.empty()) {
      WorkOutcome out = std::move(done_.front());
      done_.pop_front();
      master_cpu_ += thread_cpu_seconds() - cpu0;
      return out;
    }
    const bool outstanding = !queue_.empty() || std::any_of(workers_.begin(), workers_.end(), [](const Worker& w) { return w.busy; });
    if (!outstanding) throw std::logic_error("MpiPool::collect: nothing was submitted");
    if (capacity() == 0)
      throw std::runtime_error(fmt::format("every MPI worker is lost; {} candidate(s) not evaluated (continue with --resume)", queue_.size()));
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, kMasterLongestPoll);
  }
}

void MpiPool::cancel() {
  queue_.clear();
  for (std::size_t i = 0; i < workers_.size(); ++i)
    if (workers_[i].busy) cancelled_.push_back(running_[i].candidate.id);
}

void MpiPool::progress() {
  while (auto m = poll(MPI_ANY_SOURCE)) handle(m->source, m->tag, m->bytes);
  if (options_.lost_after_seconds > 0) {
    const auto now = Clock::now();
    for (auto& w : workers_) {
      if (w.lost || (w.ready && !w.busy)) continue;
      const double silent = std::chrono::duration<double>(now - last_heard_[static_cast<std::size_t>(w.rank - 1)]).count();
      if (silent > options_.lost_after_seconds)
        lose(w, w.ready ? fmt::format("no heartbeat for {:.1f} s", silent) : fmt::format("no hello {:.1f} s after the start", silent));
    }
  }
  dispatch();
}

void MpiPool::handle(int source, int tag, const Bytes& bytes) {
  if (source < 1 || source > static_cast<int>(workers_.size())) return;
  Worker& w = worker(source);
  const auto i = static_cast<std::size_t>(source - 1);
  if (w.lost) return;  // it was given up: what it sends now must not count twice
  last_heard_[i] = Clock::now();
  Reader in(bytes);
  switch (tag) {
    case kHello: {
      w.host = in.str();
      w.pid = in.get<std::int64_t>();
      const std::string error = in.str();
      if (!error.empty()) throw std::runtime_error(fmt::format("MPI worker rank {} on {} could not start: {}", source, w.host, error));
      w.ready = true;
      return;
    }
    case kHeartbeat: return;
    case kBye:  // only after a stop: nothing more is sent to it
      w.comm_cpu_seconds = in.get<double>();
      w.wall_seconds = in.get<double>();
      return;
    case kResult: {
      const auto id = in.get<std::uint64_t>();
      if (!w.busy || running_[i].candidate.id != id)
        throw std::runtime_error(fmt::format("MPI worker rank {} sent a result for candidate {} it was not evaluating", source, id));
      w.busy = false;
      ++w.evaluations;
      const auto cancelled = std::find(cancelled_.begin(), cancelled_.end(), id);
      if (cancelled != cancelled_.end()) {
        cancelled_.erase(cancelled);
        return;
      }
      WorkOutcome out;
      out.candidate = running_[i].candidate;
      out.worker = source;
      out.finished = last_heard_[i];
      const auto status = in.get<std::uint8_t>();
      out.evaluation.signal = in.get<double>();
      out.evaluation.reported = in.get<double>();
      out.evaluation.cost_seconds = in.get<double>();
      out.evaluation.parameters = in.get<std::int64_t>();
      out.evaluation.spent = in.get<double>();
      out.evaluation.pruned = in.get<std::uint8_t>() != 0;
      out.kind = static_cast<FailureKind>(in.get<std::uint8_t>());
      out.reason = in.str();
      // Several objectives: every objective's value and the named metrics (constraints).
      for (auto n = in.get<std::uint32_t>(); n > 0; --n) out.evaluation.objectives.push_back(in.get<double>());
      for (auto n = in.get<std::uint32_t>(); n > 0; --n) {
        std::string name = in.str();
        out.evaluation.metrics.emplace_back(std::move(name), in.get<double>());
      }
      if (status == kOk) out.ok = true;
      else if (status == kFatal)
        out.fatal = std::make_exception_ptr(std::runtime_error(fmt::format("rank {} on {}: {}", source, w.host, out.reason)));
      done_.push_back(std::move(out));
      return;
    }
    default: throw std::runtime_error(fmt::format("MPI worker rank {} sent an unknown message (tag {})", source, tag));
  }
}

void MpiPool::dispatch() {
  for (auto& w : workers_) {
    if (queue_.empty()) return;
    if (w.lost || !w.ready || w.busy) continue;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    Writer msg;
    msg.put<std::uint64_t>(job.candidate.id).put<std::uint64_t>(job.run_seed).put<std::uint8_t>(static_cast<std::uint8_t>(job.candidate.arch.size()));
    for (std::uint8_t b : job.candidate.arch.bytes()) msg.put(b);
    // The fidelity of a multi-fidelity search's request (a flag, then resource and amount).
    msg.put<std::uint8_t>(job.candidate.fidelity ? 1 : 0);
    if (job.candidate.fidelity) msg.str(job.candidate.fidelity->resource).put<double>(job.candidate.fidelity->amount);
    const auto i = static_cast<std::size_t>(w.rank - 1);
    running_[i] = std::move(job);
    w.busy = true;
    last_heard_[i] = Clock::now();
    if (const int rc = send(w.rank, kJob, msg.bytes()); rc != MPI_SUCCESS) lose(w, "sending it a candidate failed: " + mpi_error(rc));
  }
}

void MpiPool::lose(Worker& w, const std::string& why) {
  w.lost = true;
  const auto i = static_cast<std::size_t>(w.rank - 1);
  std::string requeued;
  if (w.busy) {
    w.busy = false;
    const auto id = running_[i].candidate.id;
    const auto cancelled = std::find(cancelled_.begin(), cancelled_.end(), id);
    if (cancelled != cancelled_.end()) {
      cancelled_.erase(cancelled);
    } else {
      queue_.push_front(running_[i]);
      requeued = fmt::format("; candidate {} goes to another worker", id);
    }
  }
  fmt::print(stderr, "nas: MPI worker rank {}{} lost: {}{}; {} worker(s) left\n", w.rank, w.host.empty() ? "" : " on " + w.host, why, requeued,
             capacity());
}

void MpiPool::shutdown() noexcept {
  if (shut_down_) return;
  shut_down_ = true;
  g_released = true;
  try {
    queue_.clear();
    std::vector<int> waiting;
    // The stop says whether a worker was lost: then every rank guards its MPI_Finalize (MpiSession).
    if (std::any_of(workers_.begin(), workers_.end(), [](const auto& w) { return w.lost; })) g_peer_lost = true;
    const Bytes stop{static_cast<std::uint8_t>(g_peer_lost ? 1 : 0)};
    for (auto& w : workers_)
      if (!w.lost && send(w.rank, kStop, stop) == MPI_SUCCESS) waiting.push_back(w.rank);
    // Goodbyes carry the workers' own figures; a worker still loading its data says it later, so
    // wait a little, not forever (MPI_Finalize synchronises the processes anyway).
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    auto backoff = kFirstPoll;
    while (Clock::now() < deadline &&
           std::any_of(waiting.begin(), waiting.end(), [&](int r) { return worker(r).comm_cpu_seconds < 0 && !worker(r).lost; })) {
      bool any = false;
      while (auto m = poll(MPI_ANY_SOURCE)) {
        any = true;
        try {
          handle(m->source, m->tag, m->bytes);  // goodbyes; late hellos and results are taken and dropped
        } catch (...) {
          // A worker's error at this point changes nothing: the run has ended.
        }
      }
      if (!any) {
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, kLongestPoll);
      } else {
        backoff = kFirstPoll;
      }
    }
  } catch (...) {
    // Shutting down: what could not be said is not worth more than the result already kept.
  }
}

void release_workers() noexcept {
  if (g_released) return;
  g_released = true;
  int inited = 0, finalized = 0;
  MPI_Initialized(&inited);
  MPI_Finalized(&finalized);
  if (!inited || finalized) return;
  for (int r = 1; r < world_size(); ++r) send(r, kStop, {});
}

// ---------------------------------------------------------------------------------- workers

namespace {

/// The worker's evaluation thread: owns the evaluator (built on it, as the local executor does)
/// and runs one job at a time while the MPI thread keeps talking to rank 0.
class EvaluationThread {
 public:
  explicit EvaluationThread(const EvaluatorFactory& make) : make_(make), thread_([this] { run(); }) {}
  ~EvaluationThread() {
    {
      std::lock_guard lock(m_);
      quit_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void start(std::uint64_t id, std::uint64_t seed, const Genome& g, std::optional<Fidelity> fidelity) {
    {
      std::lock_guard lock(m_);
      job_ = Job{id, seed, g, std::move(fidelity)};
      result_.reset();
    }
    cv_.notify_all();
  }
  /// The finished job's result, waiting up to `wait` for it.
  std::optional<Bytes> result(std::chrono::microseconds wait) {
    std::unique_lock lock(m_);
    cv_.wait_for(lock, wait, [&] { return result_.has_value(); });
    std::optional<Bytes> r = std::move(result_);
    result_.reset();
    return r;
  }
  /// Leaves a running evaluation behind (the process is about to end without waiting for it).
  void abandon() { thread_.detach(); }

 private:
  struct Job {
    std::uint64_t id, seed;
    Genome arch;
    std::optional<Fidelity> fidelity;
  };
  void run() {
    std::optional<std::uint64_t> seed;
    std::unique_ptr<Evaluator> ev;
    for (;;) {
      Job job;
      {
        std::unique_lock lock(m_);
        cv_.wait(lock, [&] { return quit_ || job_.has_value(); });
        if (quit_) return;
        job = *job_;
        job_.reset();
      }
      WorkOutcome out;
      out.candidate.id = job.id;
      out.candidate.arch = job.arch;
      out.candidate.fidelity = job.fidelity;
      std::string fatal;
      if (!seed || *seed != job.seed) {
        ev.reset();
        try {
          ev = make_(job.seed);
          seed = job.seed;
        } catch (const std::exception& e) {
          fatal = fmt::format("building the evaluator: {}", e.what());
        }
      }
      if (fatal.empty()) {
        evaluate_into(*ev, out);
        if (out.fatal) {
          try {
            std::rethrow_exception(out.fatal);
          } catch (const std::exception& e) {
            fatal = e.what();
          } catch (...) {
            fatal = "an unknown exception";
          }
        }
      }
      Writer msg;
      msg.put<std::uint64_t>(job.id)
          .put<std::uint8_t>(!fatal.empty() ? kFatal : out.ok ? kOk : kFailed)
          .put<double>(out.evaluation.signal)
          .put<double>(out.evaluation.reported)
          .put<double>(out.evaluation.cost_seconds)
          .put<std::int64_t>(out.evaluation.parameters)
          .put<double>(out.evaluation.spent)
          .put<std::uint8_t>(out.evaluation.pruned ? 1 : 0)
          .put<std::uint8_t>(static_cast<std::uint8_t>(out.kind))
          .str(!fatal.empty() ? fatal : out.reason);
      msg.put<std::uint32_t>(static_cast<std::uint32_t>(out.evaluation.objectives.size()));
      for (double v : out.evaluation.objectives) msg.put<double>(v);
      msg.put<std::uint32_t>(static_cast<std::uint32_t>(out.evaluation.metrics.size()));
      for (const auto& [name, v] : out.evaluation.metrics) msg.str(name).put<double>(v);
      {
        std::lock_guard lock(m_);
        result_ = msg.bytes();
      }
      cv_.notify_all();
    }
  }

  const EvaluatorFactory& make_;
  std::mutex m_;
  std::condition_variable cv_;
  std::optional<Job> job_;
  std::optional<Bytes> result_;
  bool quit_ = false;
  std::thread thread_;
};

void say_hello(const std::string& error) {
  Writer msg;
  msg.str(host_name()).put<std::int64_t>(static_cast<std::int64_t>(getpid())).str(error);
  send(0, kHello, msg.bytes());
}

void say_goodbye(double cpu0, Clock::time_point t0) {
  Writer msg;
  msg.put<double>(thread_cpu_seconds() - cpu0).put<double>(std::chrono::duration<double>(Clock::now() - t0).count());
  send(0, kBye, msg.bytes());
}

}  // namespace

int serve(const EvaluatorFactory& make_evaluator, const MpiOptions& options) {
  const auto t0 = Clock::now();
  const double cpu0 = thread_cpu_seconds();
  EvaluationThread eval(make_evaluator);
  say_hello("");
  const auto heartbeat = std::chrono::duration<double>(options.heartbeat_seconds);
  const auto busy_wait = std::chrono::microseconds(static_cast<long>(1e6 * std::min(0.1, options.heartbeat_seconds / 2)));
  bool busy = false;
  Clock::time_point last_beat;
  std::uint64_t current = 0;
  auto backoff = kFirstPoll;
  for (;;) {
    if (busy) {
      // Wake for the result at once; otherwise now and then to look for a stop and to beat.
      if (auto r = eval.result(busy_wait)) {
        send(0, kResult, *r);
        busy = false;
        backoff = kFirstPoll;
      } else if (Clock::now() - last_beat >= heartbeat) {
        Writer msg;
        msg.put<std::uint64_t>(current);
        send(0, kHeartbeat, msg.bytes());
        last_beat = Clock::now();
      }
    }
    if (auto m = poll(0)) {
      backoff = kFirstPoll;
      if (m->tag == kStop) {
        if (!m->bytes.empty() && m->bytes[0]) g_peer_lost = true;
        break;
      }
      if (m->tag != kJob || busy) {
        std::fprintf(stderr, "nas: MPI worker: unexpected message (tag %d%s); stopping\n", m->tag, busy ? ", while busy" : "");
        break;
      }
      Reader in(m->bytes);
      current = in.get<std::uint64_t>();
      const auto seed = in.get<std::uint64_t>();
      const auto n = in.get<std::uint8_t>();
      if (n > Genome::kCapacity) throw std::runtime_error(fmt::format("MPI job: genome of {} bytes (at most {})", n, Genome::kCapacity));
      std::vector<std::uint8_t> g(n);
      for (auto& b : g) b = in.get<std::uint8_t>();
      std::optional<Fidelity> fidelity;
      if (in.get<std::uint8_t>() != 0) {
        Fidelity f;
        f.resource = in.str();
        f.amount = in.get<double>();
        fidelity = std::move(f);
      }
      eval.start(current, seed, Genome(g), std::move(fidelity));
      busy = true;
      last_beat = Clock::now();
      continue;
    }
    if (!busy) {
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, kLongestPoll);
    }
  }
  say_goodbye(cpu0, t0);
  if (busy) {
    // Told to stop mid-evaluation (the run ended with an error): do not wait for it.
    eval.abandon();
    MPI_Finalize();
    std::_Exit(0);
  }
  return 0;
}

int serve_failed(const std::string& error) {
  const auto t0 = Clock::now();
  const double cpu0 = thread_cpu_seconds();
  say_hello(error.empty() ? "failed to start" : error);
  auto backoff = kFirstPoll;
  for (;;) {
    if (auto m = poll(0)) {
      if (m->tag == kStop) {
        if (!m->bytes.empty() && m->bytes[0]) g_peer_lost = true;
        break;
      }
      continue;
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, kLongestPoll);
  }
  say_goodbye(cpu0, t0);
  return 1;
}

}  // namespace nas::distributed
