#include "cli.hpp"

#include <chrono>
#include <cstdio>
#include <unistd.h>

#include <fmt/format.h>

#include "nas/mutation/errors.hpp"

namespace nas::cli {

Args::Args(int argc, char** argv, int first, std::set<std::string> options, std::set<std::string> flags) {
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
