#include "mpi_job.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include "nas/core/errors.hpp"

#ifdef NAS_WITH_MPI
#include "nas/distributed/mpi.hpp"
#endif

namespace nas::app::mpi {

#ifdef NAS_WITH_MPI
namespace {
std::unique_ptr<distributed::MpiSession> g_session;
std::shared_ptr<distributed::MpiPool> g_pool;
std::string g_report;

distributed::MpiOptions options(double heartbeat, double lost_after) {
  distributed::MpiOptions o;
  o.heartbeat_seconds = heartbeat;
  o.lost_after_seconds = lost_after;
  o.validate();
  return o;
}
}  // namespace

Job::Job(int& argc, char**& argv) {
  if (distributed::launched_by_mpi()) g_session = std::make_unique<distributed::MpiSession>(argc, argv);
}
Job::~Job() {
  if (!g_session) return;
  if (g_session->rank() == 0) finish(false);
  g_pool.reset();
  g_session.reset();
}
void set_exit_code(int code) { distributed::MpiSession::set_exit_code(code); }
bool is_worker() { return g_session && g_session->size() > 1 && g_session->rank() > 0; }
int ranks() { return g_session ? g_session->size() : 1; }

std::shared_ptr<WorkerPool> pool(double heartbeat, double lost_after) {
  const auto o = options(heartbeat, lost_after);
  if (!g_session || g_session->size() < 2)
    throw OptionError("--executor mpi needs MPI workers: start nas with mpirun (or srun) and at least 2 ranks (rank 0 searches, the others evaluate)");
  if (g_session->rank() != 0) throw std::logic_error("mpi::pool on a worker rank");
  if (!g_pool) g_pool = std::make_shared<distributed::MpiPool>(o);
  return g_pool;
}

int serve(double heartbeat, double lost_after, const EvaluatorFactory& make_evaluator) {
  return distributed::serve(make_evaluator, options(heartbeat, lost_after));
}
int fail(const std::string& error) { return distributed::serve_failed(error); }

std::string finish(bool print) {
  if (!g_session || g_session->rank() != 0) return "[]";
  if (!g_pool) {
    distributed::release_workers();
    return "[]";
  }
  if (!g_report.empty()) return g_report;
  g_pool->shutdown();
  auto j = nlohmann::ordered_json::array();
  for (const auto& w : g_pool->workers()) {
    j.push_back({{"rank", w.rank}, {"host", w.host}, {"pid", static_cast<long long>(w.pid)}, {"evaluations", w.evaluations}, {"lost", w.lost},
                 {"mpi_thread_cpu_seconds", w.comm_cpu_seconds}, {"wall_seconds", w.wall_seconds}});
    if (!print) continue;
    if (w.lost)
      fmt::print(stderr, "mpi: rank {}{}: {} evaluations; lost\n", w.rank, w.host.empty() ? "" : " on " + w.host, w.evaluations);
    else if (w.comm_cpu_seconds >= 0)
      fmt::print(stderr, "mpi: rank {} on {} (pid {}): {} evaluations; its MPI thread used {:.3f} s CPU in {:.1f} s ({:.2f}% of a core)\n",
                 w.rank, w.host, w.pid, w.evaluations, w.comm_cpu_seconds, w.wall_seconds,
                 w.wall_seconds > 0 ? 100 * w.comm_cpu_seconds / w.wall_seconds : 0.0);
    else
      fmt::print(stderr, "mpi: rank {}{}: {} evaluations; no goodbye before the stop deadline\n", w.rank, w.host.empty() ? "" : " on " + w.host,
                 w.evaluations);
  }
  g_report = j.dump();
  return g_report;
}

double master_cpu_seconds() { return g_pool ? g_pool->master_cpu_seconds() : 0; }

#else  // built without MPI

double master_cpu_seconds() { return 0; }
Job::Job(int&, char**&) {}
Job::~Job() = default;
void set_exit_code(int) {}
bool is_worker() { return false; }
int ranks() { return 1; }
std::shared_ptr<WorkerPool> pool(double, double) {
  throw OptionError("--executor mpi: this nas was built without MPI (install openmpi-bin and libopenmpi-dev, then rebuild)");
}
int serve(double, double, const EvaluatorFactory&) { return 1; }
int fail(const std::string&) { return 1; }
std::string finish(bool) { return "[]"; }

#endif

}  // namespace nas::app::mpi
