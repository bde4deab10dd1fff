#include "nas/engine/search.hpp"

#include <cmath>
#include <limits>
#include <algorithm>
#include <chrono>
#include <deque>
#include <mutex>

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "loop_common.hpp"
#include "nas/engine/ask_tell.hpp"
#include "nas/engine/run.hpp"
#include "nas/core/errors.hpp"

namespace nas {

Algorithm parse_algorithm(std::string_view name) {
  if (name == "random") return Algorithm::random;
  if (name == "rea") return Algorithm::rea;
  throw OptionError(fmt::format("--algo: unknown algorithm '{}'; expected random or rea (or guided, for nas search)", name));
}

std::string_view algorithm_name(Algorithm a) { return a == Algorithm::random ? "random" : "rea"; }

void SearchOptions::validate() const {
  if (budget == 0) throw OptionError("budget: must be at least 1");
  if (algorithm == Algorithm::rea) {
    if (population_size < 2) throw OptionError(fmt::format("population_size: {} is too small; expected >= 2", population_size));
    if (tournament_size < 1 || tournament_size > population_size)
      throw OptionError(fmt::format("tournament_size: {} must be in [1, population_size = {}]", tournament_size, population_size));
  }
}

double SearchResult::best_reported_at(std::size_t queries) const {
  if (trajectory.empty() || queries == 0) return 0;
  const std::size_t i = std::min(queries, trajectory.size()) - 1;
  return trajectory[i].best_reported;
}

const QueryRecord* SearchResult::incumbent() const {
  if (trajectory.empty()) return nullptr;
  const double best = trajectory.back().best_signal;  // NaN (no match) before any full-fidelity result
  const auto it = std::find_if(trajectory.begin(), trajectory.end(), [&](const QueryRecord& q) { return q.signal == best && q.best_signal == best; });
  return it == trajectory.end() ? nullptr : &*it;
}

std::string SearchResult::brief() const {
  if (trajectory.empty()) return "no queries";
  const auto& last = trajectory.back();
  return fmt::format("{} queries, best signal {:.4f}, reported {:.4f}, {:.3f} s{}", trajectory.size(), last.best_signal,
                     last.best_reported, wall_seconds, stopped_by_observer ? " (stopped)" : space_exhausted ? " (space exhausted)" : "");
}

bool EvaluatedSet::contains(const Genome& g, const ArchitectureHash& h) const {
  return exact_.count(g) != 0 || (canonical_ && classes_.count(h) != 0);
}

void EvaluatedSet::erase(const Genome& g, const ArchitectureHash& h) {
  exact_.erase(g);
  if (canonical_) classes_.erase(h);
}

void EvaluatedSet::insert(const Genome& g, const ArchitectureHash& h) {
  exact_.insert(g);
  if (canonical_) classes_.insert(h);
}

std::vector<Genome> generate_children(const SearchSpace& space, std::span<const Genome> parents, std::size_t per_parent,
                                      std::uint64_t seed, const EvaluatedSet& seen, std::vector<ArchitectureHash>* hashes,
                                      std::vector<std::size_t>* parent_of) {
  const std::size_t n = parents.size() * per_parent;
  const bool canonical = seen.canonical();
  std::vector<Genome> all(n);
  std::vector<ArchitectureHash> all_hashes(canonical || hashes ? n : 0);
  // Children are duplicates when their identity (the canonical hash, or the genome itself) is;
  // each goes to one of kShards shards by its identity, so shards deduplicate independently.
  constexpr std::size_t kShards = 64;
  std::vector<std::uint8_t> shard(n);
  std::vector<char> keep(n, 0);
  // 1. In parallel: mutate (per-child seeds), hash, drop what `seen` holds (concurrent reads).
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 64), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) {
      Rng rng(derive_seed(seed, i / per_parent, i % per_parent));
      all[i] = space.mutate(parents[i / per_parent], rng);
      if (!all_hashes.empty()) all_hashes[i] = space.canonical_hash(all[i]);
      const ArchitectureHash h = all_hashes.empty() ? ArchitectureHash{} : all_hashes[i];
      keep[i] = !seen.contains(all[i], h);
      const std::uint64_t key = canonical ? (h.hi ^ h.lo) : all[i].exact_hash();
      shard[i] = static_cast<std::uint8_t>((key >> 29) % kShards);
    }
  });
  // A guided search's plan asks for a hundred children thousands of times: below this size one
  // sequential scan dedups (the same first occurrences in index order) without the shards'
  // thousand buffers.
  constexpr std::size_t kSequentialBelow = 2048;
  if (n < kSequentialBelow) {
    EvaluatedSet batch(canonical);
    std::vector<Genome> out;
    if (hashes) hashes->clear();
    if (parent_of) parent_of->clear();
    for (std::size_t i = 0; i < n; ++i) {
      if (!keep[i]) continue;
      const ArchitectureHash h = all_hashes.empty() ? ArchitectureHash{} : all_hashes[i];
      if (batch.contains(all[i], h)) continue;
      batch.insert(all[i], h);
      if (hashes) hashes->push_back(h);
      if (parent_of) parent_of->push_back(i / per_parent);
      out.push_back(std::move(all[i]));
    }
    return out;
  }
  // 2. In parallel over fixed chunks of the index range: each chunk's survivors by shard, in
  //    index order.
  constexpr std::size_t kChunks = 16;
  const std::size_t chunk = (n + kChunks - 1) / kChunks;
  std::vector<std::vector<std::uint32_t>> members(kChunks * kShards);
  tbb::parallel_for(std::size_t{0}, kChunks, [&](std::size_t c) {
    for (std::size_t i = c * chunk; i < std::min(n, (c + 1) * chunk); ++i)
      if (keep[i]) members[c * kShards + shard[i]].push_back(static_cast<std::uint32_t>(i));
  });
  // 3. In parallel over shards, each reading its chunks in order: the first occurrence in index
  //    order of each identity is kept, as one sequential scan would keep it, so the output is the
  //    same for any thread count.
  tbb::parallel_for(std::size_t{0}, kShards, [&](std::size_t b) {
    EvaluatedSet batch(canonical);
    for (std::size_t c = 0; c < kChunks; ++c)
      for (const std::uint32_t i : members[c * kShards + b]) {
        const ArchitectureHash h = all_hashes.empty() ? ArchitectureHash{} : all_hashes[i];
        if (batch.contains(all[i], h)) keep[i] = 0;
        else batch.insert(all[i], h);
      }
  });
  // 4. Compact in index order: each chunk's kept count, their prefix sums, then the chunks in parallel.
  std::vector<std::size_t> offset(kChunks + 1, 0);
  tbb::parallel_for(std::size_t{0}, kChunks, [&](std::size_t c) {
    for (std::size_t i = c * chunk; i < std::min(n, (c + 1) * chunk); ++i) offset[c + 1] += keep[i] != 0;
  });
  for (std::size_t c = 0; c < kChunks; ++c) offset[c + 1] += offset[c];
  std::vector<Genome> out(offset[kChunks]);
  if (hashes) hashes->assign(out.size(), ArchitectureHash{});
  if (parent_of) parent_of->assign(out.size(), 0);
  tbb::parallel_for(std::size_t{0}, kChunks, [&](std::size_t c) {
    std::size_t k = offset[c];
    for (std::size_t i = c * chunk; i < std::min(n, (c + 1) * chunk); ++i) {
      if (!keep[i]) continue;
      out[k] = all[i];
      if (hashes) (*hashes)[k] = all_hashes[i];
      if (parent_of) (*parent_of)[k] = i / per_parent;
      ++k;
    }
  });
  return out;
}

namespace detail {

QueryRecord next_record(const std::vector<QueryRecord>& history, const Genome& g, const Evaluation& e, Direction d, bool full) {
  QueryRecord r;
  r.query = history.size() + 1;
  r.arch = g;
  r.signal = e.signal;
  r.reported = e.reported;
  r.cost_seconds = e.cost_seconds;
  r.parameters = e.parameters;
  // Only a full-fidelity result can become the incumbent; before the first one there is none (NaN).
  const bool none_yet = history.empty() || std::isnan(history.back().best_signal);
  const bool improves = full && (none_yet || better(d, e.signal, history.back().best_signal));
  constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  r.best_signal = improves ? e.signal : history.empty() ? kNone : history.back().best_signal;
  r.best_reported = improves ? e.reported : history.empty() ? kNone : history.back().best_reported;
  return r;
}

}  // namespace detail

void with_threads(int threads, const std::function<void()>& fn) {
  if (threads < 0) throw OptionError(fmt::format("--threads: {} is negative", threads));
  tbb::task_arena arena(threads == 0 ? tbb::task_arena::automatic : threads);
  arena.execute(fn);
}

}  // namespace nas
