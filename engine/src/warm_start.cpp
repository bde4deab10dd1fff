// The zero-cost ranked list and the zero-training search (warm_start.hpp).
#include "nas/engine/warm_start.hpp"

#include <algorithm>
#include <numeric>
#include <unordered_set>

#include <fmt/format.h>

#include "nas/core/errors.hpp"
#include "nas/core/rng.hpp"
#include "nas/engine/ask_tell.hpp"
#include "nas/engine/run.hpp"
#include "nas/engine/search.hpp"

namespace nas {

void ZeroCostOptions::validate() const {
  if (warmup > 100'000'000) throw OptionError(fmt::format("--zc-warmup {}: expected at most 100000000", warmup));
}

WarmStart::WarmStart(const SearchSpace& space, std::shared_ptr<CellScorer> scorer, std::size_t pool, std::uint64_t seed)
    : space_(space), scorer_(std::move(scorer)), pool_(pool), seed_(seed) {
  if (!scorer_) throw OptionError("zero-cost scores were asked for without a scorer (--zc-proxies)");
}

const std::vector<Genome>& WarmStart::ranked() {
  if (ready_) return ranked_;
  std::vector<Genome> cells;
  std::unordered_set<ArchitectureHash, ArchitectureHashHasher> seen;
  const auto size = space_.size();
  if (size && pool_ >= *size) {
    for (std::uint64_t i = 0; i < *size; ++i)
      if (Genome g = space_.at(i); seen.insert(space_.canonical_hash(g)).second) cells.push_back(std::move(g));
  } else {
    // Its own draws: the search's other random choices are those of a run without scores.
    Rng rng(derive_seed(seed_, 0x2E60C057));
    for (std::size_t attempt = 0; cells.size() < pool_ && attempt < 100 * pool_ + 1000; ++attempt)
      if (Genome g = space_.sample(rng); seen.insert(space_.canonical_hash(g)).second) cells.push_back(std::move(g));
  }
  const auto rows = scorer_->scores(cells);
  const auto votes = vote(rows);
  std::vector<std::size_t> order(cells.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return votes[a] > votes[b]; });
  ranked_.reserve(cells.size());
  for (auto i : order) ranked_.push_back(std::move(cells[i]));
  ready_ = true;
  return ranked_;
}

std::optional<Genome> WarmStart::next(const EvolutionState& state) {
  const auto& list = ranked();
  while (pos_ < list.size()) {
    const Genome& g = list[pos_++];
    if (!state.was_proposed(g)) return g;
  }
  return std::nullopt;
}

namespace {
class ZeroCostSearch final : public EvolutionarySearch {
 public:
  ZeroCostSearch(const SearchSpace& space, const SearchOptions& o, std::size_t pool, std::shared_ptr<CellScorer> scorer, Direction d,
                 SearchObserver* observer)
      : EvolutionarySearch(space, d, {o.budget, 0, o.skip_canonical_duplicates, o.retry_failed, o.max_failures}, observer),
        list_(space, std::move(scorer), pool, o.seed),
        rng_(derive_seed(o.seed, 0x2E60)) {}
  std::vector<Candidate> ask(std::size_t n) override {
    std::vector<Candidate> out;
    while (out.size() < n && !state_.finished()) {
      auto g = list_.next(state_);
      if (!g) g = state_.fresh_random(rng_);
      if (!g) break;
      out.push_back(state_.propose(*g));
    }
    return out;
  }

 private:
  WarmStart list_;
  Rng rng_;
};
}  // namespace

std::unique_ptr<AskTellSearch> make_zero_cost_search(const SearchOptions& o, const ZeroCostOptions& zc, std::shared_ptr<CellScorer> scorer,
                                                     const SearchContext& c) {
  o.validate();
  zc.validate();
  if (!scorer) throw OptionError("--algo zc ranks cells by zero-cost proxies: give --zc-proxies (and a build with LibTorch, or --zc-file)");
  std::size_t pool = zc.warmup;
  if (pool == 0) pool = c.space.size() ? static_cast<std::size_t>(*c.space.size()) : 100 * o.budget;
  SearchOptions so = o;
  so.seed = c.seed;
  return std::make_unique<ZeroCostSearch>(c.space, so, pool, std::move(scorer), c.direction, c.observer);
}

}  // namespace nas
