// `nas zc` (see zc.hpp): options, cells, the resumable CSV.
#include "nas/study/zc.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "nas/core/errors.hpp"
#include "nas/datasets/csv.hpp"
#include "nas/mutation/spaces.hpp"
#include "nas/study/experiment.hpp"
#include "nas/training/data.hpp"

namespace nas::study {

ZcConfig::ZcConfig() {
  OptionSet& s = options;
  s.group("cells");
  s.choice("space", space, "search space with a network builder", training::trainable_space_names());
  s.text("table", table, "score the cells of this CSV (its architecture column) instead of every cell of the space");
  s.text("arch-column", arch_column, "--table's architecture column (auto: arch_str, arch or genotype, the first present)");
  s.text("arch", arch, "score these architectures, as the benchmark writes them; several separated by ';'");
  s.group("proxies");
  s.text("proxies", proxies, "comma-separated proxies, or all, or data-free: flops, params, synflow, grasp, fisher, grad_norm, l2_norm, "
                             "plain, nwot, epe_nas, jacov, snip, zen");
  s.choice("dataset", dataset, "the input shape and class count the networks are built for", training::zc_dataset_names());
  s.choice("data", data, "the batch: real images (fashion-mnist; cifar10 needs --data-path), random (normal pixels, labels from the seed), "
                         "none (data-free proxies only); auto: real where there are images of --dataset's shape, else random",
           {"auto", "fashion-mnist", "cifar10", "random", "none"});
  s.text("data-path", data_path, "folder of the images (CIFAR-10 binary version; Fashion-MNIST: the Debian package's by default)");
  s.integer("batch-size", batch_size, "images in the batch (NASLib: 32)", 1, 4096);
  s.integer("seed", seed, "the networks' initial weights (the same for every cell), the batch, zen's draws", 0, 1LL << 62);
  s.integer("channels", channels, "network width C (0: the benchmark's: NB201 16, DARTS 32 as NASLib's NB301 data)", 0, 4096);
  s.integer("cells", cells, "NB201 cells per stage / DARTS layers (0: the benchmark's: 5 / 8)", 0, 256);
  s.group("run");
  s.text("out", out, "the CSV (resumed when it exists with the same columns)").neutral();
  s.integer("threads", threads, "cells scored at once, one torch thread each (0: every core)", 0, 1024).neutral();
}

namespace {
std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : std::string(sep)) + x;
  return s;
}
}  // namespace

training::ZcOptions zc_options(const ZcConfig& c) {
  training::ZcOptions o;
  o.proxies = training::parse_proxies(c.proxies);
  o.seed = c.seed;
  if (c.space == "darts") {
    // NASLib's NB301 graph (its zc_params): C 32, 8 layers, no auxiliary head, affine-free op BNs.
    o.network.channels = c.channels > 0 ? c.channels : 32;
    o.network.layers = c.cells > 0 ? c.cells : 8;
    o.network.affine_ops = false;
  } else {
    o.network.channels = c.channels > 0 ? c.channels : 16;
    o.network.cells = c.cells > 0 ? c.cells : 5;
  }
  o.network.auxiliary = false;
  return o;
}

training::ZcBatch zc_batch(const ZcConfig& c) {
  const auto shape = training::zc_shape(c.dataset);
  std::string source = c.data;
  if (source == "auto") {
    if (c.dataset == "fashion-mnist") source = "fashion-mnist";
    else if (c.dataset == "cifar10" && !c.data_path.empty()) source = "cifar10";
    else source = "random";
  }
  if (source == "none") return training::no_zc_batch(shape, c.batch_size);
  if (source == "random") return training::random_zc_batch(shape, c.batch_size, c.seed);
  if (source != c.dataset)
    throw OptionError(fmt::format("--data {} has the images of {}; --dataset {} needs another shape (use --data random, or --dataset {})", source,
                                  source, c.dataset, source));
  const auto data = training::load_image_data(source, c.data_path);
  return training::real_zc_batch(shape, data, c.batch_size, c.seed);
}

std::vector<std::pair<std::string, Genome>> zc_cells(const ZcConfig& c, const SearchSpace& space) {
  std::vector<std::pair<std::string, Genome>> out;
  std::unordered_map<std::string, bool> seen;
  auto add = [&](Genome g) {
    std::string text = space.format(g);
    if (seen.emplace(text, true).second) out.emplace_back(std::move(text), std::move(g));
  };
  const int sources = !c.arch.empty() + !c.table.empty();
  if (sources > 1) throw OptionError("--arch and --table: give one of them (or neither: every cell of the space)");
  if (!c.arch.empty()) {
    std::string_view list = c.arch;
    for (std::size_t a = 0; a <= list.size();) {
      const auto e = std::min(list.find(';', a), list.size());
      const std::string_view item = list.substr(a, e - a);
      if (item.empty()) throw OptionError(fmt::format("--arch '{}': an empty architecture between ';'", c.arch));
      try {
        add(space.parse(item));
      } catch (const std::exception& ex) {
        throw OptionError(fmt::format("--arch '{}': {}", item, ex.what()));
      }
      a = e + 1;
    }
    return out;
  }
  if (!c.table.empty()) {
    const auto csv = datasets::CsvFile::read(c.table);
    std::size_t col = 0;
    if (c.arch_column == "auto") {
      const char* names[] = {"arch_str", "arch", "genotype"};
      const auto it = std::find_if(std::begin(names), std::end(names), [&](const char* n) { return csv.has_column(n); });
      if (it == std::end(names)) throw DataError(fmt::format("{}: no architecture column (arch_str, arch or genotype); name it with --arch-column", c.table));
      col = csv.column(*it);
    } else {
      if (!csv.has_column(c.arch_column)) throw DataError(fmt::format("{}: no column '{}' (--arch-column)", c.table, c.arch_column));
      col = csv.column(c.arch_column);
    }
    for (std::size_t r = 0; r < csv.rows(); ++r) {
      try {
        add(space.parse(csv.field(r, col)));
      } catch (const std::exception& ex) {
        throw DataError(fmt::format("{}: '{}' is not a {} architecture: {}", csv.where(r, col), csv.field(r, col), space.name(), ex.what()));
      }
    }
    if (out.empty()) throw DataError(fmt::format("{}: no rows", c.table));
    return out;
  }
  if (!space.size())
    throw OptionError(fmt::format("--space {} cannot be enumerated: give --table (e.g. the NB301 sample) or --arch", space.name()));
  for (std::uint64_t i = 0; i < *space.size(); ++i) add(space.at(i));
  return out;
}

