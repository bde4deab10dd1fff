// pagmo2's NSGA-II on a tabular NAS space, a peer of `nas search` (the C++ twin of bench/mo_peers.py).
//
// Input: a points file (CSV, header index,arch,canonical_hash,<obj1>,<obj2>) as bench/mo_peers.py reads it;
// the same encoding (nb201: 6 edges x 5 ops; macro: 8 layers x 3; accel: 7 blocks x (e,k,l,se), the
// values the table uses), here as an integer decision vector x_i in [0, choices_i - 1] (pagmo's integer
// part: get_nix() = all of them). accel's table is a sample: a vector not in it is projected to the nearest
// row by Hamming distance (ties: the first row in file order). Rows without objective values are dropped;
// a repeated arch keeps its first row.
//
// Budget (as our engine): an architecture already evaluated returns its cached values and is not charged.
// The population (20) is evolved one generation at a time until `budget` distinct architectures were
// evaluated, or 50 x budget fitness calls (checked between generations; reported). Fitness minimises, so
// maximised objectives are negated. nsga2: pagmo's defaults (cr 0.95, eta_c 10, eta_m 50) except the
// mutation probability per variable, 1/variables (pagmo's default 0.01 is set for long real vectors; with
// 6-28 integer variables it leaves the population cloning itself; --mutation changes it).
//
// Outputs: OUT/pagmo_nsga2/seed_<s>.csv (eval,arch,cpu_s: distinct architectures in the order first
// evaluated, process CPU seconds since the seed began) and OUT/pagmo_nsga2/cpu.json.
//
// Build: g++ -O2 -std=c++17 bench/mo_pagmo.cpp -o bench-out/mo_pagmo -lpagmo -ltbb -lboost_serialization
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <pagmo/algorithms/nsga2.hpp>
#include <pagmo/population.hpp>
#include <pagmo/problem.hpp>
#include <pagmo/types.hpp>

namespace {

const std::vector<std::string> kNb201Ops = {"none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"};
constexpr std::size_t kPopulation = 20;
constexpr std::size_t kCapFactor = 50;

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// One CSV line; quotes handled minimally ("" inside a quoted field; no newlines inside fields).
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else out.back() += c;
    } else if (c == '"') quoted = true;
    else if (c == ',') out.emplace_back();
    else if (c != '\r') out.back() += c;
  }
  return out;
}

std::vector<std::string> parse_arch(const std::string& space, const std::string& arch) {
  std::vector<std::string> f;
  if (space == "nb201") {
    static const std::regex op("([A-Za-z0-9_]+)~[0-9]+");
    for (std::sregex_iterator it(arch.begin(), arch.end(), op), end; it != end; ++it) f.push_back((*it)[1]);
    if (f.size() != 6 || std::any_of(f.begin(), f.end(), [](const auto& o) {
          return std::find(kNb201Ops.begin(), kNb201Ops.end(), o) == kNb201Ops.end();
        }))
      throw std::runtime_error("nb201: cannot read '" + arch + "'");
  } else if (space == "macro") {
    if (arch.size() != 8 || arch.find_first_not_of("012") != std::string::npos)
      throw std::runtime_error("macro: '" + arch + "' is not 8 digits 0-2");
    for (char c : arch) f.emplace_back(1, c);
  } else if (space == "accel") {
    static const std::regex block("e([0-9]+)k([0-9]+)l([0-9]+)se([0-9]+)");
    std::stringstream ss(arch);
    std::string b;
    int blocks = 0;
    while (std::getline(ss, b, '|')) {
      std::smatch m;
      if (!std::regex_match(b, m, block)) throw std::runtime_error("accel: block '" + b + "' of '" + arch + "'");
      for (int i = 1; i <= 4; ++i) f.push_back(m[i]);
      ++blocks;
    }
    if (blocks != 7) throw std::runtime_error("accel: '" + arch + "' does not have 7 blocks");
  } else {
    throw std::runtime_error("unknown space '" + space + "'");
  }
  return f;
}

struct Table {
  std::vector<std::string> objectives;
  std::vector<std::string> archs;
  std::vector<std::array<double, 2>> values;
  std::vector<std::vector<std::string>> choices;
  std::vector<std::vector<int>> codes;
  std::unordered_map<std::string, std::size_t> row_of;  // key: the codes as bytes

  static std::string key(const std::vector<int>& c) { return std::string(c.begin(), c.end()); }

