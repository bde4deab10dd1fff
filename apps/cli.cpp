#include "cli.hpp"

#include <chrono>
#include <cstdio>
#include <vector>
#include <string_view>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "nas/core/errors.hpp"

namespace nas::cli {

bool parse(OptionSet& set, int argc, char** argv, int first, const std::string& command, const std::string& description, bool with_config) {
  CLI::App app(description, "nas " + command);
  app.get_formatter()->column_width(36);
  app.option_defaults()->always_capture_default(false);
  std::vector<std::string> raw(set.options().size());
  std::vector<CLI::Option*> bound;
  for (std::size_t i = 0; i < set.options().size(); ++i) {
    const auto& o = set.options()[i];
    std::string help = o.help;
    const std::string range = o.range_text();
    if (!range.empty()) help += " (" + range.substr(1) + ")";
    const std::string def = o.get();
    if (!def.empty() && o.type != OptionSet::Type::flag) help += " [" + def + (o.default_note.empty() ? "" : "; " + o.default_note) + "]";
    else if (!o.default_note.empty()) help += " [" + o.default_note + "]";
    CLI::Option* opt = nullptr;
    std::string names = "--" + o.name;
    for (const auto& a : o.aliases) names += ",--" + a;
    if (o.type == OptionSet::Type::flag) {
      opt = app.add_flag(names, raw[i], help);
    } else {
      opt = app.add_option(names, raw[i], help);
      std::string type = o.type == OptionSet::Type::integer ? "INT" : o.type == OptionSet::Type::real ? "REAL" : "TEXT";
      if (o.type == OptionSet::Type::choice) type = o.type_name();
      opt->type_name(type);
    }
    opt->group(o.group.empty() ? "general" : o.group);
    opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // the last one given wins (scripts append overrides)
    bound.push_back(opt);
  }
  std::string config;
  if (with_config) app.add_option("--config", config, "read options from a TOML file (name = value lines, as config.toml); the command line wins")->type_name("FILE");
  // Unknown options first, with our wording (CLI11 lists them with their values, reversed).
  for (int i = first; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--", 0) != 0) continue;
    const std::string name = a.substr(2, a.find('=') == std::string::npos ? std::string::npos : a.find('=') - 2);
    if (!set.has(name) && name != "help" && !(with_config && name == "config"))
      throw OptionError(fmt::format("unknown option '--{}'; `nas {} --help` lists the options", name, command));
  }
  try {
    std::vector<std::string> args;
    for (int i = argc - 1; i >= first; --i) args.emplace_back(argv[i]);  // CLI11 takes them reversed
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return false;
  } catch (const CLI::ParseError& e) {
    throw OptionError(e.what());
  }
  for (std::size_t i = 0; i < bound.size(); ++i)
    if (bound[i]->count() > 0) set.set(set.options()[i].name, raw[i]);
  if (!config.empty()) set.read_toml(config);
  return true;
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

Progress::Progress(std::string label, std::size_t total) : label_(std::move(label)), total_(total), tty_(stderr_is_tty()), t0_(now_seconds()), last_line_(t0_) {
  draw();
}

Progress::~Progress() {
  if (tty_) std::fputs("\n", stderr);
  else if (last_line_ > t0_) fmt::print(stderr, "{}: {}/{} done in {:.0f} s\n", label_, done_, total_, now_seconds() - t0_);
}

void Progress::tick(std::size_t n) {
  done_ += n;
  draw();
}

void Progress::draw() {
  const double now = now_seconds(), el = now - t0_;
  const double eta = done_ ? el * static_cast<double>(total_ - done_) / static_cast<double>(done_) : 0;
  if (!tty_) {
    if (now - last_line_ < 30 || done_ == 0) return;
    last_line_ = now;
    fmt::print(stderr, "{}: {}/{} ({:.0f} %), {:.0f} s, eta {:.0f} s\n", label_, done_, total_,
               total_ ? 100.0 * static_cast<double>(done_) / static_cast<double>(total_) : 100.0, el, eta);
    std::fflush(stderr);
    return;
  }
  constexpr int kWidth = 30;
  const int filled = total_ ? static_cast<int>(kWidth * done_ / total_) : kWidth;
  fmt::print(stderr, "\r{} [{}{}] {}/{} {:.1f}s eta {:.1f}s ", label_, std::string(static_cast<std::size_t>(filled), '#'),
             std::string(static_cast<std::size_t>(kWidth - filled), ' '), done_, total_, el, eta);
  std::fflush(stderr);
}

}  // namespace nas::cli
