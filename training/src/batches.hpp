#pragma once
// The trainer's device choice and data path, shared with the supernet (internal to nas_training):
// one copy, so that a supernet sees its images exactly as a stand-alone training does.
#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "nas/core/rng.hpp"
#include "nas/training/data.hpp"

namespace nas::training::detail {

/// --device NAME (auto, cpu, cuda, cuda:N) as a torch device. Throws OptionError for a malformed
/// name, or a CUDA device this LibTorch build or machine lacks.
torch::Device to_device(const std::string& name);
/// The images of `idx` (indices into `set`) as one uint8 tensor N x C x H x W on `dev`, and the labels.
std::pair<torch::Tensor, torch::Tensor> gather(const ImageSet& set, const std::vector<std::uint32_t>& idx, torch::Device dev);
/// Normalises a uint8 batch; with `rng`, also pad-4 random crop and horizontal flip per image.
torch::Tensor prepare(const torch::Tensor& u8, const torch::Tensor& mean, const torch::Tensor& std, Rng* rng);
/// The checks the trainer and the supernet share on their SGD schedule: epochs, batch, lr, lr-min
/// (named `prefix` + "epochs" and so on: "--train-" for a training, "--" for a supernet), momentum,
/// Nesterov, weight decay. Throws OptionError naming the option.
void check_sgd_schedule(const char* prefix, int epochs, int batch_size, double learning_rate, double lr_min, double momentum, bool nesterov,
                        double weight_decay);
/// An exception's first line (LibTorch's messages go on with a backtrace), for one-line errors.
std::string first_line(const std::exception& e);

}  // namespace nas::training::detail
