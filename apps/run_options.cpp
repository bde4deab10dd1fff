#include "run_options.hpp"

#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "nas/study/experiment.hpp"
#include "mpi_job.hpp"
#include "cli.hpp"
#include "nas/datasets/csv.hpp"
#include "nas/core/errors.hpp"

namespace nas::app {

MpiWorkers mpi_workers() { return {mpi::ranks(), [](double h, double l) { return mpi::pool(h, l); }}; }

bool parse_search_config(SearchConfig& c, int argc, char** argv, const char* command, const char* description) {
  if (!cli::parse(c.options, argc, argv, 2, command, description)) return false;
  // --resume DIR: the run's own options (DIR/config.toml, written when it started) and its journal.
  if (!c.resume.empty()) {
    if (!std::filesystem::exists(c.resume + "/config.toml"))
      throw OptionError(fmt::format("--resume {}: no {}/config.toml; expected the --out folder of a run", c.resume, c.resume));
    c.options.read_toml(c.resume + "/config.toml");
  }
  c.finish();
  return true;
}

}  // namespace nas::app
