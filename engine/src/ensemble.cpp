#include "nas/engine/ensemble.hpp"

#include <cmath>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "nas/core/errors.hpp"
#include "nas/core/rng.hpp"
#include "nas/engine/statistics.hpp"

namespace nas {

void EnsembleOptions::validate() const {
  if (members < 1 || members > 256) throw OptionError(fmt::format("--ensemble {}: expected 1..256 members", members));
  if (!(kappa >= 0) || !std::isfinite(kappa)) throw OptionError(fmt::format("--ucb-kappa {}: expected a finite value >= 0", kappa));
}

EnsembleOptions::Acquisition parse_acquisition(std::string_view s) {
  if (s == "mean") return EnsembleOptions::Acquisition::mean;
  if (s == "ucb") return EnsembleOptions::Acquisition::ucb;
  throw OptionError(fmt::format("--acquisition: '{}'; expected mean or ucb", s));
}

std::string_view acquisition_name(EnsembleOptions::Acquisition a) { return a == EnsembleOptions::Acquisition::mean ? "mean" : "ucb"; }

EnsembleSurrogate::EnsembleSurrogate(const std::function<std::unique_ptr<Surrogate>()>& make_member, EnsembleOptions options)
    : options_(options) {
  options_.validate();
  for (std::size_t i = 0; i < options_.members; ++i) members_.push_back(make_member());
}

EnsembleSurrogate::EnsembleSurrogate(std::vector<std::unique_ptr<Surrogate>> members, EnsembleOptions options, TrainingStats last)
    : members_(std::move(members)), options_(options), last_(last) {}

std::string EnsembleSurrogate::name() const {
  return fmt::format("ensemble({}x {}, {})", members_.size(), members_[0]->name(), acquisition_name(options_.acquisition));
}

std::string EnsembleSurrogate::device() const { return members_[0]->device(); }

TrainingStats EnsembleSurrogate::fit(std::span<const Genome> archs, std::span<const double> targets, const FitOptions& options) {
  // Each member's options (seed, bootstrap weights) are drawn first, in member order; the fits
  // then run in parallel (oneTBB; members share nothing), so the result does not depend on it.
  std::vector<FitOptions> per(members_.size());
  for (std::size_t i = 0; i < members_.size(); ++i) {
    FitOptions& f = per[i];
    f = options;
    f.seed = derive_seed(options.seed, i + 1);
    if (options_.bootstrap) {
      // Bootstrap counts as weights: n draws with replacement; a cell drawn k times weighs k.
      std::vector<double> w(archs.size(), 0.0);
      Rng rng(derive_seed(options.seed, 0xb007 + i));
      for (std::size_t d = 0; d < archs.size(); ++d) w[rng.below(archs.size())] += 1;
      if (!options.sample_weights.empty())
        for (std::size_t k = 0; k < w.size(); ++k) w[k] *= options.sample_weights[k];
      double sum = 0;
      for (double v : w) sum += v;
      if (sum > 0) f.sample_weights = std::move(w);  // else (all drawn cells weigh 0): the caller's weights
    }
  }
  std::vector<TrainingStats> stats(members_.size());
  tbb::parallel_for(std::size_t{0}, members_.size(), [&](std::size_t i) { stats[i] = members_[i]->fit(archs, targets, per[i]); });
  TrainingStats total;
  total.cells = archs.size();
  double loss = 0;
  for (const auto& s : stats) {
    total.epochs += s.epochs;
    total.seconds += s.seconds;
    loss += s.final_loss;
  }
  total.final_loss = loss / static_cast<double>(members_.size());
  last_ = total;
  return total;
}

std::vector<double> EnsembleSurrogate::score(std::span<const Genome> archs) {
  const std::size_t n = archs.size();
  mean_.assign(n, 0.0);
  spread_.assign(n, 0.0);
  std::vector<std::vector<double>> z(members_.size());
  tbb::parallel_for(std::size_t{0}, members_.size(), [&](std::size_t k) {
    z[k] = members_[k]->score(archs);
    standardise(z[k]);
  });
  const double m = static_cast<double>(z.size());
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    double mu = 0, var = 0;
    for (const auto& s : z) mu += s[i];
    mu /= m;
    for (const auto& s : z) var += (s[i] - mu) * (s[i] - mu);
    mean_[i] = mu;
    spread_[i] = z.size() > 1 ? std::sqrt(var / (m - 1)) : 0;
    out[i] = options_.acquisition == EnsembleOptions::Acquisition::ucb ? mu + options_.kappa * spread_[i] : mu;
  }
  return out;
}

std::unique_ptr<Surrogate> EnsembleSurrogate::clone() const {
  std::vector<std::unique_ptr<Surrogate>> copies;
  for (const auto& m : members_) copies.push_back(m->clone());
  return std::unique_ptr<Surrogate>(new EnsembleSurrogate(std::move(copies), options_, last_));
}

void EnsembleSurrogate::save(const std::string& path) const {
  for (std::size_t i = 0; i < members_.size(); ++i) members_[i]->save(fmt::format("{}.member{}", path, i));
}

void EnsembleSurrogate::load(const std::string& path) {
  for (std::size_t i = 0; i < members_.size(); ++i) members_[i]->load(fmt::format("{}.member{}", path, i));
}

}  // namespace nas
