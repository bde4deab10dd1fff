// Pareto vocabulary (pareto.hpp): dominance, non-dominated sorting, crowding, hypervolume.
#include "nas/engine/pareto.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace nas::pareto {
namespace {

std::size_t check(const std::vector<Point>& points, std::size_t m = 0) {
  for (const auto& p : points) {
    if (m == 0) m = p.size();
    if (p.empty() || p.size() != m)
      throw std::invalid_argument("pareto: points must have the same, non-zero number of objectives (" + std::to_string(p.size()) + " vs " +
                                  std::to_string(m) + ")");
    for (double v : p)
      if (std::isnan(v)) throw std::invalid_argument("pareto: an objective is NaN");
  }
  return m;
}

// Hypervolume of `pts` (each strictly dominating ref) in their first d objectives.
double volume(std::vector<const Point*> pts, const Point& ref, std::size_t d) {
  if (pts.empty()) return 0.0;
  if (d == 1) {
    double best = ref[0];
    for (const auto* p : pts) best = std::max(best, (*p)[0]);
    return best - ref[0];
  }
  // Descending in objective d-1: the slice between the i-th and the next value holds points 0..i.
  std::sort(pts.begin(), pts.end(), [d](const Point* a, const Point* b) { return (*a)[d - 1] > (*b)[d - 1]; });
  double v = 0.0;
  if (d == 2) {
    double reach = ref[0];  // the largest first objective among points 0..i
    for (std::size_t i = 0; i < pts.size(); ++i) {
      reach = std::max(reach, (*pts[i])[0]);
      const double next = i + 1 < pts.size() ? (*pts[i + 1])[1] : ref[1];
      v += (reach - ref[0]) * ((*pts[i])[1] - next);
    }
    return v;
  }
  for (std::size_t i = 0; i < pts.size(); ++i) {
    const double next = i + 1 < pts.size() ? (*pts[i + 1])[d - 1] : ref[d - 1];
    const double h = (*pts[i])[d - 1] - next;
    if (h > 0) v += h * volume(std::vector<const Point*>(pts.begin(), pts.begin() + static_cast<std::ptrdiff_t>(i) + 1), ref, d - 1);
  }
  return v;
}

}  // namespace

bool dominates(const Point& a, const Point& b) {
  if (a.size() != b.size() || a.empty()) throw std::invalid_argument("pareto: points must have the same, non-zero number of objectives");
  bool strictly = false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (std::isnan(a[k]) || std::isnan(b[k])) throw std::invalid_argument("pareto: an objective is NaN");
    if (a[k] < b[k]) return false;
    if (a[k] > b[k]) strictly = true;
  }
  return strictly;
}

std::vector<std::size_t> ranks(const std::vector<Point>& points) {
  check(points);
  const std::size_t n = points.size();
  std::vector<std::vector<std::size_t>> dominated(n);  // i dominates these
  std::vector<std::size_t> count(n, 0);                // how many dominate i
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      if (dominates(points[i], points[j])) dominated[i].push_back(j), ++count[j];
      else if (dominates(points[j], points[i])) dominated[j].push_back(i), ++count[i];
    }
  std::vector<std::size_t> rank(n, 0), current;
  for (std::size_t i = 0; i < n; ++i)
    if (count[i] == 0) current.push_back(i);
  for (std::size_t r = 0; !current.empty(); ++r) {
    std::vector<std::size_t> next;
    for (auto i : current) {
      rank[i] = r;
      for (auto j : dominated[i])
        if (--count[j] == 0) next.push_back(j);
    }
    current = std::move(next);
  }
  return rank;
}

std::vector<std::size_t> front(const std::vector<Point>& points) {
  check(points);
  // In descending lexicographic order a point can be dominated only by points before it, and then
  // by one of the front found so far (dominance is transitive): O(N log N + N x front size), not
  // the O(N^2) of ranks() (whole tables of 15,625 cells).
  std::vector<std::size_t> order(points.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return points[a] > points[b]; });
  std::vector<std::size_t> out;
  for (std::size_t i : order)
    if (std::none_of(out.begin(), out.end(), [&](std::size_t f) { return dominates(points[f], points[i]); })) out.push_back(i);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<double> crowding(const std::vector<Point>& points, const std::vector<std::size_t>& members) {
  const std::size_t m = check(points);
  for (auto i : members)
    if (i >= points.size()) throw std::invalid_argument("pareto: crowding of a member that is not a point (" + std::to_string(i) + ")");
  const std::size_t n = members.size();
  constexpr double inf = std::numeric_limits<double>::infinity();
  std::vector<double> dist(n, 0.0);
  if (n <= 2) return std::vector<double>(n, inf);
  std::vector<std::size_t> order(n);
  for (std::size_t k = 0; k < m; ++k) {
    std::iota(order.begin(), order.end(), std::size_t{0});
    // Ties broken by position, so that the result does not depend on the sort's implementation.
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return points[members[a]][k] < points[members[b]][k]; });
    const double lo = points[members[order.front()]][k], hi = points[members[order.back()]][k];
    dist[order.front()] = dist[order.back()] = inf;
    if (!(hi > lo)) continue;
    for (std::size_t t = 1; t + 1 < n; ++t)
      dist[order[t]] += (points[members[order[t + 1]]][k] - points[members[order[t - 1]]][k]) / (hi - lo);
  }
  return dist;
}

double hypervolume(const std::vector<Point>& points, const Point& reference) {
  if (reference.empty()) throw std::invalid_argument("pareto: an empty reference point");
  check({reference});
  const std::size_t m = check(points, reference.size());
  std::vector<const Point*> inside;
  for (const auto& p : points) {
    bool ok = true;
    for (std::size_t k = 0; k < m && ok; ++k) ok = p[k] > reference[k];
    if (ok) inside.push_back(&p);
  }
  return volume(std::move(inside), reference, m);
}

}  // namespace nas::pareto
