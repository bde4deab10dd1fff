// Catch2's main, plus NAS_TEST_TBB_THREADS=N: caps oneTBB at N threads for the whole test run.
// The ThreadSanitizer pass (scripts/check.sh) sets 1: Debian's oneTBB is not instrumented, so
// TSan cannot see its task synchronisation and reports every hand-off between TBB tasks as a race
// (hundreds of false reports); with TBB serial, what TSan checks is the engine's own threads
// (executor workers, asynchronous retraining, the journal), which it sees completely.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>
#include <memory>
#include <string>

#include <tbb/global_control.h>

int main(int argc, char* argv[]) {
  std::unique_ptr<tbb::global_control> cap;
  if (const char* n = std::getenv("NAS_TEST_TBB_THREADS"))
    cap = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(std::stoul(n)));
  return Catch::Session().run(argc, argv);
}
