#pragma once
// Reading a SearchConfig from the command line (`nas search`, `nas sweep`); everything else they
// share with Python and embedders is the study library's (nas/study/).
#include <span>
#include <string>

#include "nas/study/config.hpp"
#include "nas/study/results.hpp"
#include "nas/engine/guided.hpp"
#include "nas/engine/journal.hpp"
#include "nas/engine/search.hpp"
#include "nas/engine/summary.hpp"

namespace nas::app {

// The commands are thin layers over the study library.
using namespace nas::study;

/// Reads `nas <command>`'s options into `c` (CLI11 over the declarations; --config FILE; --resume
/// DIR reads DIR/config.toml), then c.finish(). Returns false when --help was printed. Throws
/// OptionError naming the option (and file:line for config files).
bool parse_search_config(SearchConfig& c, int argc, char** argv, const char* command, const char* description);

/// This process's MPI job as study::executor_options wants it (mpi_job.hpp).
MpiWorkers mpi_workers();

}  // namespace nas::app
