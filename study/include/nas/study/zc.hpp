#pragma once
// `nas zc` as a library: score the cells of a space, of a table or of a list with zero-cost proxies
// (training/zero_cost.hpp), in parallel over cores, into a CSV that a rerun resumes. Built with
// LibTorch only (NAS_STUDY_WITH_TORCH).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nas/study/option_set.hpp"
#include "nas/training/zero_cost.hpp"

namespace nas::study {

/// Every option of `nas zc` (and of Python's zc()), declared once in `options`.
struct ZcConfig {
  std::string space = "nb201", dataset = "cifar10", proxies = "all", out = "zc.csv";
  std::string table, arch_column = "auto", arch;  // where the cells come from (none: every cell of the space)
  std::string data = "auto", data_path;
  int batch_size = 32;  // NASLib's
  std::uint64_t seed = 0;
  int threads = 0;      // 0: every core
  int channels = 0;     // 0: the benchmark's (NB201 16, DARTS 32 as NB301's zero-cost data)
  int cells = 0;        // 0: the benchmark's (NB201 5 per stage, DARTS 8 layers)
  OptionSet options;
  ZcConfig();
  ZcConfig(const ZcConfig&) = delete;
  ZcConfig& operator=(const ZcConfig&) = delete;
};

/// The batch ZcConfig asks for: real images (Fashion-MNIST; CIFAR-10 from --data-path), random
/// ones, or none. `auto`: real where there are real images of --dataset's shape, random
/// otherwise. Throws OptionError / DataError.
training::ZcBatch zc_batch(const ZcConfig& c);
/// The proxies, network and seed of `c`. Throws OptionError.
training::ZcOptions zc_options(const ZcConfig& c);

/// The cells to score with their official strings: --arch (several separated by ';'), else
/// --table's architecture column, else every cell of an enumerable space. Throws OptionError
/// (a space that cannot be enumerated without --table or --arch) or DataError (a table row that
/// does not parse, naming file, line and value).
std::vector<std::pair<std::string, Genome>> zc_cells(const ZcConfig& c, const SearchSpace& space);

struct ZcRun {
  std::size_t cells = 0;     // asked for (distinct strings)
  std::size_t resumed = 0;   // already in --out
  std::size_t scored = 0;    // scored by this call
  std::size_t missing = 0;   // scores that were not finite (recorded as empty fields)
  double seconds = 0;
};

/// Scores every cell not already in c.out and writes one row per cell: `arch`, each proxy (an
/// empty field where the score was not finite), and `seconds_<proxy>`. Rows are appended (and
/// flushed) as cells finish, so a killed run loses at most the cells in flight and a rerun with
/// the same options goes on; at the end the file is rewritten in the order of the cells. Checks
/// everything (options, data, the cells, an existing file's columns) before scoring. `progress`
/// is called after each cell (done, total) from one thread at a time; `ready` once everything is
/// checked, before the first cell (the batch and the number of cells still to score). Throws
/// OptionError / DataError.
ZcRun run_zc(const ZcConfig& c, const std::function<void(std::size_t, std::size_t)>& progress = {},
             const std::function<void(const training::ZcBatch&, std::size_t)>& ready = {});

}  // namespace nas::study
