#include "cli.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string_view>
#include <unistd.h>

#include <fmt/format.h>

#include "nas/core/errors.hpp"

namespace nas::cli {

Args::Args(int argc, char** argv, int first, std::set<std::string> options, std::set<std::string> flags)
    : options_(options), known_flags_(flags) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) throw OptionError(fmt::format("unexpected argument '{}'; options start with --", a));
    std::string key = a.substr(2), value;
    const auto eq = key.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) { value = key.substr(eq + 1); key = key.substr(0, eq); }
    if (flags.count(key)) {
      if (inline_value) throw OptionError(fmt::format("--{} takes no value", key));
      flags_.insert(key);
      continue;
    }
    if (!options.count(key)) {
      std::string known;
      for (const auto& o : options) known += " --" + o;
      for (const auto& f : flags) known += " --" + f;
      throw OptionError(fmt::format("unknown option '--{}'; known:{}", key, known));
    }
    if (!inline_value) {
      if (i + 1 >= argc) throw OptionError(fmt::format("--{} needs a value", key));
      value = argv[++i];
    }
    values_[key] = value;
  }
}

std::optional<std::string> Args::get(const std::string& key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::str(const std::string& key, const std::string& def) const { return get(key).value_or(def); }

long long Args::integer(const std::string& key, long long def, long long min, long long max) const {
  const auto v = get(key);
  if (!v) return def;
  std::size_t pos = 0;
  long long x = 0;
  try {
    x = std::stoll(*v, &pos);
  } catch (...) {
    pos = 0;
  }
  if (pos != v->size() || v->empty()) throw OptionError(fmt::format("--{}: '{}' is not an integer", key, *v));
  if (x < min || x > max) throw OptionError(fmt::format("--{}: {} is outside [{}, {}]", key, x, min, max));
  return x;
}

double Args::real(const std::string& key, double def) const {
  const auto v = get(key);
  if (!v) return def;
  std::size_t pos = 0;
  double x = 0;
  try {
    x = std::stod(*v, &pos);
  } catch (...) {
    pos = 0;
  }
  if (pos != v->size() || v->empty()) throw OptionError(fmt::format("--{}: '{}' is not a number", key, *v));
  return x;
}

std::vector<std::string> Args::list(const std::string& key, const std::string& def) const {
  const std::string s = str(key, def);
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto comma = s.find(',', start);
    const auto part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (part.empty()) throw OptionError(fmt::format("--{}: empty item in '{}'", key, s));
    out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<long long> Args::integers(const std::string& key, const std::string& def) const {
  std::vector<long long> out;
  for (const auto& p : list(key, def)) {
    std::size_t pos = 0;
    long long x = 0;
    try {
      x = std::stoll(p, &pos);
    } catch (...) {
      pos = 0;
    }
    if (pos != p.size()) throw OptionError(fmt::format("--{}: '{}' is not an integer", key, p));
    out.push_back(x);
  }
  return out;
}

void Args::set(const std::string& key, const std::string& value) {
  if (known_flags_.count(key)) {
    if (value == "true" || value == "1") flags_.insert(key);
    else if (value == "false" || value == "0") flags_.erase(key);
    else throw OptionError(fmt::format("--{} is a flag: expected true or false, got '{}'", key, value));
    return;
  }
  if (!options_.count(key)) throw OptionError(fmt::format("unknown option '{}'", key));
  values_[key] = value;
}

void Args::merge_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw OptionError(fmt::format("{}: cannot open config file", path));
  std::string line;
  const std::map<std::string, std::string> cli_values = values_;
  const std::set<std::string> cli_flags = flags_;
  for (int n = 1; std::getline(in, line); ++n) {
    auto trim = [](std::string x) {
      const auto a = x.find_first_not_of(" \t\r"), b = x.find_last_not_of(" \t\r");
      return a == std::string::npos ? std::string() : x.substr(a, b - a + 1);
    };
    std::string t = line;
    if (const auto h = t.find('#'); h != std::string::npos && t.find('"') > h) t = t.substr(0, h);
    t = trim(t);
    if (t.empty()) continue;
    const auto eq = t.find('=');
    if (eq == std::string::npos) throw OptionError(fmt::format("{}:{}: expected 'key = value', got '{}'", path, n, line));
    const std::string key = trim(t.substr(0, eq));
    std::string value = trim(t.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (cli_values.count(key) || cli_flags.count(key)) continue;  // the command line wins
    try {
      set(key, value);
    } catch (const OptionError& e) {
      throw OptionError(fmt::format("{}:{}: {}", path, n, e.what()));
    }
  }
}

std::string Args::to_toml() const {
  std::string out;
  for (const auto& [k, v] : values_) {
    const bool number = !v.empty() && v.find_first_not_of("0123456789.-+eE") == std::string::npos;
    out += fmt::format("{} = {}\n", k, number ? v : "\"" + v + "\"");
  }
  for (const auto& f : flags_) out += fmt::format("{} = true\n", f);
  return out;
}

bool help_requested(int argc, char** argv) {
  for (int i = 2; i < argc; ++i)
    if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") return true;
  return false;
}

bool stderr_is_tty() { return isatty(fileno(stderr)) != 0; }

static double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Progress::Progress(std::string label, std::size_t total) : label_(std::move(label)), total_(total), tty_(stderr_is_tty()), t0_(now_seconds()) {
  draw();
}

Progress::~Progress() {
  if (tty_) std::fputs("\n", stderr);
}

void Progress::tick(std::size_t n) {
  done_ += n;
  draw();
}

void Progress::draw() {
  if (!tty_) return;
  constexpr int kWidth = 30;
  const int filled = total_ ? static_cast<int>(kWidth * done_ / total_) : kWidth;
  const double el = now_seconds() - t0_;
  const double eta = done_ ? el * static_cast<double>(total_ - done_) / static_cast<double>(done_) : 0;
  fmt::print(stderr, "\r{} [{}{}] {}/{} {:.1f}s eta {:.1f}s ", label_, std::string(static_cast<std::size_t>(filled), '#'),
             std::string(static_cast<std::size_t>(kWidth - filled), ' '), done_, total_, el, eta);
  std::fflush(stderr);
}

}  // namespace nas::cli
