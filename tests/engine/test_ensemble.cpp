// EnsembleSurrogate over fake members: bootstrap weights per member, standardised scores, and the
// acquisition (mean, or mean + kappa x spread).
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

#include "nas/core/errors.hpp"
#include "nas/engine/ensemble.hpp"

using namespace nas;

namespace {
// Scores a genome by its first byte times a factor drawn from the fit's seed; records its weights.
class Fake final : public Surrogate {
 public:
  std::string name() const override { return "fake"; }
  std::string device() const override { return "cpu"; }
  TrainingStats fit(std::span<const Genome> archs, std::span<const double>, const FitOptions& o) override {
    weights = o.sample_weights;
    factor = 1.0 + static_cast<double>(o.seed % 7);
    last = {archs.size(), 3, 0.5, 0.1};
    return last;
  }
  std::vector<double> score(std::span<const Genome> archs) override {
    std::vector<double> s;
    for (const auto& g : archs) s.push_back(factor * g[0] + (g[0] == 2 ? factor * factor : 0));
    return s;
  }
  TrainingStats last_training() const override { return last; }
  std::unique_ptr<Surrogate> clone() const override { return std::make_unique<Fake>(*this); }
  void save(const std::string&) const override {}
  void load(const std::string&) override {}
  std::vector<double> weights;
  double factor = 1;
  TrainingStats last;
};

std::vector<Genome> genomes(int n) {
  std::vector<Genome> g;
  for (int i = 0; i < n; ++i) {
    const std::uint8_t b[1] = {static_cast<std::uint8_t>(i)};
    g.emplace_back(std::span<const std::uint8_t>(b, 1));
  }
  return g;
}
}  // namespace

TEST_CASE("EnsembleSurrogate: bootstrap weights per member, mean and spread of standardised scores, UCB", "[ensemble]") {
  std::vector<Fake*> fakes;
  EnsembleOptions o;
  o.members = 4;
  o.kappa = 2.0;
  EnsembleSurrogate e([&] {
    auto f = std::make_unique<Fake>();
    fakes.push_back(f.get());
    return f;
  }, o);
  REQUIRE(fakes.size() == 4);
  const auto g = genomes(6);
  const std::vector<double> y{1, 2, 3, 4, 5, 6};
  FitOptions f;
  f.seed = 11;
  const auto st = e.fit(g, y, f);
  CHECK(st.epochs == 12);  // summed over members
  CHECK(st.seconds == Approx(2.0));
  for (auto* m : fakes) {
    REQUIRE(m->weights.size() == 6);
    double sum = 0;
    for (double w : m->weights) {
      sum += w;
      CHECK(w == std::floor(w));
    }
    CHECK(sum == 6);  // n draws with replacement
  }
  CHECK(fakes[0]->weights != fakes[1]->weights);  // each member its own resample

  const auto s = e.score(g);
  REQUIRE(s.size() == 6);
  for (std::size_t i = 0; i < 6; ++i) CHECK(s[i] == Approx(e.last_mean()[i] + 2.0 * e.last_spread()[i]));
  double mean_sum = 0;
  for (double v : e.last_mean()) mean_sum += v;
  CHECK(mean_sum == Approx(0).margin(1e-9));  // standardised per member
  CHECK(e.name() == "ensemble(4x fake, ucb)");
  auto copy = e.clone();
  CHECK(copy->score(g) == s);
  CHECK(e.score(std::span<const Genome>(g.data(), 1)) == std::vector<double>{0.0});  // one candidate

  o.acquisition = EnsembleOptions::Acquisition::mean;
  EnsembleSurrogate m([] { return std::make_unique<Fake>(); }, o);
  m.fit(g, y, f);
  CHECK(m.score(g) == m.last_mean());
  o.members = 0;
  CHECK_THROWS_AS(EnsembleSurrogate([] { return std::make_unique<Fake>(); }, o), OptionError);
  CHECK_THROWS_WITH(parse_acquisition("ei"), Catch::Contains("expected mean or ucb"));
}
