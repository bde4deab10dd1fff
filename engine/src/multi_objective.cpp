// Several objectives and constraints (multi_objective.hpp).
#include "nas/engine/multi_objective.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <unordered_set>

#include <fmt/format.h>

#include "nas/core/errors.hpp"
#include "nas/core/rng.hpp"
#include "nas/engine/pareto.hpp"
#include "nas/engine/search.hpp"

namespace nas {

MultiObjective::Scalarisation parse_scalarisation(std::string_view name) {
  if (name == "parego") return MultiObjective::Scalarisation::parego;
  if (name == "rank") return MultiObjective::Scalarisation::rank;
  throw OptionError(fmt::format("--mo-scalarisation: '{}' is not parego or rank", name));
}

std::string_view scalarisation_name(MultiObjective::Scalarisation s) { return s == MultiObjective::Scalarisation::parego ? "parego" : "rank"; }

double MultiObjective::violation(const std::vector<std::pair<std::string, double>>& metrics) const {
  double v = 0;
  for (const auto& c : constraints) {
    const auto it = std::find_if(metrics.begin(), metrics.end(), [&](const auto& m) { return m.first == c.column; });
    if (it == metrics.end() || std::isnan(it->second)) return std::numeric_limits<double>::infinity();
    if (!c.holds(it->second)) v += std::max(std::abs(it->second - c.bound), 1e-300) / std::max(std::abs(c.bound), 1e-12);
  }
  return v;
}

std::vector<double> MultiObjective::oriented(const std::vector<double>& objectives) const {
  if (objectives.size() != directions.size())
    throw std::invalid_argument(fmt::format("a result has {} objective values; the run declares {}", objectives.size(), directions.size()));
  std::vector<double> p(objectives.size());
  for (std::size_t k = 0; k < p.size(); ++k) p[k] = directions[k] == Direction::maximise ? objectives[k] : -objectives[k];
  return p;
}

namespace {

bool full(const QueryRecord& q) { return !q.fidelity.has_value(); }

// Non-dominated rank and crowding distance of each of `members` (all feasible, multi-objective).
void rank_and_crowd(const std::vector<QueryRecord>& records, const std::vector<std::size_t>& members, const MultiObjective& mo,
                    std::vector<std::size_t>& rank, std::vector<double>& crowd) {
  std::vector<pareto::Point> pts;
  pts.reserve(members.size());
  for (std::size_t m : members) pts.push_back(mo.oriented(records[m].objectives));
  rank = pareto::ranks(pts);
  crowd.assign(members.size(), 0.0);
  const std::size_t max_rank = rank.empty() ? 0 : *std::max_element(rank.begin(), rank.end());
  for (std::size_t r = 0; r <= max_rank && !rank.empty(); ++r) {
    std::vector<std::size_t> in;
    for (std::size_t i = 0; i < rank.size(); ++i)
      if (rank[i] == r) in.push_back(i);
    const auto c = pareto::crowding(pts, in);
    for (std::size_t i = 0; i < in.size(); ++i) crowd[in[i]] = c[i];
  }
}

}  // namespace

std::vector<double> selection_order(const std::vector<QueryRecord>& records, const std::vector<std::size_t>& members, const MultiObjective& mo,
                                    Direction direction) {
  const std::size_t n = members.size();
  std::vector<double> viol(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) viol[i] = records[members[i]].violation;
  std::vector<std::size_t> feasible;
  for (std::size_t i = 0; i < n; ++i)
    if (viol[i] == 0) feasible.push_back(i);
  std::vector<std::size_t> rank(n, 0);
  std::vector<double> crowd(n, 0.0);
  if (mo.multi() && !feasible.empty()) {
    std::vector<std::size_t> idx, r;
    std::vector<double> c;
    for (std::size_t i : feasible) idx.push_back(members[i]);
    rank_and_crowd(records, idx, mo, r, c);
    for (std::size_t j = 0; j < feasible.size(); ++j) rank[feasible[j]] = r[j], crowd[feasible[j]] = c[j];
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (viol[a] != viol[b]) return viol[a] < viol[b];
    if (viol[a] == 0) {
      if (mo.multi()) {
        if (rank[a] != rank[b]) return rank[a] < rank[b];
        if (crowd[a] != crowd[b]) return crowd[a] > crowd[b];
      } else {
        const double sa = records[members[a]].signal, sb = records[members[b]].signal;
        if (sa != sb) return better(direction, sa, sb);
      }
    }
    return members[a] < members[b];
  });
  std::vector<double> key(n);
  for (std::size_t p = 0; p < n; ++p) key[order[p]] = static_cast<double>(p);
  return key;
}

