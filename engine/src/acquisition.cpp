#include "nas/engine/acquisition.hpp"

#include <algorithm>
#include <numeric>

#include "nas/engine/kriging.hpp"
#include "nas/engine/statistics.hpp"

namespace nas {
namespace {
double oriented(Direction d, double signal) { return d == Direction::maximise ? signal : -signal; }
}  // namespace

void ModelScorer::score(const AcquisitionInput& in, std::vector<double>& scores) { scores = in.model.score(in.candidates); }

void KrigingScorer::score(const AcquisitionInput& in, std::vector<double>& scores) {
  std::vector<Genome> all(in.candidates.begin(), in.candidates.end()), archs;
  std::vector<double> y;
  for (const auto& q : in.history) archs.push_back(q.arch), all.push_back(q.arch), y.push_back(oriented(in.direction, q.signal));
  const auto s = in.model.score(all);
  const std::span<const double> cand(s.data(), in.candidates.size()), own(s.data() + in.candidates.size(), archs.size());
  ResidualKriging kriging;
  kriging.fit(archs, y, own);
  const auto post = kriging.predict(in.candidates, cand);
  const double best = *std::max_element(y.begin(), y.end());
  scores.assign(in.candidates.size(), 0);
  for (std::size_t i = 0; i < scores.size(); ++i) scores[i] = expected_improvement(post.mean[i], post.sd[i], best);
}

void NeighbourEvidence::score(const AcquisitionInput& in, std::vector<double>& scores) {
  double all = 0;
  for (const auto& q : in.history) all += oriented(in.direction, q.signal);
  all /= static_cast<double>(std::max<std::size_t>(1, in.history.size()));
  std::vector<double> ev(in.candidates.size());
  for (std::size_t i = 0; i < in.candidates.size(); ++i) {
    double sum = 0;
    std::size_t n = 0;
    for (const auto& q : in.history)
      if (genome_distance(q.arch, in.candidates[i]) == 1) sum += oriented(in.direction, q.signal), ++n;
    ev[i] = n ? sum / static_cast<double>(n) : all;
  }
  standardise(scores);
  standardise(ev);
  for (std::size_t i = 0; i < scores.size(); ++i) scores[i] += weight_ * ev[i];
}

std::vector<std::unique_ptr<Scorer>> make_acquisition(const GuidedOptions& o) {
  std::vector<std::unique_ptr<Scorer>> v;
  if (o.kriging) v.push_back(std::make_unique<KrigingScorer>());
  else v.push_back(std::make_unique<ModelScorer>());
  if (o.neighbour_weight > 0) v.push_back(std::make_unique<NeighbourEvidence>(o.neighbour_weight));
  return v;
}

std::vector<std::size_t> IncumbentSlots::pick(std::span<const double> scores, std::span<const std::size_t> parent_of, std::size_t k,
                                              std::size_t incumbent) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  auto by_score = [&](std::size_t a, std::size_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); };
  std::sort(order.begin(), order.end(), by_score);
  std::size_t slots = k_;
  if (stalled_max_ > k_ && k_ > 0) {
    stalled_ = incumbent == last_incumbent_ ? stalled_ + 1 : 0;
    last_incumbent_ = incumbent;
    slots = std::min(stalled_max_, k_ + stalled_);
  }
  // Reserved slots first: the incumbent's best-scored children (parent index 0), then the rest by score.
  std::vector<std::size_t> pick;
  std::vector<char> taken(scores.size(), 0);
  const std::size_t reserved = parent_of.empty() ? 0 : std::min(slots, k);
  for (std::size_t i : order) {
    if (pick.size() == reserved) break;
    if (parent_of[i] == 0) pick.push_back(i), taken[i] = 1;
  }
  for (std::size_t i : order)
    if (pick.size() < k && !taken[i]) pick.push_back(i);
  std::sort(pick.begin(), pick.end(), by_score);
  return pick;
}

}  // namespace nas
