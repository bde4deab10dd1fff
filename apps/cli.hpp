#pragma once
// The command line (CLI11 over the declared options) and progress output.
#include <cstddef>
#include <string>

#include "nas/study/option_set.hpp"

namespace nas::cli {

/// Parses argv[first..] of `nas <command>` into `set` with CLI11: --name VALUE, --name=VALUE,
/// flags (--name, --name=false), a generated --help (options by group, with their types, ranges,
/// defaults), and --config FILE (read with OptionSet::read_toml: the command line wins). Every
/// value goes through OptionSet::set, so the CLI, config files and Python check alike. Returns
/// false when help was printed (the command then exits 0). Throws OptionError.
bool parse(OptionSet& set, int argc, char** argv, int first, const std::string& command, const std::string& description,
           bool with_config = true);

/// True when any argument after the subcommand is --help or -h.
bool help_requested(int argc, char** argv);

/// True when stderr is a terminal (progress bars are drawn only then).
bool stderr_is_tty();

/// Progress on stderr: a one-line bar redrawn in place on a TTY; otherwise (a log file, CI) one
/// plain line at most every 30 s and one at the end when the work took longer than that, so long
/// work shows progress wherever stderr goes. Not thread-safe (tick from one thread).
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
  double t0_, last_line_;
};

}  // namespace nas::cli