  Table(const std::string& path, const std::string& space) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::string line;
    std::getline(in, line);
    const auto header = split_csv(line);
    if (header.size() < 5 || header[0] != "index" || header[1] != "arch" || header[2] != "canonical_hash")
      throw std::runtime_error(path + ": expected the header index,arch,canonical_hash,<obj1>,<obj2>");
    objectives = {header[3], header[4]};
    std::vector<std::vector<std::string>> fields;
    std::unordered_map<std::string, bool> seen;
    std::size_t dropped = 0, repeated = 0;
    while (std::getline(in, line)) {
      if (line.empty() || line == "\r") continue;
      const auto row = split_csv(line);
      std::array<double, 2> v{NAN, NAN};
      try {
        if (row.size() >= 5) v = {std::stod(row[3]), std::stod(row[4])};
      } catch (const std::exception&) {
      }
      if (!std::isfinite(v[0]) || !std::isfinite(v[1])) { ++dropped; continue; }
      if (!seen.emplace(row[1], true).second) { ++repeated; continue; }
      archs.push_back(row[1]);
      values.push_back(v);
      fields.push_back(parse_arch(space, row[1]));
    }
    if (archs.empty()) throw std::runtime_error(path + ": no rows");
    if (dropped || repeated)
      std::cerr << path << ": dropped " << dropped << " rows without objective values, " << repeated << " repeated archs\n";
    const std::size_t n = fields[0].size();
    choices.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (space == "nb201") choices[i] = kNb201Ops;
      else if (space == "macro") choices[i] = {"0", "1", "2"};
      else {  // a sample of the space: the values the table uses, in numeric order
        for (const auto& f : fields)
          if (std::find(choices[i].begin(), choices[i].end(), f[i]) == choices[i].end()) choices[i].push_back(f[i]);
        std::sort(choices[i].begin(), choices[i].end(), [](const auto& a, const auto& b) { return std::stoi(a) < std::stoi(b); });
      }
    }
    for (std::size_t r = 0; r < fields.size(); ++r) {
      std::vector<int> c(n);
      for (std::size_t i = 0; i < n; ++i)
        c[i] = static_cast<int>(std::find(choices[i].begin(), choices[i].end(), fields[r][i]) - choices[i].begin());
      row_of.emplace(key(c), r);  // emplace keeps the first
      codes.push_back(std::move(c));
    }
  }

  std::size_t project(const std::vector<int>& c) const {
    if (auto it = row_of.find(key(c)); it != row_of.end()) return it->second;
    std::size_t best = 0, best_d = c.size() + 1;
    for (std::size_t r = 0; r < codes.size(); ++r) {
      std::size_t d = 0;
      for (std::size_t i = 0; i < c.size(); ++i) d += codes[r][i] != c[i];
      if (d < best_d) best = r, best_d = d;  // strict: the first row wins ties
    }
    return best;
  }
};

// Shared by every copy pagmo makes of the problem.
struct RunState {
  const Table* table = nullptr;
  std::array<double, 2> sign{1, 1};  // -1 for a maximised objective
  std::size_t budget = 0;
  std::vector<char> evaluated;
  std::vector<std::size_t> order;
  std::vector<double> cpu;
  std::size_t calls = 0;
  double t0 = 0;
};

struct ArchProblem {
  std::shared_ptr<RunState> s;

  ArchProblem() = default;  // pagmo requires it
  explicit ArchProblem(std::shared_ptr<RunState> state) : s(std::move(state)) {}

  pagmo::vector_double fitness(const pagmo::vector_double& x) const {
    std::vector<int> c(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) c[i] = static_cast<int>(std::lround(x[i]));
    const std::size_t r = s->table->project(c);
    ++s->calls;
    if (!s->evaluated[r] && s->order.size() < s->budget) {
      s->evaluated[r] = 1;
      s->order.push_back(r);
      s->cpu.push_back(cpu_seconds() - s->t0);
    }
    const auto& v = s->table->values[r];
    return {s->sign[0] * v[0], s->sign[1] * v[1]};
  }
  std::pair<pagmo::vector_double, pagmo::vector_double> get_bounds() const {
    const auto& ch = s->table->choices;
    pagmo::vector_double lb(ch.size(), 0.0), ub(ch.size());
    for (std::size_t i = 0; i < ch.size(); ++i) ub[i] = static_cast<double>(ch[i].size() - 1);
    return {lb, ub};
  }
  pagmo::vector_double::size_type get_nobj() const { return 2; }
  pagmo::vector_double::size_type get_nix() const { return s->table->choices.size(); }
  std::string get_name() const { return "tabular NAS space"; }
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "mo_pagmo: " << why
            << "\nusage: mo_pagmo --points FILE --space nb201|macro|accel --directions max,min --budget N --seeds S --out DIR"
               " [--mutation P]\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::unordered_map<std::string, std::string> a;
  for (int i = 1; i < argc; i += 2) {
    const std::string k = argv[i];
    if (k.rfind("--", 0) != 0 || i + 1 >= argc) usage("bad argument '" + k + "'");
    a[k.substr(2)] = argv[i + 1];
  }
  for (const char* k : {"points", "space", "directions", "budget", "seeds", "out"})
    if (!a.count(k)) usage(std::string("--") + k + " is required");
  const std::string space = a["space"];
  const std::size_t budget = std::stoul(a["budget"]), seeds = std::stoul(a["seeds"]);
  const auto dirs = split_csv(a["directions"]);
  if (dirs.size() != 2 || std::any_of(dirs.begin(), dirs.end(), [](const auto& d) { return d != "max" && d != "min"; }))
    usage("--directions: two of max|min, e.g. max,min");

