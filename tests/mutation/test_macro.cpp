// NAS-Bench-Macro: strings, enumeration, the identity decision (checked against the table's own
// duplicate rows), mutation, sampling, graph view.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <unordered_set>

#include "../test_data.hpp"
#include "nas/core/errors.hpp"
#include "nas/mutation/macro.hpp"
#include "sample_csv.hpp"

using namespace nas;
using macro::Arch;

namespace {
std::string macro_csv() { return test::data_dir() + "/nas_bench_macro/nas_bench_macro_cifar10.csv"; }
}  // namespace

TEST_CASE("macro: every row of the table parses, round-trips and the table is the whole space", "[macro][integration]") {
  const auto rows = test::read_columns(macro_csv(), {"arch"});
  REQUIRE(rows.size() == 6561);
  macro::Space space;
  std::unordered_set<int> codes;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const Genome g = space.parse(rows[r][0]);
    REQUIRE(space.format(g) == rows[r][0]);
    REQUIRE(space.valid(g));
    codes.insert(Arch::parse(rows[r][0]).code());
    CHECK(space.at(r) == g);  // the table is in code order
  }
  CHECK(codes.size() == 6561);
}

TEST_CASE("macro: canonical identity is exactly 'same result row' in the table", "[macro][integration]") {
  // Two architectures are the same iff the benchmark reports identical seeds, params and FLOPs.
  const auto rows = test::read_columns(macro_csv(), {"arch", "test_acc_seed0", "test_acc_seed1", "test_acc_seed2", "params", "flops"});
  macro::Space space;
  std::map<ArchitectureHash, std::set<std::vector<std::string>>> results_of_class;
  std::map<std::vector<std::string>, std::set<ArchitectureHash>> classes_of_result;
  for (const auto& r : rows) {
    const std::vector<std::string> result(r.begin() + 1, r.end());
    const auto h = space.canonical_hash(space.parse(r[0]));
    results_of_class[h].insert(result);
    classes_of_result[result].insert(h);
  }
  CHECK(results_of_class.size() == macro::kNumClasses);  // 3,969
  CHECK(classes_of_result.size() == macro::kNumClasses);
  for (const auto& [h, results] : results_of_class) CHECK(results.size() == 1);
  for (const auto& [res, classes] : classes_of_result) CHECK(classes.size() == 1);
}

TEST_CASE("macro: identities do not collapse globally (params differ)", "[macro][integration]") {
  const auto rows = test::read_columns(macro_csv(), {"arch", "params"});
  std::map<std::string, std::string> params;
  for (const auto& r : rows) params[r[0]] = r[1];
  // Same non-identity sequence "12", different positions: different networks.
  CHECK(params.at("00000012") != params.at("00012000"));
  CHECK(params.at("00000102") == params.at("00000120"));  // swap inside the pair (6, 7)
  macro::Space space;
  CHECK(space.canonical_hash(space.parse("00000012")) != space.canonical_hash(space.parse("00012000")));
  CHECK(space.canonical_hash(space.parse("00000102")) == space.canonical_hash(space.parse("00000120")));
  CHECK(space.canonical_hash(space.parse("00001000")) == space.canonical_hash(space.parse("00010000")));
  CHECK(space.canonical_hash(space.parse("10000000")) != space.canonical_hash(space.parse("01000000")));
}

TEST_CASE("macro: parse errors name the column", "[macro]") {
  macro::Space space;
  CHECK_THROWS_WITH(space.parse("01230000"), Catch::Contains("column 4") && Catch::Contains("'3'"));
  CHECK_THROWS_WITH(space.parse("0120"), Catch::Contains("expected 8 digits"));
  CHECK_THROWS_WITH(space.parse("012000001"), Catch::Contains("expected 8 digits"));
  CHECK_THROWS_AS(space.parse(""), ParseError);
}

TEST_CASE("macro: mutation changes exactly one layer and always the class", "[macro]") {
  macro::Space space;
  Rng rng(11);
  for (int i = 0; i < 5000; ++i) {
    const Genome p = space.sample(rng);
    const Genome c = space.mutate(p, rng);
    REQUIRE(space.valid(c));
    int diff = 0;
    for (std::size_t k = 0; k < p.size(); ++k) diff += p[k] != c[k];
    REQUIRE(diff == 1);
    REQUIRE(space.canonical_hash(p) != space.canonical_hash(c));
  }
}

TEST_CASE("macro: sampling covers the space uniformly (chi-square on layer choices)", "[macro]") {
  macro::Space space;
  Rng rng(3);
  constexpr int n = 30000;
  std::array<std::array<int, 3>, 8> counts{};
  for (int i = 0; i < n; ++i) {
    const Genome g = space.sample(rng);
    for (std::size_t k = 0; k < 8; ++k) ++counts[k][g[k]];
  }
  for (const auto& layer : counts) {
    double chi2 = 0;
    for (int c : layer) chi2 += (c - n / 3.0) * (c - n / 3.0) / (n / 3.0);
    CHECK(chi2 < 13.8);  // 2 dof, p = 0.001
  }
}

TEST_CASE("macro: graph view is a 10-node chain of the canonical form", "[macro]") {
  macro::Space space;
  const auto v = space.graph_view(space.parse("01200102"));
  REQUIRE(v.num_nodes == 10);
  CHECK(v.num_edges() == 9);
  for (int i = 0; i + 1 < 10; ++i) CHECK(v.edge(i, i + 1));
  // canonical form of 01200102 is 01200120: in the pair (6, 7) the identity moves to layer 7
  const std::vector<int> ops{0, 2, 3, 4, 2, 2, 3, 4, 2, 1};
  CHECK(v.ops == ops);
  CHECK(space.graph_view(space.parse("00000102")).ops == space.graph_view(space.parse("00000120")).ops);
  CHECK(space.flat_encoding(space.parse("00000102")) == space.flat_encoding(space.parse("00000120")));
  CHECK(space.graph_op_names()[static_cast<std::size_t>(v.ops[2])] == "mb_e3k3");
}
