// make_cell_scorer (config.hpp): zero-cost scores for the searches, from a `nas zc` file and, in a
// build with LibTorch, computed for the cells it lacks. Cached per process: every run of a study
// shares the scores, so 30 seeds pay for a cell once.
#include <algorithm>
#include <cmath>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nas/core/cell_scorer.hpp"
#include "nas/core/errors.hpp"
#include "nas/datasets/csv.hpp"
#include "nas/study/config.hpp"
#if NAS_STUDY_WITH_TORCH
#include "nas/study/zc.hpp"
#include "nas/training/zero_cost.hpp"
#endif

namespace nas::study {
namespace {

class ZcScorer final : public CellScorer {
 public:
  using Compute = std::function<std::vector<double>(const Genome&)>;
  ZcScorer(const SearchSpace& space, std::vector<std::string> names, Compute compute)
      : space_(space), names_(std::move(names)), compute_(std::move(compute)) {}

  /// Reads a `nas zc` CSV: its rows become the cache. Throws DataError (a missing proxy column,
  /// an architecture or a value that does not parse, naming file and line).
  void load(const std::string& path) {
    const auto csv = datasets::CsvFile::read(path);
    const auto c_arch = csv.column("arch");
    std::vector<std::size_t> cols;
    for (const auto& n : names_) {
      if (!csv.has_column(n)) throw DataError(fmt::format("--zc-file {}: no column '{}' (a `nas zc --proxies ...` output with it)", path, n));
      cols.push_back(csv.column(n));
    }
    for (std::size_t r = 0; r < csv.rows(); ++r) {
      Genome g;
      try {
        g = space_.parse(csv.field(r, c_arch));
      } catch (const std::exception& e) {
        throw DataError(fmt::format("{}'{}' is not a {} architecture: {}", csv.where(r, c_arch), csv.field(r, c_arch), space_.name(), e.what()));
      }
      std::vector<double> row;
      for (auto c : cols) row.push_back(csv.field(r, c).empty() ? std::nan("") : csv.number(r, c));  // empty: missing
      cache_[space_.format(g)] = std::move(row);
    }
  }

  const std::vector<std::string>& names() const override { return names_; }

  std::vector<std::vector<double>> scores(std::span<const Genome> cells) override {
    std::vector<std::vector<double>> out;
    out.reserve(cells.size());
    for (const auto& g : cells) {
      const std::string key = space_.format(g);
      {
        std::lock_guard lock(m_);
        if (const auto it = cache_.find(key); it != cache_.end()) {
          out.push_back(it->second);
          continue;
        }
      }
      if (!compute_)
        throw OptionError(fmt::format("zero-cost scores of {}: not in --zc-file, and {}", key,
                                      NAS_STUDY_WITH_TORCH ? "nothing computes them here (give a file with every cell)"
                                                           : "this build cannot compute them (it has no LibTorch)"));
      auto row = compute_(g);  // outside the lock: runs score their own cells side by side
      std::lock_guard lock(m_);
      out.push_back(cache_.emplace(key, std::move(row)).first->second);
    }
    return out;
  }

 private:
  const SearchSpace& space_;
  std::vector<std::string> names_;
  Compute compute_;
  std::mutex m_;
  std::unordered_map<std::string, std::vector<double>> cache_;
};

// Some of another scorer's columns, in their own order (the ranking and the surrogate's features
// share one scorer, so a proxy in both lists is computed once per cell).
class Columns final : public CellScorer {
 public:
  Columns(std::shared_ptr<CellScorer> all, std::vector<std::string> names) : all_(std::move(all)), names_(std::move(names)) {
    for (const auto& n : names_) cols_.push_back(static_cast<std::size_t>(std::find(all_->names().begin(), all_->names().end(), n) - all_->names().begin()));
  }
  const std::vector<std::string>& names() const override { return names_; }
  std::vector<std::vector<double>> scores(std::span<const Genome> cells) override {
    auto rows = all_->scores(cells);
    for (auto& r : rows) {
      std::vector<double> pick;
      for (auto c : cols_) pick.push_back(r[c]);
      r = std::move(pick);
    }
    return rows;
  }

 private:
  std::shared_ptr<CellScorer> all_;
  std::vector<std::string> names_;
  std::vector<std::size_t> cols_;
};

}  // namespace

std::vector<std::string> zc_proxy_names(const std::string& list) {
#if NAS_STUDY_WITH_TORCH
  return training::parse_proxies(list);
#else
  std::vector<std::string> v;  // a file's column names: checked against the file
  for (std::size_t a = 0; a <= list.size();) {
    const auto e = std::min(list.find(',', a), list.size());
    v.push_back(list.substr(a, e - a));
    a = e + 1;
  }
  return v;
#endif
}

std::vector<std::string> zc_all_names(const SearchConfig& c) {
  std::vector<std::string> names;
  for (const auto* list : {&c.zc_proxies, &c.zc_features})
    if (!list->empty())
      for (auto& n : zc_proxy_names(*list))
        if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(std::move(n));
  return names;
}

std::shared_ptr<CellScorer> zc_file_scorer(const SearchSpace& space, const std::string& path, const std::string& proxies) {
  auto scorer = std::make_shared<ZcScorer>(space, zc_proxy_names(proxies), ZcScorer::Compute{});
  scorer->load(path);
  return scorer;
}

ZcScorers make_cell_scorers(const SearchConfig& c, const SearchSpace& space) {
  const auto proxies = zc_all_names(c);
  if (proxies.empty()) return {};
  ZcScorer::Compute compute;
#if NAS_STUDY_WITH_TORCH
  if (training::trainable(space.name())) {
    ZcConfig z;
    z.space = std::string(space.name());
    z.dataset = c.zc_dataset;
    z.proxies = fmt::format("{}", fmt::join(proxies, ","));
    z.batch_size = c.zc_batch;
    z.data = c.evaluator == "train" ? "auto" : "random";
    z.data_path = c.evaluator == "train" ? c.training.data_path : "";
    auto batch = std::make_shared<const training::ZcBatch>(zc_batch(z));
    const auto options = zc_options(z);
    options.check(*batch);
    compute = [&space, batch, options](const Genome& g) {
      std::vector<double> row;
      for (const auto& s : training::zero_cost_scores(space, g, *batch, options)) row.push_back(s.value);
      return row;
    };
  } else if (c.zc_file.empty()) {
    throw OptionError(fmt::format("--zc-proxies on --space {}: no network to compute them on (nb201, darts); give --zc-file", space.name()));
  }
#else
  if (c.zc_file.empty())
    throw OptionError(without_models("--zc-proxies without --zc-file (computing zero-cost proxies)"));
#endif
  auto scorer = std::make_shared<ZcScorer>(space, proxies, std::move(compute));
  if (!c.zc_file.empty()) scorer->load(c.zc_file);
  auto view = [&](const std::string& list) -> std::shared_ptr<CellScorer> {
    if (list.empty()) return nullptr;
    auto names = zc_proxy_names(list);
    if (names == proxies) return scorer;
    return std::make_shared<Columns>(scorer, std::move(names));
  };
  return {view(c.zc_proxies), view(c.zc_features)};
}

}  // namespace nas::study
