// `nas oneshot`: trains a weight-sharing supernet (issue 26; the study library does the work).
#include <filesystem>

#include <fmt/format.h>

#include "cli.hpp"
#include "commands.hpp"
#include "nas/core/errors.hpp"
#include "nas/study/oneshot.hpp"

namespace nas::app {

int cmd_oneshot(int argc, char** argv) {
  OneshotConfig c;
  if (!cli::parse(c.options, argc, argv, 2, "oneshot",
                  "nas oneshot: trains a weight-sharing supernet of --space nb201 (--method spos, rsps, darts-v1, darts-v2, gdas) and writes "
                  "supernet.pt (for nas search --evaluator supernet --supernet FILE), curve.csv, curve.svg, summary.json (rsps, darts, gdas: "
                  "the derived cell as arch, with its NB201 CIFAR-10 test accuracy), arch_weights.csv/svg (darts, gdas), config.toml and "
                  "checkpoint.pt. Rerunning the command, or --resume DIR, continues from the last epoch's checkpoint. --rank-cells FILE "
                  "then ranks FILE's cells with inherited weights (ranking.csv; Kendall tau, Spearman in summary.json)."))
    return 0;
  // --resume DIR: the run's own options (DIR/config.toml), as nas search does.
  if (!c.resume.empty()) {
    if (!std::filesystem::exists(c.resume + "/config.toml"))
      throw OptionError(fmt::format("--resume {}: no {}/config.toml; expected the --out folder of a nas oneshot run", c.resume, c.resume));
    c.options.read_toml(c.resume + "/config.toml");
    if (c.options.typed("out") && std::filesystem::weakly_canonical(c.out) != std::filesystem::weakly_canonical(c.resume))
      throw OptionError(fmt::format("--out {} with --resume {}: a resumed run continues in its own folder; drop --out", c.out, c.resume));
    c.out = c.resume;
  }
  c.finish();
  return run_oneshot(c, stderr);
}

}  // namespace nas::app
