#pragma once
// Weight sharing from the command line's point of view (issue 26): `nas oneshot` (a supernet
// trained and written with its learning curve and summary) and the checks `nas search --evaluator
// supernet` makes before any work. Needs LibTorch (NAS_STUDY_WITH_TORCH). Not thread-safe.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nas/engine/search.hpp"
#include "nas/study/option_set.hpp"
#include "nas/training/evaluator.hpp"

namespace nas::study {

/// `nas oneshot`'s options (declared once in `options`; the CLI, config files and config.toml
/// read them). Build it, set options, then finish().
struct OneshotConfig {
  OneshotConfig();
  OneshotConfig(const OneshotConfig&) = delete;
  OneshotConfig& operator=(const OneshotConfig&) = delete;

  std::string method = "spos", space = "nb201", sampling = "uniform";
  std::string data = "fashion-mnist", data_path, device = "cpu";
  std::string out, resume;
  int epochs = 10, batch_size = 64, channels = 8, cells = 1, threads = 1;
  int layers = 5;  // darts: cells of the supernet (nb201 has `cells` per stage)
  double learning_rate = 0.05, lr_min = 0, weight_decay = 5e-4;
  double arch_learning_rate = 3e-4, arch_weight_decay = 1e-3, tau_max = 10, tau_min = 0.1;  // darts-v1/v2, gdas
  int rsps_samples = 100;  // rsps: random cells scored on the supernet (NB201's RSPS: 100)
  /// Few-shot NAS (spos on nb201): after training, one sub-supernet per op of edge
  /// `few_shot_edge` (-1: none), each from the supernet's weights with that op fixed, for
  /// `few_shot_epochs`; the ranking then scores cells with them too.
  int few_shot_edge = -1, few_shot_epochs = 20;
  std::uint64_t seed = 0, split_seed = 0;
  std::size_t train_images = 0;    // 0: all but the validation part
  std::size_t valid_images = 1000; // held out (never trained on): what --evaluator supernet measures
  /// Ranking (optional): the cells of this CSV (its `arch` column; a search trajectory, `nas space
  /// --list`, ...) scored with inherited weights after training, against the file's `rank_column`
  /// (when present) and the NB201 CIFAR-10 table, beside their parameter count.
  std::string rank_cells, rank_column = "signal";
  int rank_bn_batches = 10;
  OptionSet options;

  /// Refuses by name, in one line: a method or space not built (naming what exists), bad values.
  /// Sets out's default (runs/oneshot-<method>-<space>-<data>). Throws OptionError.
  void finish();
};

/// Trains the supernet c asks for (training::train_supernet) and writes in c.out: supernet.pt,
/// checkpoint.pt (the training state after each epoch), curve.csv (epoch, lr, loss, seconds,
/// images_per_second; rewritten after each epoch), curve.svg, summary.json and config.toml.
/// Rerun with the same options (or `--resume DIR`, which reads DIR/config.toml), it resumes from
/// checkpoint.pt: on the CPU it ends bit for bit where an uninterrupted run ends (supernet.pt).
/// One line per epoch on `log`. Returns 0. Throws OptionError / DataError / TrainingFailed.
///
/// With c.rank_cells, every distinct cell of that file is then evaluated with inherited weights
/// (training::SupernetEvaluator: BN recalibrated over c.rank_bn_batches training batches, top-1 on
/// the held-out images) into ranking.csv (arch, supernet, params, the file's reference column,
/// the NB201 CIFAR-10 table's test accuracy where the table is found), with Kendall's tau-b and
/// Spearman's rho of the supernet's accuracy and of the parameter count against each reference in
/// summary.json's `ranking` (cells per second included). The file is read and checked before
/// training starts (DataError naming file, line and value). With c.few_shot_edge, the 5 few-shot
/// sub-supernets are trained after the supernet (few_shot/<op>.pt and their checkpoints) and the
/// ranking scores the cells with them too (column few_shot).
int run_oneshot(OneshotConfig& c, std::FILE* log);

/// One cell of retrain_top: its search result and its training from scratch.
struct RetrainedCell {
  std::string arch;
  double search_signal = 0;  // what the search measured (inherited-weight validation accuracy)
  double valid = 0, test = 0, seconds = 0;  // trained from scratch
  std::int64_t parameters = 0;
};

/// A one-shot search's evaluation phase: the `k` best canonically distinct cells of `run` by
/// signal (ties: the earlier query), each trained from scratch by a training::TrainingEvaluator
/// with `options` and run seed `seed` (so a cell's result does not depend on the others), in the
/// order of their search signal. `on_cell` (optional) is called after each cell with (index,
/// total, cell, whether it came from the journal). `journal` (optional): a JSON-lines file; each
/// cell trained is appended to it (flushed) as soon as it is done, and a cell already in it (same
/// arch, same seed) is taken from it instead of trained again, so a killed evaluation phase goes
/// on where it stopped (a last line cut by the kill is ignored and rewritten). Throws
/// TrainingFailed / OptionError as the evaluator does, DataError for a journal line that is not
/// one of its records (file and line named). Thread-safe apart from torch's process-wide thread
/// count (options.train.threads) and the journal file (one caller per file).
std::vector<RetrainedCell> retrain_top(const SearchSpace& space, const SearchResult& run, std::size_t k,
                                       std::shared_ptr<const training::ImageData> data, const training::TrainingEvaluatorOptions& options,
                                       std::uint64_t seed,
                                       const std::function<void(std::size_t, std::size_t, const RetrainedCell&, bool)>& on_cell = {},
                                       const std::string& journal = "");

/// The input shape (channels, height, width, classes) of a --data name (fashion-mnist, cifar10)
/// without reading it. Throws OptionError for another name.
struct ImageShape {
  int channels = 0, height = 0, width = 0, classes = 0;
};
ImageShape data_shape(const std::string& data);

/// `--supernet`'s value as files: one supernet, or several separated by commas (a few-shot set).
std::vector<std::string> supernet_files(const std::string& list);

/// `--evaluator supernet`'s checks before the data is read: each file of `list` (supernet_files)
/// readable as a finished supernet file of `space` trained on images of `data`'s shape, with the
/// split `valid_size` / `split_seed` (where the file records its own); several files must be a
/// few-shot set of nb201 (training::check_few_shot_set). Throws DataError naming the file, the
/// field, its value and the expected one (or why it cannot be read); OptionError for several
/// files on another space.
void check_supernet_file(const std::string& list, const std::string& space, const std::string& data, std::size_t valid_size,
                         std::uint64_t split_seed);

}  // namespace nas::study
