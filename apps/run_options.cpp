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
    // nas writes every option into config.toml; one without its algorithm or its folder was cut
    // short or written by hand, and the defaults must not stand in for the run's own options.
    for (const char* key : {"algo", "out", "seeds", "budget"})
      if (!c.options.given(key))
        throw OptionError(fmt::format("--resume {}: {}/config.toml has no '{}' line; expected the complete config.toml that nas wrote when the run started",
                                      c.resume, c.resume, key));
    if (c.options.typed("out") && std::filesystem::weakly_canonical(c.out) != std::filesystem::weakly_canonical(c.resume))
      throw OptionError(fmt::format("--out {} with --resume {}: a resumed run continues in its own folder; drop --out", c.out, c.resume));
    c.out = c.resume;  // the folder given, wherever the run first wrote to (it may have moved)
  }
  c.finish();
  return true;
}

}  // namespace nas::app
