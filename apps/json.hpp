#pragma once
// A small JSON writer (objects, arrays, strings, numbers) for summary.json and run configs.
#include <string>
#include <string_view>
#include <vector>

namespace nas::json {

/// Builds JSON text in order; the caller nests begin/end correctly (asserted).
class Writer {
 public:
  Writer& begin_object();
  Writer& end_object();
  Writer& begin_array();
  Writer& end_array();
  Writer& key(std::string_view k);
  Writer& value(std::string_view s);
  Writer& value(const char* s) { return value(std::string_view(s)); }
  Writer& value(double x);
  Writer& value(long long x);
  Writer& value(std::size_t x) { return value(static_cast<long long>(x)); }
  Writer& value(int x) { return value(static_cast<long long>(x)); }
  Writer& value(bool b);
  template <class T>
  Writer& field(std::string_view k, const T& v) { key(k); return value(v); }
  /// Inserts already-formatted JSON (e.g. another Writer's str()) as the next value.
  Writer& raw(const std::string& json);
  const std::string& str() const { return out_; }

 private:
  void separator();
  void newline();
  std::string out_;
  std::vector<bool> first_;   // per open container: no element written yet
  bool after_key_ = false;
};

std::string escape(std::string_view s);

}  // namespace nas::json
