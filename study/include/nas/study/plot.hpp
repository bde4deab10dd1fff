#pragma once
// A small SVG line plot (no plotting library on these machines).
#include <string>
#include <vector>

namespace nas::study {

struct Series {
  std::string name;
  std::vector<double> x, y;  // NaN y values are gaps
  bool markers = false;      // points (small circles) instead of a line
};

/// Lines over a shared x axis, with axes, ticks and a legend.
std::string svg_lines(const std::string& title, const std::string& x_label, const std::string& y_label, const std::vector<Series>& series);

}  // namespace nas::study
