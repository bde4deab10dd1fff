// `nas`: the command-line front end. Subcommands are thin wrappers over the library.
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli.hpp"
#include "commands.hpp"
#include "mpi_job.hpp"

namespace {
constexpr const char* kUsage = R"(usage: nas <command> [options]

commands:
  search   run architecture searches (random, rea, local-search, guided) on a tabular benchmark, many seeds
  sweep    a grid of retraining schedules / predictors x seeds: table, AUC, time split, SVG plot
  space    inspect a search space: --list prints index,arch,canonical_hash as CSV
  bench    measure table loading, child generation (1 vs 2 threads) and REA wall time
  predict-eval  train a surrogate on n cells, rank all the others: Kendall tau, Spearman, top-1% precision
  explain  train CARL and report which ops and edges its critical masks favour (text + SVG)
  train    train one architecture (NB201 / DARTS network) on Fashion-MNIST or CIFAR-10; curve, weights
           (`nas search --evaluator train` searches with every candidate trained)
  oneshot  train a weight-sharing supernet on NB201 (spos, rsps, darts-v1/v2, gdas): a derived cell, or `nas search --evaluator supernet`
  zc       zero-cost proxy scores (synflow, nwot, snip, ...) of untrained networks: every cell, a table's, or a list
)";
constexpr const char* kWithoutModels = R"(
This nas was built without LibTorch (-DNAS_WITH_TORCH=OFF): search and sweep have the searches that
need no model (random, rea, local-search) on the tabular benchmarks, with every executor; guided
search, train, predict-eval and explain need a build with it.
)";
constexpr const char* kUsageEnd = R"(
`nas <command> --help` lists a command's options (types, ranges, defaults); `nas --version`.
)";
void usage(std::FILE* to) {
  std::fputs(kUsage, to);
  if (!nas::study::kWithModels) std::fputs(kWithoutModels, to);
  std::fputs(kUsageEnd, to);
}
}

namespace {
int run(int argc, char** argv);
}

int main(int argc, char** argv) {
  // Under mpirun/srun every rank runs this same command line: rank 0 runs it, ranks >= 1 serve
  // evaluations (only `nas search --executor mpi` uses them; see mpi_job.hpp).
  std::unique_ptr<nas::app::mpi::Job> mpi_job;
  try {
    mpi_job = std::make_unique<nas::app::mpi::Job>(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "nas: error: {}\n", e.what());
    return 1;
  }
  const int rc = run(argc, argv);
  nas::app::mpi::set_exit_code(rc);  // the code of an exit that MPI_Finalize's watchdog forces
  return rc;
}

namespace {
int run(int argc, char** argv) {
  if (nas::app::mpi::is_worker() && (argc < 2 || std::strcmp(argv[1], "search") != 0 || nas::cli::help_requested(argc, argv)))
    return nas::app::mpi::fail("");  // rank 0 says what is wrong (or prints the help), once
  if (nas::app::mpi::ranks() > 1 && (argc < 2 || std::strcmp(argv[1], "search") != 0)) {
    fmt::print(stderr, "nas: started by an MPI launcher with {} ranks: only `nas search --executor mpi` uses them; run other commands without mpirun\n",
               nas::app::mpi::ranks());
    return 2;
  }
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    fmt::print("nas {}{}\n", nas::app::version(), nas::study::kWithModels ? "" : " (built without LibTorch)");
    return 0;
  }
  const std::string cmd = argv[1];
  try {
    if (cmd == "search") return nas::app::cmd_search(argc, argv);
    if (cmd == "space") return nas::app::cmd_space(argc, argv);
    if (cmd == "bench") return nas::app::cmd_bench(argc, argv);
    if (cmd == "sweep") return nas::app::cmd_sweep(argc, argv);
#if NAS_STUDY_WITH_TORCH
    if (cmd == "predict-eval") return nas::app::cmd_predict_eval(argc, argv);
    if (cmd == "explain") return nas::app::cmd_explain(argc, argv);
    if (cmd == "train") return nas::app::cmd_train(argc, argv);
    if (cmd == "zc") return nas::app::cmd_zc(argc, argv);
    if (cmd == "oneshot") return nas::app::cmd_oneshot(argc, argv);
#else
    if (cmd == "predict-eval" || cmd == "explain" || cmd == "train" || cmd == "zc" || cmd == "oneshot") {
      fmt::print(stderr, "nas {}: error: {}\n", cmd, nas::study::without_models("nas " + cmd));
      return 2;
    }
#endif
    fmt::print(stderr, "nas: unknown command '{}'\n\n", cmd);
    usage(stderr);
    return 2;
  } catch (const std::exception& e) {
    if (nas::app::mpi::is_worker()) return nas::app::mpi::fail(e.what());  // rank 0 reports it (or its own, the same)
    fmt::print(stderr, "nas {}: error: {}\n", cmd, e.what());
    return 1;
  }
}
}  // namespace
