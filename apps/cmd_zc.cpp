// `nas zc`: zero-cost proxy scores of many cells (the work is study::run_zc).
#include <memory>

#include <fmt/format.h>

#include "cli.hpp"
#include "commands.hpp"
#include "nas/study/zc.hpp"

namespace nas::app {

int cmd_zc(int argc, char** argv) {
  study::ZcConfig c;
  if (!cli::parse(c.options, argc, argv, 2, "zc",
                  "nas zc: scores untrained networks with zero-cost proxies (NASLib's definitions) and writes one row per cell: the "
                  "official arch string, each proxy (empty where a score is not finite) and the seconds each took. Every cell of "
                  "the space (nb201: 15,625), or --table's, or --arch's. A rerun with the same options resumes the file.",
                  false))
    return 0;
  std::unique_ptr<cli::Progress> bar;
  const auto r = study::run_zc(
      c,
      [&](std::size_t done, std::size_t total) {
        if (!bar) bar = std::make_unique<cli::Progress>("cells scored", total), bar->tick(done - 1);
        bar->tick();
      },
      [&](const training::ZcBatch& batch, std::size_t todo) {
        fmt::print(stderr, "nas zc: {} cells of {} to score for {} ({}x{}x{}, {} classes), batch {} of {} data, proxies {}\n", todo, c.space,
                   c.dataset, batch.shape.channels, batch.shape.height, batch.shape.width, batch.shape.classes, batch.batch_size,
                   batch.source, c.proxies);
      });
  bar.reset();
  fmt::print("{} cells: {} scored now, {} from an earlier run, {} scores missing (not finite); {:.1f} s; {}\n", r.cells, r.scored, r.resumed,
             r.missing, r.seconds, c.out);
  return 0;
}

}  // namespace nas::app
