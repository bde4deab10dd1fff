#include "nas/study/plot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace nas::study {

std::string svg_lines(const std::string& title, const std::string& x_label, const std::string& y_label, const std::vector<Series>& series) {
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  std::size_t longest = 8;
  for (const auto& s : series) {
    longest = std::max(longest, s.name.size());
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, s.y[i]), y1 = std::max(y1, s.y[i]);
    }
  }
  if (!std::isfinite(x0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (x1 == x0) x1 = x0 + 1;
  const double pad = 0.05 * std::max(y1 - y0, 1e-9);
  y0 -= pad, y1 += pad;
  const double R = 40 + 7.0 * static_cast<double>(longest), W = 560 + R, H = 420, L = 70, T = 40, B = 50;
  auto X = [&](double v) { return L + (W - L - R) * (v - x0) / (x1 - x0); };
  auto Y = [&](double v) { return T + (H - T - B) * (1 - (v - y0) / (y1 - y0)); };
  static const char* colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};
  std::string s = fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" font-family="sans-serif" font-size="12">)", W, H);
  s += fmt::format(R"(<rect width="{}" height="{}" fill="white"/><text x="{}" y="22" font-size="14">{}</text>)", W, H, L, title);
  s += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="black"/><line x1="{0}" y1="{2}" x2="{3}" y2="{2}" stroke="black"/>)", L, T,
                   H - B, W - R);
  for (int k = 0; k <= 5; ++k) {
    const double v = y0 + (y1 - y0) * k / 5, q = x0 + (x1 - x0) * k / 5;
    s += fmt::format(R"(<text x="{}" y="{}" text-anchor="end">{:.2f}</text>)", L - 6, Y(v) + 4, v);
    s += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{:.4g}</text>)", X(q), H - B + 18, q);
  }
  s += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{}</text>)", (L + W - R) / 2, H - 12, x_label);
  s += fmt::format(R"svg(<text x="16" y="{}" transform="rotate(-90 16 {})" text-anchor="middle">{}</text>)svg", (T + H - B) / 2, (T + H - B) / 2, y_label);
  for (std::size_t c = 0; c < series.size(); ++c) {
    std::string pts;
    for (std::size_t i = 0; i < series[c].x.size(); ++i)
      if (std::isfinite(series[c].y[i])) pts += fmt::format("{:.1f},{:.1f} ", X(series[c].x[i]), Y(series[c].y[i]));
    const char* col = colours[c % 6];
    if (series[c].markers) {
      for (std::size_t i = 0; i < series[c].x.size(); ++i)
        if (std::isfinite(series[c].y[i]))
          s += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="2.5" fill="{}" fill-opacity="0.5"/>)", X(series[c].x[i]), Y(series[c].y[i]), col);
    } else {
      s += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="1.8" points="{}"/>)", col, pts);
    }
    s += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"/><text x="{}" y="{}">{}</text>)", W - R + 10,
                     T + 16 * c + 10, W - R + 30, T + 16 * c + 10, col, W - R + 35, T + 16 * c + 14, series[c].name);
  }
  return s + "</svg>\n";
}

}  // namespace nas::study
