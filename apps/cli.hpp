#pragma once
// Minimal `--key value` / `--flag` parser that rejects unknown and malformed options by name.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nas::cli {

class Args {
 public:
  /// `flags` take no value; every other known option takes exactly one.
  Args(int argc, char** argv, int first, std::set<std::string> options, std::set<std::string> flags);
  std::string str(const std::string& key, const std::string& def) const;
  std::optional<std::string> get(const std::string& key) const;
  long long integer(const std::string& key, long long def, long long min, long long max) const;
  double real(const std::string& key, double def) const;
  bool flag(const std::string& key) const { return flags_.count(key) != 0; }
  /// Comma-separated list of integers, e.g. "50,100,200".
  std::vector<long long> integers(const std::string& key, const std::string& def) const;
  std::vector<std::string> list(const std::string& key, const std::string& def) const;

  /// Sets an option (or, for a flag, "true"/"false" sets or clears it); throws for unknown keys.
  void set(const std::string& key, const std::string& value);
  /// Reads a TOML-subset config file: `key = value` lines (keys are option names without --,
  /// values numbers, true/false or "strings"), `#` comments, blank lines. Options already given
  /// on the command line win. Throws OptionError naming file and line.
  void merge_config_file(const std::string& path);
  /// Every option and flag that is set, as TOML lines (re-readable with merge_config_file).
  std::string to_toml() const;

 private:
  std::set<std::string> options_, known_flags_;
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
};

/// True when any argument after the subcommand is --help or -h.
bool help_requested(int argc, char** argv);

/// True when stderr is a terminal (progress bars are drawn only then).
bool stderr_is_tty();

/// A one-line progress bar on stderr, redrawn in place on a TTY, silent otherwise.
class Progress {
 public:
  Progress(std::string label, std::size_t total);
  ~Progress();
  void tick(std::size_t n = 1);

 private:
  void draw();
  std::string label_;
  std::size_t total_, done_ = 0;
  bool tty_;
  double t0_;
};

}  // namespace nas::cli
