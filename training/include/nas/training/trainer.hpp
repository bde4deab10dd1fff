#pragma once
// Training one architecture from scratch: SGD (momentum, Nesterov, weight decay) with a cosine
// learning-rate schedule, on a fixed split of an image dataset. One call is self-contained (it
// builds the network, trains, evaluates) so it can run in any thread or process. Torch-free header.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nas/core/evaluator.hpp"
#include "nas/training/data.hpp"
#include "nas/training/network.hpp"

namespace nas::training {

enum class Augment { automatic, on, off };  // automatic: on for CIFAR-10, off for Fashion-MNIST
Augment parse_augment(std::string_view s);  // auto | on | off; throws OptionError
std::string_view augment_name(Augment a);

/// The fidelity and the optimiser. Defaults are the search fidelity used on this project's 2-core
/// machines (see README "End-to-end search"); `nas train` uses the benchmark's full schedule.
struct TrainOptions {
  int epochs = 4;
  int batch_size = 64;
  double learning_rate = 0.1;     // peak; cosine-annealed to lr_min over all steps
  double lr_min = 0;
  double momentum = 0.9;
  bool nesterov = true;
  double weight_decay = 5e-4;
  double grad_clip = 0;           // max global gradient norm (0 = off; DARTS used 5)
  double aux_weight = 0.4;        // weight of the auxiliary head's loss (DARTS networks with one)
  Augment augment = Augment::automatic;  // pad-4 random crop + horizontal flip
  /// "auto" (CUDA if available, else CPU), "cpu", "cuda", "cuda:N".
  std::string device = "auto";
  /// torch intra-op threads for this process (0 = leave as is). torch's thread count is global
  /// to the process: one training per process, or the same value for all.
  int threads = 1;
  /// Channels-last (NHWC) activations and convolution weights: oneDNN's preferred CPU layout.
  bool channels_last = false;
  /// Validation accuracy after every epoch (a learning curve) instead of after the last only.
  bool valid_every_epoch = false;
  void validate() const;  // throws OptionError naming the field
};

struct EpochLog {
  int epoch = 0;              // 1-based
  double learning_rate = 0;   // at the epoch's start
  double train_loss = 0, train_accuracy = 0;  // running over the epoch (accuracy in percent)
  double valid_accuracy = 0;  // percent; NaN when not measured this epoch
  double seconds = 0;         // the epoch's training time (validation excluded)
};

struct TrainResult {
  double valid_accuracy = 0;  // percent, on the split's validation part (the search signal)
  double test_accuracy = 0;   // percent, on the split's test part (reported only)
  double seconds = 0;         // wall time of the whole call (build, train, evaluate)
  double train_images_per_second = 0;
  NetworkSummary network;
  std::vector<EpochLog> curve;
  std::string device;         // where it ran, e.g. "cpu", "cuda:0"
};

/// Thrown when training cannot go on (the loss became NaN or infinite). An EvaluationFailed, so a
/// search records it and goes on.
class TrainingFailed : public EvaluationFailed {
 public:
  explicit TrainingFailed(const std::string& what) : EvaluationFailed(FailureKind::diverged, what) {}
};

/// Called after each epoch, on the calling thread.
using EpochCallback = std::function<void(const EpochLog&)>;

/// Training in segments (multi-fidelity: a promoted candidate goes on from its lower rung). The
/// schedule (cosine learning rate, drop-path ramp) spans `schedule_epochs`; a call trains from the
/// checkpoint's epoch (0 without one) to TrainOptions::epochs. On the CPU, training 3 epochs, saving,
/// and going on from the checkpoint to 9 gives bit for bit the weights and accuracies of 9 epochs
/// straight with the same schedule: the checkpoint holds the weights and buffers, the optimiser's
/// momentum, the data-order and augmentation generator, the network's own generator, the step.
struct Continuation {
  int schedule_epochs = 0;  // 0: TrainOptions::epochs (one segment, the usual training)
  std::string resume_from;  // a checkpoint of an earlier segment of the same cell, seed and schedule ("": from scratch)
  std::string save_to;      // where to write the checkpoint after the last epoch ("": nowhere); written atomically
};

/// Trains `g` (a genome of `space`, "nb201" or "darts") from scratch on `split` of `data`.
/// `net.input_*` and `net.classes` are taken from the data. Weights, data order, augmentation and
/// drop-path draw from `seed` only, so on the CPU the result is identical for a seed and a
/// thread count. If `weights_path` is non-empty the final weights are saved there (torch
/// serialisation of the module's parameters and buffers). Throws OptionError (bad options or
/// device), TrainingFailed (diverged), DataError (cannot save). Thread-safe apart from `threads`.
/// With `continuation`, trains one segment (see Continuation): the result's curve holds this
/// segment's epochs, its seconds this call's; DataError for a checkpoint that cannot be read or
/// that belongs to another schedule, OptionError for one already at or past TrainOptions::epochs.
TrainResult train_network(const SearchSpace& space, const Genome& g, const ImageData& data, const Split& split,
                          NetworkOptions net, const TrainOptions& options, std::uint64_t seed,
                          const EpochCallback& on_epoch = {}, const std::string& weights_path = "",
                          const Continuation& continuation = {});

/// Images per second of training steps (forward, backward, SGD step) on random data of the
/// network's input shape, after `warmup` steps: the throughput benchmark's inner loop.
double measure_training_throughput(const SearchSpace& space, const Genome& g, const NetworkOptions& net, const TrainOptions& options,
                                   int steps, int warmup = 3);

/// The device "auto" resolves to here ("cpu" or "cuda").
std::string resolve_device(const std::string& device);

}  // namespace nas::training