namespace {
/// The rows of an earlier run in `path`: arch -> the whole line. An incomplete last line (a kill
/// while writing) is dropped; a header other than `header` is an error (other options).
std::map<std::string, std::string> read_partial(const std::string& path, const std::string& header, const SearchSpace& space) {
  std::map<std::string, std::string> rows;
  std::ifstream in(path, std::ios::binary);
  if (!in) return rows;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.empty()) return rows;
  if (text.back() != '\n') text.erase(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
  if (text.empty()) return rows;
  const auto first = text.find('\n');
  if (text.substr(0, first) != header)
    throw OptionError(fmt::format("--out {}: holds other columns ({}) than this run writes ({}): give the same --proxies, or another --out",
                                  path, text.substr(0, first), header));
  const auto csv = datasets::CsvFile::parse(text, path);
  const auto col = csv.column("arch");
  for (std::size_t r = 0; r < csv.rows(); ++r) {
    std::string arch(csv.field(r, col));
    try {
      arch = space.format(space.parse(arch));
    } catch (const std::exception& ex) {
      throw DataError(fmt::format("{}: '{}' is not a {} architecture: {}", csv.where(r, col), arch, space.name(), ex.what()));
    }
    std::string line = datasets::CsvWriter::field(arch);
    for (std::size_t k = 1; k < csv.header().size(); ++k) line += "," + datasets::CsvWriter::field(csv.field(r, k));
    rows[arch] = line;
  }
  return rows;
}
}  // namespace

ZcRun run_zc(const ZcConfig& c, const std::function<void(std::size_t, std::size_t)>& progress,
             const std::function<void(const training::ZcBatch&, std::size_t)>& ready) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  const auto space = make_space(c.space);
  if (!training::trainable(space->name())) throw OptionError(fmt::format("--space {}: no network builder (nb201, darts)", c.space));
  const auto options = zc_options(c);
  if (c.out.empty()) throw OptionError("--out: expected a file name");
  const auto cells = zc_cells(c, *space);
  options.check(c.data != "none");  // data proxies without data: refused before any image is read
  const auto batch = zc_batch(c);
  std::vector<std::string> header{"arch"};
  for (const auto& p : options.proxies) header.push_back(p);
  for (const auto& p : options.proxies) header.push_back("seconds_" + p);
  const std::string header_line = join(header, ",");
  auto done = read_partial(c.out, header_line, *space);

  ZcRun run;
  run.cells = cells.size();
  std::vector<Genome> todo;
  std::vector<std::string> todo_text;
  for (const auto& [text, g] : cells) {
    if (done.count(text)) ++run.resumed;
    else todo.push_back(g), todo_text.push_back(text);
  }
  // Append to what is there (its last incomplete line cut off), writing the header if new.
  {
    std::error_code ec;
    const auto parent = std::filesystem::path(c.out).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    std::string keep = header_line + "\n";
    for (const auto& [arch, line] : done) keep += line + "\n";
    write_file(c.out, keep);
  }
  if (ready) ready(batch, todo.size());
  std::FILE* f = std::fopen(c.out.c_str(), "ab");
  if (!f) throw DataError(fmt::format("--out {}: cannot write there", c.out));
  std::size_t finished = run.resumed;
  std::mutex m;
  try {
    const int threads = c.threads > 0 ? c.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    training::score_cells(*space, todo, batch, options, threads, [&](std::size_t i, const std::vector<training::ZcScore>& s) {
      std::string line = datasets::CsvWriter::field(todo_text[i]);
      for (const auto& x : s) {
        line += ",";
        if (std::isfinite(x.value)) line += fmt::format("{:.10g}", x.value);
        else ++run.missing;
      }
      for (const auto& x : s) line += fmt::format(",{:.6f}", x.seconds);
      done[todo_text[i]] = line;
      line += "\n";
      if (std::fwrite(line.data(), 1, line.size(), f) != line.size() || std::fflush(f) != 0)
        throw DataError(fmt::format("--out {}: write failed", c.out));
      ++run.scored;
      if (progress) progress(++finished, cells.size());
    });
  } catch (...) {
    std::fclose(f);
    throw;
  }
  std::fclose(f);
  // Rewrite in the order of the cells: the file is the same whatever the thread count.
  std::string all = header_line + "\n";
  for (const auto& [text, g] : cells) {
    all += done.at(text) + "\n";
    done.erase(text);
  }
  for (const auto& [text, line] : done) all += line + "\n";  // rows of an earlier run's other cells: kept
  write_file(c.out, all);
  run.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return run;
}

}  // namespace nas::study
