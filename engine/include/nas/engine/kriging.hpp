#pragma once
// Residual kriging: a Gaussian process over the evaluated cells that corrects a surrogate's
// scores where true results say it is wrong, and says how sure the corrected value is.
//
// Why: a learned surrogate generalises smoothly and undervalues a cell whose ops are good only
// together (NB201's ImageNet16-120 optimum is such a cell: its one-op neighbours are evaluated,
// better than predicted, and the surrogate still ranks it low). A GP on the residuals
// y - (a + b z(score)) with a kernel over the genome's positions carries that evidence to the
// cells next to it, and its standard deviation grows with the distance to every evaluated cell, so
// expected improvement trades the corrected mean against the uncertainty.
//
// Model: z(score) is the score standardised over the fitted cells; a, b by least squares; kernel
// k(x, x') = s2 exp(-d(x, x') / length), d = the number of genome positions that differ (genomes
// of other lengths are as far apart as the longer one is long); noise eta * s2 on the diagonal;
// s2 = the residuals' variance; length and eta chosen by marginal likelihood on a small grid.
// The kernel is a product over positions of PSD kernels, so it is PSD. Torch-free.
#include <cstddef>
#include <span>
#include <vector>

#include "nas/core/genome.hpp"

namespace nas {

class ResidualKriging {
 public:
  struct Posterior {
    std::vector<double> mean;  // corrected value, in the targets' units
    std::vector<double> sd;    // its standard deviation (>= 0)
  };
  /// Fits on evaluated cells: their genomes, targets (larger = better) and the surrogate's scores
  /// for them (any monotone scale). Throws std::invalid_argument when the spans differ in length,
  /// are empty or hold a non-finite value. Not thread-safe against a concurrent predict().
  void fit(std::span<const Genome> archs, std::span<const double> targets, std::span<const double> scores);
  /// The posterior for candidates with the surrogate's scores (the scale fit() saw). Requires a
  /// fit (else std::logic_error); spans of different lengths: std::invalid_argument. Const, so
  /// concurrent calls are safe.
  Posterior predict(std::span<const Genome> archs, std::span<const double> scores) const;
  /// The chosen hyper-parameters (after fit()).
  double length() const { return length_; }
  double noise() const { return eta_; }
  bool fitted() const { return !archs_.empty(); }

 private:
  std::vector<Genome> archs_;
  std::vector<double> alpha_;       // (K + eta s2 I)^-1 r
  std::vector<double> chol_;        // lower Cholesky factor of K + eta s2 I, row-major n x n
  double score_mean_ = 0, score_sd_ = 1, a_ = 0, b_ = 0, s2_ = 1, length_ = 1, eta_ = 0.1;
};

/// Expected improvement over `best` of a normal(mean, sd) value; max(mean - best, 0) when sd is 0.
double expected_improvement(double mean, double sd, double best);

/// Positions at which two genomes differ (the longer length when their lengths differ).
std::size_t genome_distance(const Genome& a, const Genome& b);

}  // namespace nas
