#pragma once
// Weight sharing (issue 26): supernets of the NAS-Bench-201 and DARTS spaces, trained by
// single-path one-shot (SPOS, Guo et al. 2020), RSPS, DARTS (first and second order) or GDAS, and
// an Evaluator that scores a cell with the weights it inherits from the supernet. Torch-free
// header: the modules live in the library.
//
// NB201: the stand-alone network's macro skeleton (network.hpp: stem, three stages of `cells`
// cells with residual blocks between them, head); every one of a cell's 6 edges holds all 5
// candidate ops (none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3), each with its own
// weights, built as the stand-alone network builds them. A forward pass for a genome runs only
// that genome's op on each edge: it computes what the stand-alone network of the genome computes
// with the chosen ops' weights (tested bit for bit on the CPU).
//
// DARTS: DARTS' search network (model_search.py): stem (3x3 conv to 3C, BN), `cells` cells
// (NetworkOptions::layers; reduction cells at 1/3 and 2/3 double the channels), global pool,
// linear classifier. A cell preprocesses its two inputs, and node n (0..3) reads all 2 + n earlier
// states through an edge holding the 7 ops (and none) with BN without scale and shift, pools
// followed by such a BN: 14 edges per cell, the normal cells' shared by alpha rows 0..13 and the
// reduction cells' by rows 14..27. A path (a genotype: 2 edges per node) runs those edges only;
// unlike NB201, its modules are the search network's (affine-free BN), not the stand-alone
// network's, so export_path_weights applies to NB201 only.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "nas/core/architecture_hash.hpp"
#include "nas/core/evaluator.hpp"
#include "nas/training/data.hpp"
#include "nas/training/network.hpp"
#include "nas/training/trainer.hpp"

