#include "nas/engine/rung_pair.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "nas/core/errors.hpp"
#include "nas/core/rng.hpp"
#include "nas/engine/statistics.hpp"

namespace nas {

RungPairSurrogate::RungPairSurrogate(std::unique_ptr<Surrogate> model, std::size_t min_full) : min_full_(min_full) {
  if (!model) throw OptionError("second-model surrogate: no model given");
  if (min_full < 2) throw OptionError(fmt::format("second-model surrogate: min_full {}: expected >= 2", min_full));
  low_ = model->clone();
  full_ = std::move(model);
}

RungPairSurrogate::RungPairSurrogate(std::unique_ptr<Surrogate> full, std::unique_ptr<Surrogate> low, std::size_t min_full,
                                     bool full_fitted, TrainingStats last)
    : full_(std::move(full)), low_(std::move(low)), min_full_(min_full), full_fitted_(full_fitted), last_(last) {}

std::string RungPairSurrogate::name() const { return full_->name() + "+lowest-rung"; }
std::string RungPairSurrogate::device() const { return full_->device(); }

TrainingStats RungPairSurrogate::fit_pair(std::span<const Genome> archs, std::span<const double> full, std::span<const double> low,
                                          const FitOptions& options) {
  const std::size_t n = archs.size();
  if (full.size() != n || low.size() != n || (!options.sample_weights.empty() && options.sample_weights.size() != n))
    throw std::invalid_argument(fmt::format("second-model fit: {} cells but {} full, {} lowest-rung targets and {} weights", n,
                                            full.size(), low.size(), options.sample_weights.size()));
  std::vector<Genome> full_archs;
  std::vector<double> full_y, full_w;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(low[i])) throw std::invalid_argument(fmt::format("second-model fit: cell {} has no lowest-rung result", i));
    if (std::isnan(full[i])) continue;
    full_archs.push_back(archs[i]);
    full_y.push_back(full[i]);
    if (!options.sample_weights.empty()) full_w.push_back(options.sample_weights[i]);
  }
  TrainingStats total;
  total.cells = n;
  if (full_archs.size() >= min_full_) {
    FitOptions f = options;
    f.seed = derive_seed(options.seed, 1);
    f.sample_weights = std::move(full_w);
    f.warm_start = options.warm_start && full_fitted_;  // its first fit starts from scratch
    if (!f.warm_start) f.learning_rate_scale = 1.0;
    const TrainingStats s = full_->fit(full_archs, full_y, f);
    full_fitted_ = true;
    total.epochs += s.epochs;
    total.seconds += s.seconds;
    total.final_loss = s.final_loss;
  }
  FitOptions f = options;
  f.seed = derive_seed(options.seed, 2);
  const TrainingStats s = low_->fit(archs, low, f);
  total.epochs += s.epochs;
  total.seconds += s.seconds;
  if (!full_fitted_) total.final_loss = s.final_loss;
  last_ = total;
  return total;
}

TrainingStats RungPairSurrogate::fit(std::span<const Genome> archs, std::span<const double> targets, const FitOptions& options) {
  return fit_pair(archs, targets, targets, options);
}

std::vector<double> RungPairSurrogate::score(std::span<const Genome> archs) {
  std::vector<double> out = low_->score(archs);
  standardise(out);
  if (!full_fitted_) return out;
  std::vector<double> z = full_->score(archs);
  standardise(z);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = 0.5 * (out[i] + z[i]);
  return out;
}

std::unique_ptr<Surrogate> RungPairSurrogate::clone() const {
  return std::unique_ptr<Surrogate>(new RungPairSurrogate(full_->clone(), low_->clone(), min_full_, full_fitted_, last_));
}

void RungPairSurrogate::save(const std::string& path) const {
  full_->save(path);
  low_->save(path + ".lowest");
}

void RungPairSurrogate::load(const std::string& path) {
  full_->load(path);
  low_->load(path + ".lowest");
  full_fitted_ = true;
}

}  // namespace nas
