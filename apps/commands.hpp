#pragma once
// One function per `nas` subcommand; each returns the process exit code.
#include "nas/study/config.hpp"

namespace nas::app {
// The commands are thin layers over the study library.
using namespace nas::study;

int cmd_search(int argc, char** argv);
int cmd_space(int argc, char** argv);
int cmd_bench(int argc, char** argv);
int cmd_sweep(int argc, char** argv);
int cmd_predict_eval(int argc, char** argv);  // apps/cmd_predict.cpp
int cmd_explain(int argc, char** argv);       // apps/cmd_predict.cpp
int cmd_train(int argc, char** argv);         // apps/cmd_train.cpp
int cmd_zc(int argc, char** argv);            // apps/cmd_zc.cpp
int cmd_oneshot(int argc, char** argv);      // apps/cmd_oneshot.cpp
/// `nas search --evaluator train` / `supernet`: the search loop over real trainings or a supernet's inherited weights (apps/cmd_train.cpp).
int cmd_search_train(SearchConfig& config);
}  // namespace nas::app