std::vector<double> scalarised_targets(const std::vector<QueryRecord>& records, const MultiObjective& mo, std::uint64_t weights_seed) {
  const std::size_t n = records.size();
  std::vector<double> t(n, std::numeric_limits<double>::quiet_NaN());
  std::vector<std::size_t> feasible;
  for (std::size_t i = 0; i < n; ++i)
    if (records[i].violation == 0) feasible.push_back(i);
  if (!mo.multi()) {
    const Direction d = mo.directions.empty() ? Direction::maximise : mo.directions[0];
    for (std::size_t i : feasible) t[i] = d == Direction::maximise ? records[i].signal : -records[i].signal;
  } else if (!feasible.empty()) {
    const std::size_t k = mo.directions.size();
    std::vector<std::vector<double>> y;
    for (std::size_t i : feasible) y.push_back(mo.oriented(records[i].objectives));
    if (mo.scalarisation == MultiObjective::Scalarisation::parego) {
      std::vector<double> lo(k, std::numeric_limits<double>::infinity()), hi(k, -std::numeric_limits<double>::infinity());
      for (const auto& p : y)
        for (std::size_t j = 0; j < k; ++j) lo[j] = std::min(lo[j], p[j]), hi[j] = std::max(hi[j], p[j]);
      // Weights uniform on the simplex (normalised exponentials).
      Rng rng(weights_seed);
      std::vector<double> w(k);
      double sum = 0;
      for (auto& x : w) sum += x = -std::log1p(-rng.uniform());
      for (auto& x : w) x = sum > 0 ? x / sum : 1.0 / static_cast<double>(k);
      for (std::size_t f = 0; f < feasible.size(); ++f) {
        double worst = 0, total = 0;
        for (std::size_t j = 0; j < k; ++j) {
          const double range = hi[j] - lo[j];
          const double gap = range > 0 ? (hi[j] - y[f][j]) / range : 0.0;  // 0 = the best seen
          worst = std::max(worst, w[j] * gap);
          total += w[j] * gap;
        }
        t[feasible[f]] = -(worst + 0.05 * total);
      }
    } else {
      std::vector<std::size_t> rank;
      std::vector<double> crowd;
      rank_and_crowd(records, feasible, mo, rank, crowd);
      for (std::size_t f = 0; f < feasible.size(); ++f) {
        const double c = std::isinf(crowd[f]) ? 1.0 : crowd[f] / (crowd[f] + 1.0);
        t[feasible[f]] = -static_cast<double>(rank[f]) + 0.49 * c;
      }
    }
  }
  // Infeasible results: below every feasible one, the further from feasible the lower.
  double floor = 0;
  bool any = false;
  for (std::size_t i : feasible) floor = any ? std::min(floor, t[i]) : t[i], any = true;
  for (std::size_t i = 0; i < n; ++i)
    if (records[i].violation != 0) t[i] = floor - 1.0 - std::log1p(std::min(records[i].violation, 1e300));
  return t;
}

std::vector<double> HypervolumeReference::point() const {
  std::vector<double> r(best.size());
  for (std::size_t k = 0; k < r.size(); ++k) r[k] = worst[k] - margin * (best[k] - worst[k]);
  return r;
}

std::vector<std::size_t> pareto_front(const SearchResult& result, const MultiObjective& mo, std::size_t queries) {
  std::vector<std::size_t> idx;
  std::vector<pareto::Point> pts;
  const std::size_t n = std::min(queries, result.trajectory.size());
  for (std::size_t i = 0; i < n; ++i) {
    const QueryRecord& q = result.trajectory[i];
    if (!full(q) || q.violation != 0 || q.objectives.size() != mo.directions.size() || q.objectives.empty()) continue;
    idx.push_back(i);
    pts.push_back(mo.oriented(q.objectives));
  }
  std::vector<std::size_t> out;
  std::vector<pareto::Point> kept;
  for (std::size_t f : pareto::front(pts)) {
    if (std::find(kept.begin(), kept.end(), pts[f]) != kept.end()) continue;  // the earliest of equal points
    kept.push_back(pts[f]);
    out.push_back(idx[f]);
  }
  return out;
}

double normalised_hypervolume(const std::vector<std::vector<double>>& points, const MultiObjective& mo, const HypervolumeReference& ref) {
  const std::size_t k = mo.directions.size();
  if (ref.best.size() != k || ref.worst.size() != k)
    throw std::invalid_argument(fmt::format("hypervolume: the reference has {} objectives; the run declares {}", ref.best.size(), k));
  std::vector<pareto::Point> u;
  for (const auto& p : points) {
    if (p.size() != k) throw std::invalid_argument("hypervolume: a point has another number of objectives");
    pareto::Point q(k);
    for (std::size_t j = 0; j < k; ++j) {
      const double range = ref.best[j] - ref.worst[j];
      q[j] = range != 0 ? (p[j] - ref.worst[j]) / range : 0.0;
    }
    u.push_back(std::move(q));
  }
  if (u.empty()) return 0;
  return pareto::hypervolume(u, pareto::Point(k, -ref.margin));
}

double front_hypervolume(const SearchResult& result, const MultiObjective& mo, const HypervolumeReference& ref, std::size_t queries) {
  std::vector<std::vector<double>> pts;
  for (std::size_t i : pareto_front(result, mo, queries)) pts.push_back(result.trajectory[i].objectives);
  return normalised_hypervolume(pts, mo, ref);
}

}  // namespace nas
