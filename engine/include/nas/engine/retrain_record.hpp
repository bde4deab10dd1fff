#pragma once
// The log entry of one surrogate retrain (guided searches).
#include <cstddef>

namespace nas {

/// One retrain, as logged.
struct RetrainRecord {
  std::size_t at_query = 0;     // history size when training started
  std::size_t cells = 0;        // training set size (window applied)
  double seconds = 0;           // training wall time
  int epochs = 0;
  bool warm = false, asynchronous = false;
  std::size_t swapped_at_query = 0;  // when the trained model started ranking
  /// Online validation: Kendall tau between the model's scores (when it ranked them) and the true
  /// signals of the cells evaluated since the previous retrain; NaN if fewer than 2.
  double online_tau = 0;
  std::size_t online_cells = 0;
};

}  // namespace nas
