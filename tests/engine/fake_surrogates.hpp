#pragma once
// Test-only surrogates for the torch-free engine: an oracle that reads the table, one that scores
// at random, and one that records what it was trained on (optionally slowly, for async stress).
#include <chrono>
#include <mutex>
#include <thread>

#include "nas/datasets/benchmark.hpp"
#include "nas/core/surrogate.hpp"

namespace nas::test {

class OracleSurrogate : public Surrogate {
 public:
  /// sign = -1 gives an anti-oracle: it ranks the worst cells first.
  OracleSurrogate(std::shared_ptr<const datasets::TabularBenchmark> t, std::size_t column, double sign = 1)
      : t_(std::move(t)), column_(column), sign_(sign) {}
  std::string name() const override { return "oracle"; }
  std::string device() const override { return "cpu"; }
  TrainingStats fit(std::span<const Genome> a, std::span<const double>, const FitOptions&) override { return {a.size(), 0, 0, 0}; }
  std::vector<double> score(std::span<const Genome> archs) override {
    std::vector<double> s;
    for (const auto& g : archs) s.push_back(sign_ * t_->value(*t_->find(g), column_));
    return s;
  }
  TrainingStats last_training() const override { return {}; }
  std::unique_ptr<Surrogate> clone() const override { return std::make_unique<OracleSurrogate>(*this); }
  void save(const std::string&) const override {}
  void load(const std::string&) override {}

 private:
  std::shared_ptr<const datasets::TabularBenchmark> t_;
  std::size_t column_;
  double sign_;
};

class RandomSurrogate : public Surrogate {
 public:
  explicit RandomSurrogate(std::uint64_t seed) : rng_(seed) {}
  std::string name() const override { return "random"; }
  std::string device() const override { return "cpu"; }
  TrainingStats fit(std::span<const Genome> a, std::span<const double>, const FitOptions&) override { return {a.size(), 0, 0, 0}; }
  std::vector<double> score(std::span<const Genome> archs) override {
    std::vector<double> s(archs.size());
    for (auto& x : s) x = rng_.uniform();
    return s;
  }
  TrainingStats last_training() const override { return {}; }
  std::unique_ptr<Surrogate> clone() const override { return std::make_unique<RandomSurrogate>(*this); }
  void save(const std::string&) const override {}
  void load(const std::string&) override {}

 private:
  Rng rng_;
};

/// Records every training set (shared across clones); scores by the mean target of the training
/// set's cells that share the first op with the candidate (a crude but learned ranker).
class RecordingSurrogate : public Surrogate {
 public:
  struct Log {
    std::mutex m;
    std::vector<std::vector<Genome>> fits;
    std::vector<std::vector<double>> targets;  // each fit's targets, beside `fits`
    std::vector<FitOptions> options;  // what each fit was asked for (warm start, learning-rate scale, ...)
  };
  RecordingSurrogate(std::shared_ptr<Log> log, std::chrono::microseconds delay) : log_(std::move(log)), delay_(delay) {}
  std::string name() const override { return "recording"; }
  std::string device() const override { return "cpu"; }
  TrainingStats fit(std::span<const Genome> a, std::span<const double> y, const FitOptions& o) override {
    std::this_thread::sleep_for(delay_);
    {
      std::lock_guard lock(log_->m);
      log_->fits.emplace_back(a.begin(), a.end());
      log_->targets.emplace_back(y.begin(), y.end());
      log_->options.push_back(o);
    }
    if (!o.sample_weights.empty()) REQUIRE_WEIGHTS(o.sample_weights.size() == a.size());
    for (auto& m : mean_) m = 0;
    std::array<int, 256> n{};
    for (std::size_t i = 0; i < a.size(); ++i) {
      mean_[a[i][0]] += y[i];
      ++n[a[i][0]];
    }
    for (std::size_t k = 0; k < 256; ++k)
      if (n[k]) mean_[k] /= n[k];
    stats_ = {a.size(), 1, 0, 0};
    return stats_;
  }
  std::vector<double> score(std::span<const Genome> archs) override {
    std::vector<double> s;
    for (const auto& g : archs) s.push_back(mean_[g[0]] + 1e-3 * g[1]);
    return s;
  }
  TrainingStats last_training() const override { return stats_; }
  std::unique_ptr<Surrogate> clone() const override { return std::make_unique<RecordingSurrogate>(*this); }
  void save(const std::string&) const override {}
  void load(const std::string&) override {}
  static void REQUIRE_WEIGHTS(bool ok) {
    if (!ok) throw std::logic_error("sample weights do not match the training set");
  }

 private:
  std::shared_ptr<Log> log_;
  std::chrono::microseconds delay_;
  std::array<double, 256> mean_{};
  TrainingStats stats_;
};

}  // namespace nas::test
