#include "experiment.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "nas/mutation/errors.hpp"

#ifndef NAS_SOURCE_DIR
#define NAS_SOURCE_DIR "."
#endif

namespace nas::app {
namespace fs = std::filesystem;

std::string data_dir(const cli::Args& args) {
  if (auto d = args.get("data-dir")) return *d;
  if (const char* e = std::getenv("NAS_DATA_DIR"); e && *e) return e;
  if (fs::is_directory("../shared/datasets")) return "../shared/datasets";
  return std::string(NAS_SOURCE_DIR) + "/../shared/datasets";
}

Experiment load_experiment(const cli::Args& args) {
  Experiment x;
  x.space = make_space(args.str("space", "nb201"));
  const std::string space = std::string(x.space->name());
  if (space == "nb201") {
    x.dataset = args.str("dataset", "cifar10");
    const std::string path = args.str("table", datasets::nb201::default_path(data_dir(args)));
    x.table = datasets::nb201::load(*x.space, path);
    x.signal_column = x.table->column(datasets::nb201::column_name(x.dataset, args.str("signal", "test_200ep")));
    x.reported_column = x.table->column(datasets::nb201::column_name(x.dataset, args.str("reported", "test_200ep")));
  } else {
    throw OptionError(fmt::format("--space {}: no benchmark table is wired for this space yet", space));
  }
  return x;
}

void write_file(const std::string& path, const std::string& text) {
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error(fmt::format("{}: cannot write file", path));
}

}  // namespace nas::app
