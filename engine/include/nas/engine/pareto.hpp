#pragma once
// Pareto vocabulary of multi-objective searches (torch-free, no state): dominance, non-dominated
// sorting and crowding distance (NSGA-II, Deb et al. 2002), and the hypervolume indicator. Every
// objective is maximised: a caller flips the sign of an objective it minimises. Points are rows of
// equal length; every function throws std::invalid_argument on rows of unequal length, on an
// empty objective vector or on a NaN, and is thread-safe (pure).
#include <cstddef>
#include <vector>

namespace nas::pareto {

using Point = std::vector<double>;

/// a dominates b: a >= b in every objective and > in at least one.
bool dominates(const Point& a, const Point& b);

/// Non-dominated rank of each point: 0 = the Pareto front, 1 = the front once rank 0 is removed,
/// ... Equal points share a rank. O(M N^2).
std::vector<std::size_t> ranks(const std::vector<Point>& points);

/// Indices of the points of rank 0, in input order.
std::vector<std::size_t> front(const std::vector<Point>& points);

/// NSGA-II crowding distance of each of `members` (indices into `points`, usually one rank):
/// per objective, the gap between a member's two neighbours in that objective's order, divided by
/// the members' range in it, summed over objectives; the extreme members of each objective get
/// +infinity (so do all members when there are at most two). Returned in the order of `members`.
std::vector<double> crowding(const std::vector<Point>& points, const std::vector<std::size_t>& members);

/// The hypervolume of the region dominated by `points` and dominating `reference` (maximisation:
/// the volume of the union of the boxes [reference, p]). Points that do not strictly dominate the
/// reference in every objective add nothing. Exact: a sweep in 2 objectives (O(N log N)), slicing
/// by the last objective in more (O(N^(M-1) log N); meant for M <= 4 and fronts of hundreds).
double hypervolume(const std::vector<Point>& points, const Point& reference);

}  // namespace nas::pareto
