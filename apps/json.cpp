#include "json.hpp"

#include <cassert>
#include <cmath>

#include <fmt/format.h>

namespace nas::json {

std::string escape(std::string_view s) {
  std::string o = "\"";
  for (char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) o += fmt::format("\\u{:04x}", static_cast<int>(c));
        else o += c;
    }
  }
  return o + "\"";
}

void Writer::newline() {
  out_ += '\n';
  out_.append(first_.size() * 2, ' ');
}

void Writer::separator() {
  if (after_key_) { after_key_ = false; return; }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
    newline();
  }
}

Writer& Writer::begin_object() { separator(); out_ += '{'; first_.push_back(true); return *this; }
Writer& Writer::begin_array() { separator(); out_ += '['; first_.push_back(true); return *this; }
Writer& Writer::end_object() {
  assert(!first_.empty());
  const bool empty = first_.back();
  first_.pop_back();
  if (!empty) newline();
  out_ += '}';
  return *this;
}
Writer& Writer::end_array() {
  assert(!first_.empty());
  const bool empty = first_.back();
  first_.pop_back();
  if (!empty) newline();
  out_ += ']';
  return *this;
}
Writer& Writer::key(std::string_view k) {
  separator();
  out_ += escape(k);
  out_ += ": ";
  after_key_ = true;
  return *this;
}
Writer& Writer::value(std::string_view s) { separator(); out_ += escape(s); return *this; }
Writer& Writer::value(double x) {
  separator();
  out_ += std::isfinite(x) ? fmt::format("{}", x) : "null";
  return *this;
}
Writer& Writer::value(long long x) { separator(); out_ += fmt::format("{}", x); return *this; }
Writer& Writer::raw(const std::string& json) {
  separator();
  // Re-indent nested lines to the current depth.
  for (char c : json) {
    out_ += c;
    if (c == '\n') out_.append(first_.size() * 2, ' ');
  }
  return *this;
}
Writer& Writer::value(bool b) { separator(); out_ += b ? "true" : "false"; return *this; }

}  // namespace nas::json
