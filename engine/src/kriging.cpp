#include "nas/engine/kriging.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <fmt/format.h>

#include "nas/engine/statistics.hpp"

namespace nas {

std::size_t genome_distance(const Genome& a, const Genome& b) {
  if (a.size() != b.size()) return std::max(a.size(), b.size());
  std::size_t d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d += a[i] != b[i];
  return d;
}

double expected_improvement(double mean, double sd, double best) {
  const double gain = mean - best;
  if (!(sd > 0)) return std::max(gain, 0.0);
  const double z = gain / sd;
  const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi);
  const double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
  return gain * cdf + sd * pdf;
}

namespace {

using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vec = Eigen::VectorXd;

void check_finite(std::span<const double> v, const char* what) {
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i])) throw std::invalid_argument(fmt::format("kriging: {} {} is {}; expected a finite number", what, i, v[i]));
}

}  // namespace

void ResidualKriging::fit(std::span<const Genome> archs, std::span<const double> targets, std::span<const double> scores) {
  const std::size_t n = archs.size();
  if (n == 0 || targets.size() != n || scores.size() != n)
    throw std::invalid_argument(fmt::format("kriging: fit needs as many targets ({}) and scores ({}) as cells ({}), at least one",
                                            targets.size(), scores.size(), n));
  check_finite(targets, "target");
  check_finite(scores, "score");
  // The surrogate's scale is arbitrary (a ranking loss): standardise, then calibrate linearly.
  std::vector<double> z(scores.begin(), scores.end());
  const auto [m, sd] = standardise(z);
  score_mean_ = m;
  score_sd_ = sd > 0 ? sd : 1.0;  // constant scores: z is 0 either way
  double ym = 0;
  for (double y : targets) ym += y;
  ym /= static_cast<double>(n);
  double szy = 0, szz = 0;
  for (std::size_t i = 0; i < n; ++i) szy += z[i] * (targets[i] - ym), szz += z[i] * z[i];
  b_ = szz > 0 ? szy / szz : 0;
  a_ = ym;  // z has mean 0 over the fitted cells
  Vec r(static_cast<Eigen::Index>(n));
  double rv = 0;
  for (std::size_t i = 0; i < n; ++i) {
    r[static_cast<Eigen::Index>(i)] = targets[i] - (a_ + b_ * z[i]);
    rv += r[static_cast<Eigen::Index>(i)] * r[static_cast<Eigen::Index>(i)];
  }
  // A floor keeps the system well-posed when the calibrated surrogate is exact on every cell.
  s2_ = std::max(rv / static_cast<double>(n), 1e-12);
  Mat dist(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j)
      dist(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = dist(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(i)) =
          static_cast<double>(genome_distance(archs[i], archs[j]));
  // Marginal likelihood over a small grid: enough to tell a local landscape (short length)
  // from a smooth one, at n^3 / 3 per point for n <= a few hundred cells.
  double best_lml = -std::numeric_limits<double>::infinity();
  Mat best_l;
  Vec best_alpha;
  for (double length : {0.5, 1.0, 2.0, 4.0}) {
    for (double eta : {0.05, 0.2, 0.5}) {
      Mat k = (-dist.array() / length).exp().matrix() * s2_;
      k.diagonal().array() += eta * s2_;
      Eigen::LLT<Mat> llt(k);
      if (llt.info() != Eigen::Success) continue;
      const Vec alpha = llt.solve(r);
      const Mat l = llt.matrixL();
      const double lml = -0.5 * r.dot(alpha) - l.diagonal().array().log().sum();
      if (lml > best_lml) best_lml = lml, best_l = l, best_alpha = alpha, length_ = length, eta_ = eta;
    }
  }
  if (!std::isfinite(best_lml)) throw std::runtime_error("kriging: no kernel on the grid was positive definite");
  archs_.assign(archs.begin(), archs.end());
  alpha_.assign(best_alpha.data(), best_alpha.data() + best_alpha.size());
  chol_.assign(best_l.data(), best_l.data() + best_l.size());
}

ResidualKriging::Posterior ResidualKriging::predict(std::span<const Genome> archs, std::span<const double> scores) const {
  if (!fitted()) throw std::logic_error("kriging: predict before fit");
  if (scores.size() != archs.size())
    throw std::invalid_argument(fmt::format("kriging: {} scores for {} cells", scores.size(), archs.size()));
  const auto n = static_cast<Eigen::Index>(archs_.size());
  const Eigen::Map<const Mat> l(chol_.data(), n, n);
  const Eigen::Map<const Vec> alpha(alpha_.data(), n);
  Posterior p;
  p.mean.resize(archs.size());
  p.sd.resize(archs.size());
  Vec k(n);
  for (std::size_t c = 0; c < archs.size(); ++c) {
    for (Eigen::Index i = 0; i < n; ++i)
      k[i] = s2_ * std::exp(-static_cast<double>(genome_distance(archs[c], archs_[static_cast<std::size_t>(i)])) / length_);
    p.mean[c] = a_ + b_ * (scores[c] - score_mean_) / score_sd_ + k.dot(alpha);
    const Vec w = l.triangularView<Eigen::Lower>().solve(k);
    p.sd[c] = std::sqrt(std::max(s2_ - w.squaredNorm(), 0.0));
  }
  return p;
}

}  // namespace nas
