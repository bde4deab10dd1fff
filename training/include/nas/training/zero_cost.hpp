#pragma once
// Zero-cost proxies: scores of an untrained network from one forward/backward pass, as NASLib
// defines them (Abdelfattah et al. 2021; Krishnakumar et al. 2022, NAS-Bench-Suite-Zero), for
// every network this module builds (NB201, DARTS). Torch-free header.
//
// Each proxy follows NASLib's code: the same layers (convolutions and linear layers), the same
// per-layer quantity and the same sum, so a score is comparable with NASLib's stored `zc_*`
// values (synflow: its logarithm, as stored). What the scores see:
//   data-free         synflow, params, flops, l2_norm, zen (Gaussian input)
//   images            nwot, jacov
//   images and labels snip, grasp, fisher, grad_norm, plain, epe_nas
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "nas/core/genome.hpp"
#include "nas/mutation/spaces.hpp"
#include "nas/training/data.hpp"
#include "nas/training/network.hpp"

namespace nas::training {

enum class ProxyNeeds { nothing, images, labels };  // labels: images and their labels

struct ProxyInfo {
  std::string name;  // NASLib's name
  ProxyNeeds needs = ProxyNeeds::nothing;
  std::string what;  // one line for help texts
};

/// The proxies, in NASLib's order of the stored columns where stored (zen last).
const std::vector<ProxyInfo>& zero_cost_proxies();
/// The entry of `name`; throws OptionError naming it and listing the known ones.
const ProxyInfo& proxy_info(std::string_view name);
/// "synflow,nwot", or "all" (every proxy), or "data-free". Throws OptionError for an empty list,
/// an unknown or a repeated name.
std::vector<std::string> parse_proxies(std::string_view list);

/// The input the networks are built for: a dataset's image shape and class count.
struct ZcShape {
  std::string dataset;  // "cifar10" | "cifar100" | "ImageNet16-120" | "fashion-mnist"
  int channels = 3, height = 32, width = 32, classes = 10;
};
/// CIFAR-10 and CIFAR-100 3x32x32 with 10 and 100 classes, ImageNet16-120 3x16x16 with 120,
/// Fashion-MNIST 1x28x28 with 10. Throws OptionError for another name.
ZcShape zc_shape(std::string_view dataset);
std::vector<std::string> zc_dataset_names();

/// The batch the data proxies see: normalised images (N x C x H x W) and their labels.
struct ZcBatch {
  ZcShape shape;
  std::string source;  // "fashion-mnist" | "cifar10" (real images) | "random" | "none" (no data)
  std::vector<float> images;
  std::vector<std::int64_t> labels;
  int batch_size = 0;  // N; also without data (zen draws N Gaussian images)
  std::size_t size() const noexcept { return labels.size(); }
};

/// `batch_size` training images of `data` drawn from `seed` (`data`'s shape must be `shape`'s:
/// OptionError otherwise), normalised with the dataset's mean and std.
ZcBatch real_zc_batch(const ZcShape& shape, const ImageData& data, int batch_size, std::uint64_t seed);
/// `batch_size` images of standard normal pixels and uniformly drawn labels, from `seed`.
ZcBatch random_zc_batch(const ZcShape& shape, int batch_size, std::uint64_t seed);
/// No data: only the data-free proxies can run (zen draws `batch_size` Gaussian images).
ZcBatch no_zc_batch(const ZcShape& shape, int batch_size);

struct ZcOptions {
  std::vector<std::string> proxies;  // parse_proxies' names
  /// The network's width and depth (C, N / layers...); the input shape and class count are set
  /// from the batch's shape.
  NetworkOptions network;
  /// The networks' initial weights (the same for every cell: a cell's scores do not depend on
  /// which other cells are scored, nor in what order) and zen's Gaussian draws.
  std::uint64_t seed = 0;
  /// Throws OptionError: an unknown proxy, a proxy that needs data `batch` lacks (naming both).
  void check(const ZcBatch& batch) const { check(batch.size() > 0); }
  /// The same before any data is read: `with_data` says whether there will be a batch.
  void check(bool with_data) const;
};

struct ZcScore {
  double value = 0;    // NaN: missing (the score was not finite; NASLib stores such a score as missing)
  /// Wall time of this proxy on this cell. Work shared by several proxies of one call is charged
  /// to the first that needs it: the network summary (to the first proxy), the loss pass
  /// (grad_norm, plain, snip, fisher, nwot and GraSP's gradient) and the input Jacobian (jacov,
  /// epe_nas). Ask for one proxy alone to time it alone.
  double seconds = 0;
};

/// Scores `g` (a genome of `space`, "nb201" or "darts") with each of `o.proxies`, in that order.
/// Results are a function of (g, batch, options) and the torch thread count: scored with one
/// thread, the same on every run. Throws OptionError (see ZcOptions::check; a space without a
/// network builder). Thread-safe: cells may be scored from several threads at once (set torch's
/// intra-op threads to 1 then).
std::vector<ZcScore> zero_cost_scores(const SearchSpace& space, const Genome& g, const ZcBatch& batch, const ZcOptions& o);

/// Scores many cells on `threads` threads (one torch thread each), calling `on_done(index,
/// scores)` as each finishes, from the scoring threads, serialised (never two at once). Cells
/// are taken in order; an exception from scoring or from `on_done` stops the others after their
/// current cell and is rethrown here. Thread-safe as zero_cost_scores.
void score_cells(const SearchSpace& space, const std::vector<Genome>& cells, const ZcBatch& batch, const ZcOptions& o, int threads,
                 const std::function<void(std::size_t, const std::vector<ZcScore>&)>& on_done);

}  // namespace nas::training
