#pragma once
// Options of real training (`nas search --evaluator train`, `nas train`): declared and bound here
// once. The two commands differ only in their defaults (a cheap search fidelity vs the
// benchmark's evaluation schedule).
#include <memory>
#include <set>
#include <string>

#include "cli.hpp"
#include "nas/training/data.hpp"
#include "nas/training/evaluator.hpp"

namespace nas::app {

enum class TrainingPurpose { search, final_training };

std::set<std::string> training_option_names();
std::set<std::string> training_flag_names();
/// Help text for those options, with the defaults of `purpose`.
std::string training_options_help(TrainingPurpose purpose);

/// Binds the training options for a genome of `space` ("nb201" or "darts"): `--cells` is N (cells
/// per stage) for NB201 and the number of cells for DARTS. Throws OptionError naming the option.
training::TrainingEvaluatorOptions training_options(const cli::Args& args, std::string_view space, TrainingPurpose purpose);

/// Loads --data (fashion-mnist | cifar10) from --data-path (Fashion-MNIST: the Debian package's
/// folder by default), printing what was loaded and how long it took to stderr.
std::shared_ptr<const training::ImageData> load_training_data(const cli::Args& args);

/// One line describing the fidelity, e.g. "C 8, N 1, 2000 images, 4 epochs, batch 64, cpu".
std::string fidelity_brief(const training::TrainingEvaluatorOptions& o, std::string_view space);

}  // namespace nas::app
