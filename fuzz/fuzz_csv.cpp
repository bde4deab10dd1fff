// The strict CSV reader: any input either throws DataError or gives a table with increasing line
// numbers that, written back with RFC 4180 quoting, parses to the same header and fields.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "nas/core/errors.hpp"
#include "nas/datasets/csv.hpp"

namespace {
std::string quote(const std::string& f) {
  if (f.find_first_of(",\"\n\r") == std::string::npos && !f.empty()) return f;
  std::string q = "\"";
  for (char c : f) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}
std::vector<std::string> fields(const nas::datasets::CsvFile& f, std::size_t r) {
  std::vector<std::string> v;
  for (std::size_t c = 0; c < f.header().size(); ++c) v.emplace_back(f.field(r, c));
  return v;
}
std::string write(const nas::datasets::CsvFile& f) {
  std::string out;
  auto row = [&](const std::vector<std::string>& r) {
    for (std::size_t i = 0; i < r.size(); ++i) out += (i ? "," : "") + quote(r[i]);
    out += "\n";
  };
  row(f.header());
  for (std::size_t r = 0; r < f.rows(); ++r) row(fields(f, r));
  return out;
}
[[noreturn]] void fail(const char* what, const std::string& in, const std::string& out) {
  std::fprintf(stderr, "property violated: %s\n--- input (%zu bytes)\n%s\n--- written back\n%s\n", what, in.size(), in.c_str(), out.c_str());
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  nas::datasets::CsvFile f;
  try {
    f = nas::datasets::CsvFile::parse(text, "fuzz.csv");
  } catch (const nas::DataError&) {
    return 0;
  }
  for (std::size_t r = 1; r < f.rows(); ++r)
    if (f.line(r) <= f.line(r - 1)) fail("line numbers do not increase", text, "");
  nas::datasets::CsvFile again;
  try {
    again = nas::datasets::CsvFile::parse(write(f), "fuzz-rewritten.csv");
  } catch (const nas::DataError& e) {
    std::fprintf(stderr, "a table written back does not parse: %s\n", e.what());
    std::abort();
  }
  if (again.header() != f.header()) fail("the header changed when written back", text, write(f));
  if (again.rows() != f.rows()) fail("the row count changed when written back", text, write(f));
  for (std::size_t r = 0; r < f.rows(); ++r)
    if (fields(again, r) != fields(f, r)) fail("a row changed when written back", text, write(f));
  return 0;
}