namespace nas::training {

/// How a supernet is trained. The optimiser and schedule are the trainer's (SGD, momentum,
/// Nesterov, weight decay, cosine learning rate per step); only the path changes per step.
struct SupernetOptions {
  /// The skeleton: channels and cells (NB201's C and N). input_* and classes are set from the data.
  NetworkOptions network;
  /// "spos": one path per step, the weights of the ops off the path untouched (no gradient, no
  /// weight decay, no momentum step). "rsps" (random search with parameter sharing, Li and
  /// Talwalkar 2019): trained as spos with uniform paths; its cell is chosen afterwards by random
  /// search on the supernet (study's run_oneshot). "darts-v1" / "darts-v2" (Liu et al. 2019, first
  /// / second order) and "gdas" (Dong and Yang 2019, Gumbel-softmax, one sampled path per step):
  /// architecture parameters alpha [6 edges x 5 ops] learned by Adam on one half of the training
  /// part, alternating with SGD steps of the weights on the other half; the cell derived is each
  /// edge's argmax on NB201 (none included, as NB201 derives it), DARTS' genotype rule on darts
  /// (SupernetResult::derived). alpha: [6 x 5] on NB201, [28 x 8] on DARTS.
  std::string method = "spos";
  /// How a step's path is drawn: "uniform" (each edge's op uniformly: every cell equally likely)
  /// or "fair" (FairNAS' strict fairness: per step 5 paths that together hold every op of every
  /// edge once, gradients summed into one step; 5 forward-backward passes per batch; an op on
  /// an edge into a node its path leaves dead still gets no gradient from that path),
  /// or "canonical" (a canonical class of the space uniformly, then a cell of it uniformly, so
  /// that the many spellings of a few computations do not dominate). fair and canonical: NB201
  /// only (a DARTS genotype is drawn uniformly, which is uniform over its classes too).
  std::string sampling = "uniform";
  int epochs = 10;
  int batch_size = 64;
  double learning_rate = 0.05;  // peak; cosine-annealed to lr_min over all steps
  double lr_min = 0;
  double momentum = 0.9;
  bool nesterov = true;
  double weight_decay = 5e-4;
  Augment augment = Augment::automatic;  // pad-4 random crop + flip (on for CIFAR-10 under auto)
  std::string device = "cpu";            // "auto", "cpu", "cuda", "cuda:N"
  /// torch intra-op threads (0 = leave as is); global to the process, like TrainOptions::threads.
  int threads = 1;
  std::uint64_t seed = 0;  // weights, data order, augmentation and paths draw from it only
  /// How the caller made the split (recorded in the file so that a search can check that it
  /// measures cells on images the supernet never trained on); -1: not told.
  std::int64_t split_valid_images = -1;
  std::uint64_t split_seed = 0;
  double arch_learning_rate = 3e-4;  // DARTS / GDAS: Adam on alpha (DARTS' 3e-4, betas 0.5, 0.999)
  double arch_weight_decay = 1e-3;
  double tau_max = 10, tau_min = 0.1;  // GDAS: temperature, linear over the epochs (NB201's)
  /// Few-shot NAS (Zhao et al. 2021), NB201 and spos with uniform sampling only: every path has op
  /// `fix_op` (NB201's op index) on edge `fix_edge` (0..5), so the supernet trained is the
  /// sub-supernet of that op; -1 for both: none fixed.
  int fix_edge = -1, fix_op = -1;
  /// A supernet file (same space, skeleton and data shape) whose weights start this training
  /// instead of a fresh initialisation (few-shot: the one-shot supernet); empty: none.
  std::string init_from;
  /// Throws OptionError naming the field.
  void validate() const;
};

/// What a supernet file says about itself. Written with the weights; checked on every load.
struct SupernetInfo {
  std::string space;   // "nb201" or "darts"
  std::string method;  // "spos"
  std::string sampling;
  std::string data;    // the dataset's name (informative; the shape below is what is checked)
  int channels = 0, cells = 0;  // cells: NB201's cells per stage (N), DARTS' layers
  int input_channels = 0, input_height = 0, input_width = 0, classes = 0;
  int epochs_done = 0;     // epochs trained so far (== epochs in a finished file)
  int epochs = 0;          // the schedule's length
  std::uint64_t seed = 0;
  std::int64_t parameters = 0;  // all candidate ops' parameters
  /// The held-out part of the split it was trained with: its size and a hash of its image
  /// indices (-1 / 0 in files written before they were recorded), and the caller's description
  /// (SupernetOptions::split_valid_images / split_seed; -1 when not told).
  std::int64_t valid_count = -1;
  std::uint64_t valid_hash = 0;
  std::int64_t split_valid_images = -1;
  std::uint64_t split_seed = 0;
  /// A few-shot sub-supernet's fixed op on one edge (SupernetOptions::fix_edge / fix_op); -1: none.
  int fix_edge = -1, fix_op = -1;
  /// The skeleton as NetworkOptions: what the stand-alone network of one of its paths is built with.
  NetworkOptions network() const {
    NetworkOptions o;
    o.channels = channels;
    if (space == "darts") o.layers = cells;
    else o.cells = cells;
    o.input_channels = input_channels;
    o.input_height = input_height;
    o.input_width = input_width;
    o.classes = classes;
    return o;
  }
};

struct SupernetEpochLog {
  int epoch = 0;                // 1-based
  double learning_rate = 0;     // at the epoch's start
  double train_loss = 0;        // mean over the epoch's images (each step on its own path)
  double seconds = 0;           // training time of the epoch (checkpoint excluded)
  double images_per_second = 0;
  /// DARTS / GDAS: softmax(alpha) after the epoch, [edges x ops] row-major: NB201 6 x 5 (none,
  /// skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3); DARTS 28 x 8 (normal cell's 14
  /// edges, then the reduction cell's; none, then DARTS' 7 ops in darts::Op order); empty otherwise.
  std::vector<double> arch_weights;
};
using SupernetEpochCallback = std::function<void(const SupernetEpochLog&)>;

struct SupernetResult {
  SupernetInfo info;
  std::vector<SupernetEpochLog> curve;  // the epochs trained by this call
  int resumed_from_epoch = 0;           // the checkpoint's epoch (0: from scratch)
  double seconds = 0;                   // wall time of the call
  std::string device;
  /// DARTS / GDAS: the derived cell (NB201: each edge's argmax, none included; DARTS: per node the
  /// 2 inputs whose strongest op other than none has the largest softmax weight, each with that
  /// op, as DARTS' genotype()) and the final softmax(alpha); empty for
  /// spos and rsps (whose cells come from a search on the supernet).
  Genome derived;
  std::vector<double> arch_weights;
};

/// Trains a supernet of `space` (nb201 or darts) on `split.train` of `data` (SPOS: per step, one
/// path drawn as `options.sampling` says; cross-entropy; SGD on that path only) and writes it to `out_path`
/// (torch archive: weights, buffers and SupernetInfo; written atomically: temporary file + rename).
/// `options.network`'s input fields and classes are taken from the data.
///
/// With `checkpoint_path`, the full training state (weights, optimiser momentum, data-order /
/// augmentation / path generator, step, epoch, and the options it depends on) is written there
/// after every epoch, atomically, and kept at the end; if that file exists when the call starts,
/// training resumes from it. On the CPU a run killed at any point (SIGKILL included) and rerun
/// with the same arguments ends bit for bit where an uninterrupted run ends; rerun after it
/// finished, it trains nothing and writes `out_path` again. `on_epoch` is called after each
/// epoch (after its checkpoint), on the calling thread; an exception from it ends the call.
///
/// Throws OptionError (bad options, a space other than nb201 and darts, a sampling other than
/// uniform on darts, fewer than 2 training images, an empty `out_path`), DataError (a checkpoint that is corrupt or truncated, or of another space,
/// data shape, options or training split: the message names the file, the field, its value and
/// this run's; a file that cannot be written), TrainingFailed (the loss is not finite).
/// Thread-safe apart from `threads` (torch's thread count is process-wide).
SupernetResult train_supernet(const SearchSpace& space, const ImageData& data, const Split& split, const SupernetOptions& options,
                              const std::string& out_path, const std::string& checkpoint_path = "",
                              const SupernetEpochCallback& on_epoch = {});

/// Reads the SupernetInfo of a supernet (or checkpoint) file. Throws DataError naming the file if
/// it is missing, corrupt, truncated or not a supernet file. Thread-safe.
SupernetInfo read_supernet_info(const std::string& path);

/// Checks that the supernet file `path` fits `space` and `data` (space, input channels, height,
/// width, classes); throws DataError naming the file, the field, its value and the expected one
/// (or why the file cannot be read). Returns its info. Thread-safe.
SupernetInfo check_supernet(const std::string& path, const SearchSpace& space, const ImageData& data);

/// Writes the weights a stand-alone network of `g` inherits from the supernet `supernet_path`:
/// the torch archive train_network writes for `weights_path`, loadable into the network that
/// build_network makes for `g` with the supernet's skeleton (same parameter and buffer names).
/// Throws DataError (unreadable supernet, cannot write) or OptionError (g not of the supernet's
/// space). Thread-safe.
void export_path_weights(const SearchSpace& space, const std::string& supernet_path, const Genome& g, const std::string& weights_path);

/// The logits (n x classes, row-major) of path `g` of the supernet `supernet_path` in eval mode
/// (running BN statistics as stored) on `n` images given as floats (n x C x H x W, row-major,
/// already normalised). For checks and tools: loads the file on each call. Throws DataError for an
/// unreadable file or a wrong input size; OptionError for a genome of another space. Thread-safe
/// apart from torch's thread count.
std::vector<float> supernet_path_logits(const SearchSpace& space, const std::string& supernet_path, const Genome& g,
                                        const std::vector<float>& images, int n);

struct SupernetEvaluatorOptions {
  /// K: batches of training images run through the path in train mode (no gradient) to
  /// recompute its BN running statistics before measuring, as SPOS does: the supernet's running
  /// statistics mix every path's activations. 0: use the stored statistics (an ablation).
  int bn_batches = 10;
  int batch_size = 64;           // of the recalibration batches and of the evaluation
  std::size_t valid_subset = 0;  // the first N images of split.valid are measured (0 = all)
  std::uint64_t seed = 0;        // which training images form the K recalibration batches
  /// The search signal: "accuracy" (top-1, percent) or "loss" (minus the mean cross-entropy of
  /// the validation images, nats: continuous where 1,000 images' accuracy moves in 0.1-point
  /// steps). reported is the accuracy either way.
  std::string metric = "accuracy";
  std::string device = "cpu";
  int threads = 1;               // as SupernetOptions::threads
  void validate() const;         // throws OptionError naming the field
};

/// Evaluates cells with inherited weights: BN recalibration of the path (reset its BN layers'
/// running statistics, forward passes in train mode over the same K training batches for every
/// cell, exact averages of their batch statistics), then top-1 accuracy (percent) and mean
/// cross-entropy on a fixed validation subset, in eval mode. signal: that accuracy, or minus the
/// loss (options.metric); reported: the accuracy. A canonically identical
/// cell already evaluated is answered from the cache (cost 0), so duplicates are evaluated once;
/// results do not depend on the order of queries (each recalibration starts from reset statistics).
///
/// Not thread-safe (one per run, like every Evaluator; its supernet's BN statistics change with
/// each evaluation). Separate evaluators may run in separate threads: each loads its own copy.
class SupernetEvaluator final : public Evaluator {
 public:
  /// Loads `supernet_path` (check_supernet's checks: DataError naming the file and field). Use
  /// the split the supernet was trained on so that split.valid holds images it never trained on:
  /// a split.valid other than the file's held-out part is refused (DataError naming both sizes),
  /// unless the file predates that record. The recalibration batches come from split.train.
  /// Throws OptionError for bad options or an empty validation part.
  SupernetEvaluator(const SearchSpace& space, const std::string& supernet_path, std::shared_ptr<const ImageData> data, Split split,
                    SupernetEvaluatorOptions options = {});
  ~SupernetEvaluator() override;
  SupernetEvaluator(const SupernetEvaluator&) = delete;
  SupernetEvaluator& operator=(const SupernetEvaluator&) = delete;

