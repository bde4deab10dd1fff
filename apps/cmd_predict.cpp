// nas predict-eval and nas explain (being written: see issue 3).
#include <stdexcept>

#include "commands.hpp"

namespace nas::app {
int cmd_predict_eval(int, char**) { throw std::runtime_error("predict-eval: not built yet"); }
int cmd_explain(int, char**) { throw std::runtime_error("explain: not built yet"); }
}  // namespace nas::app