  try {
    const Table table(a["points"], space);
    const std::size_t nvars = table.choices.size();
    const double mutation = a.count("mutation") ? std::stod(a["mutation"]) : 1.0 / static_cast<double>(nvars);
    std::cout << "pagmo nsga2 (population " << kPopulation << ", mutation " << mutation << "); " << space << ": "
              << table.archs.size() << " archs, " << nvars << " integer variables; objectives " << table.objectives[0] << ":"
              << dirs[0] << ", " << table.objectives[1] << ":" << dirs[1] << "\n";

    const std::filesystem::path out = std::filesystem::path(a["out"]) / "pagmo_nsga2";
    std::filesystem::create_directories(out);
    std::ostringstream json;
    json << "{\n \"tool\": \"pagmo2 nsga2\",\n \"population\": " << kPopulation << ",\n \"mutation\": " << mutation
         << ",\n \"space\": \"" << space << "\",\n \"budget\": " << budget << ",\n \"seeds\": {";
    std::size_t caps = 0;
    for (std::size_t seed = 0; seed < seeds; ++seed) {
      auto st = std::make_shared<RunState>();
      st->table = &table;
      for (int i = 0; i < 2; ++i) st->sign[i] = dirs[i] == "max" ? -1.0 : 1.0;
      st->budget = budget;
      st->evaluated.assign(table.archs.size(), 0);
      st->t0 = cpu_seconds();
      const auto useed = static_cast<unsigned>(seed);
      pagmo::population pop{pagmo::problem{ArchProblem{st}}, kPopulation, useed};
      const pagmo::algorithm algo{pagmo::nsga2{1u, 0.95, 10., mutation, 50., useed}};
      while (st->order.size() < budget && st->calls < kCapFactor * budget) pop = algo.evolve(pop);
      const double total = cpu_seconds() - st->t0;
      const bool cap_hit = st->order.size() < budget;
      caps += cap_hit;

      const auto csv_path = out / ("seed_" + std::to_string(seed) + ".csv");
      {
        std::ofstream f(csv_path.string() + ".tmp");
        f << "eval,arch,cpu_s\n";
        char buf[32];
        for (std::size_t i = 0; i < st->order.size(); ++i) {
          std::snprintf(buf, sizeof buf, "%.4f", st->cpu[i]);
          f << i + 1 << ',' << table.archs[st->order[i]] << ',' << buf << '\n';
        }
      }
      std::filesystem::rename(csv_path.string() + ".tmp", csv_path);
      json << (seed ? "," : "") << "\n  \"" << seed << "\": {\"cpu_s\": " << total << ", \"trials\": " << st->calls
           << ", \"distinct\": " << st->order.size() << ", \"cap_hit\": " << (cap_hit ? "true" : "false") << "}";
      std::cerr << "pagmo_nsga2 " << space << " seed " << seed << ": " << st->order.size() << " distinct in " << st->calls
                << " fitness calls, " << total << " CPU s" << (cap_hit ? " (CAP HIT)" : "") << "\n";
    }
    json << "\n }\n}\n";
    {
      std::ofstream f((out / "cpu.json").string() + ".tmp");
      f << json.str();
    }
    std::filesystem::rename((out / "cpu.json").string() + ".tmp", out / "cpu.json");
    if (caps) std::cout << caps << " seeds hit the cap of " << kCapFactor * budget << " fitness calls before " << budget << " distinct archs\n";
  } catch (const std::exception& e) {
    std::cerr << "mo_pagmo: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