  /// Throws OptionError for a genome that is not valid in the space, or, on a few-shot
  /// sub-supernet, one without its fixed op on its fixed edge.
  Evaluation evaluate(const Genome& g) override;
  std::uint64_t queries() const override { return queries_; }
  /// The mean validation cross-entropy (nats) of `g`'s canonical class, once evaluate() has
  /// measured it; nullopt before. Whatever options.metric is.
  std::optional<double> validation_loss(const Genome& g) const;
  /// Cells actually evaluated (queries minus cache hits).
  std::uint64_t evaluations() const { return evaluations_; }
  const SupernetInfo& info() const;
  /// Sums of running_mean and of running_var over the BN layers of `g`'s path (skeleton and the
  /// chosen ops) as they stand now: for checks that recalibration changed them.
  std::pair<double, double> path_bn_statistics(const Genome& g) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
  struct Done {
    Evaluation evaluation;
    double loss;
  };
  std::unordered_map<ArchitectureHash, Done, ArchitectureHashHasher> done_;
  std::uint64_t queries_ = 0, evaluations_ = 0;
};

/// Checks that `paths` are a few-shot set: NB201 sub-supernets fixed on one edge, one per op (any
/// order). Returns each file's fixed op. Throws DataError naming the file (unreadable, not nb201,
/// no fixed op, another edge, an op twice) or the op no file has. Thread-safe.
std::vector<int> check_few_shot_set(const std::vector<std::string>& paths);

/// Few-shot NAS (Zhao et al. 2021): a set of NB201 sub-supernets, each with one op fixed on one
/// edge (train_supernet with fix_edge / fix_op, usually from the one-shot supernet's weights); a
/// cell is evaluated by the sub-supernet of its op on that edge (SupernetEvaluator: BN
/// recalibrated, top-1 on split.valid). Canonically identical cells can hold different ops on the
/// split edge (an edge into a dead node): each is measured as the first cell of its class in
/// NB201's code order, so duplicates are evaluated once and results do not depend on the order
/// of queries. Not thread-safe (one per run).
class FewShotEvaluator final : public Evaluator {
 public:
  /// `paths`: one sub-supernet per op of the space's edge, all fixed on one edge (any order).
  /// Throws DataError naming the file for a file without a fixed op, another edge, a repeated or
  /// missing op, or any of SupernetEvaluator's refusals; OptionError for a space other than nb201.
  FewShotEvaluator(const SearchSpace& space, const std::vector<std::string>& paths, std::shared_ptr<const ImageData> data, const Split& split,
                   const SupernetEvaluatorOptions& options = {});
  ~FewShotEvaluator() override;
  FewShotEvaluator(const FewShotEvaluator&) = delete;
  FewShotEvaluator& operator=(const FewShotEvaluator&) = delete;
  /// Throws OptionError for a genome that is not valid in the space.
  Evaluation evaluate(const Genome& g) override;
  std::uint64_t queries() const override { return queries_; }
  /// As SupernetEvaluator::validation_loss, from the sub-supernet that measured `g`'s class.
  std::optional<double> validation_loss(const Genome& g) const;
  std::uint64_t evaluations() const;
  int edge() const { return edge_; }

 private:
  const SearchSpace& space_;
  int edge_ = -1;
  std::vector<std::unique_ptr<SupernetEvaluator>> by_op_;
  std::unordered_map<ArchitectureHash, Genome, ArchitectureHashHasher> representative_;
  std::uint64_t queries_ = 0;
};

}  // namespace nas::training
