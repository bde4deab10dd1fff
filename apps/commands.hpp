#pragma once
// One function per `nas` subcommand; each returns the process exit code.
namespace nas::app {
int cmd_search(int argc, char** argv);
int cmd_space(int argc, char** argv);
int cmd_bench(int argc, char** argv);
}  // namespace nas::app
