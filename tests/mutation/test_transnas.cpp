// TransNAS-Bench-101 micro: strings of every micro row, prefix check, identity (NAS-Bench-201's
// rule), mutation, sampling, graph view.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <unordered_set>

#include "../test_data.hpp"
#include "nas/core/errors.hpp"
#include "nas/mutation/nb201.hpp"
#include "nas/mutation/transnas.hpp"
#include "sample_csv.hpp"

using namespace nas;

TEST_CASE("transnas-micro: every micro row of every task parses and round-trips", "[transnas][integration]") {
  const auto rows = test::read_columns(test::data_dir() + "/transnas101/naslib_zc_transnas101_subset.csv", {"space", "task", "arch_str"});
  transnas::MicroSpace space;
  std::map<std::string, std::set<std::string>> per_task;
  std::size_t micro = 0, macro = 0;
  for (const auto& r : rows) {
    if (r[0] != "micro") {
      ++macro;
      CHECK_THROWS_WITH(space.parse(r[2]), Catch::Contains("macro-space string"));
      continue;
    }
    ++micro;
    const Genome g = space.parse(r[2]);
    REQUIRE(space.valid(g));
    REQUIRE(space.format(g) == r[2]);
    REQUIRE(per_task[r[1]].insert(r[2]).second);  // no duplicate string within a task
  }
  CHECK(micro == 7 * 711);
  CHECK(macro == rows.size() - micro);
  CHECK(per_task.size() == 7);
}

TEST_CASE("transnas-micro: enumeration and NAS-Bench-201's identity", "[transnas]") {
  transnas::MicroSpace space;
  nb201::Space nb;
  std::unordered_set<std::string> strings;
  std::set<ArchitectureHash> classes;
  for (std::uint64_t i = 0; i < *space.size(); ++i) {
    const Genome g = space.at(i);
    REQUIRE(space.valid(g));
    REQUIRE(space.parse(space.format(g)) == g);
    strings.insert(space.format(g));
    classes.insert(space.canonical_hash(g));
    REQUIRE(space.canonical_hash(g) == nb.canonical_hash(g));  // same cell, same rule
    REQUIRE(space.graph_view(g).ops == nb.graph_view(g).ops);
  }
  CHECK(strings.size() == 4096);
  CHECK(classes.size() == 1236);
  // A none edge into node 1 cuts off every path through node 1.
  CHECK(space.canonical_hash(space.parse("64-41414-0_03_003")) == space.canonical_hash(space.parse("64-41414-0_02_003")));
  CHECK(space.canonical_hash(space.parse("64-41414-1_00_210")) != space.canonical_hash(space.parse("64-41414-1_00_310")));
}

TEST_CASE("transnas-micro: parse errors name the column and the expectation", "[transnas]") {
  transnas::MicroSpace space;
  CHECK_THROWS_WITH(space.parse("64-1242-basic"), Catch::Contains("micro skeleton") && Catch::Contains("macro-space"));
  CHECK_THROWS_WITH(space.parse("32-41414-1_00_210"), Catch::Contains("micro skeleton '64-41414-'"));
  CHECK_THROWS_WITH(space.parse("64-41414-1_00_214"), Catch::Contains("column 17") && Catch::Contains("'4'"));
  CHECK_THROWS_WITH(space.parse("64-41414-1_00-210"), Catch::Contains("column 14") && Catch::Contains("'_'"));
  CHECK_THROWS_WITH(space.parse("64-41414-1_00_21"), Catch::Contains("unexpected end"));
  CHECK_THROWS_WITH(space.parse("64-41414-1_00_2100"), Catch::Contains("trailing"));
}

TEST_CASE("transnas-micro: mutation changes exactly one edge, sampling is uniform", "[transnas]") {
  transnas::MicroSpace space;
  Rng rng(21);
  std::array<std::array<int, 4>, 6> counts{};
  constexpr int n = 24000;
  for (int i = 0; i < n; ++i) {
    const Genome p = space.sample(rng);
    for (std::size_t e = 0; e < 6; ++e) ++counts[e][p[e]];
    const Genome c = space.mutate(p, rng);
    REQUIRE(space.valid(c));
    int diff = 0;
    for (std::size_t e = 0; e < 6; ++e) diff += p[e] != c[e];
    REQUIRE(diff == 1);
  }
  for (const auto& edge : counts) {
    double chi2 = 0;
    for (int c : edge) chi2 += (c - n / 4.0) * (c - n / 4.0) / (n / 4.0);
    CHECK(chi2 < 16.3);  // 3 dof, p = 0.001
  }
}

TEST_CASE("transnas-micro: graph view labels", "[transnas]") {
  transnas::MicroSpace space;
  const auto v = space.graph_view(space.parse("64-41414-3_00_002"));
  // conv3x3 on 0->1 reaches no output, and node 2 (feeding 2->3) has no live input: both op
  // nodes are pruned, leaving input and output only (as NAS-Bench-201's view does).
  CHECK(v.num_nodes == 2);
  CHECK(v.ops.front() == 0);
  CHECK(v.ops.back() == 1);
  const auto w = space.graph_view(space.parse("64-41414-3_03_003"));
  for (int op : w.ops) CHECK(op < static_cast<int>(space.graph_op_names().size()));
  CHECK(space.graph_op_names()[static_cast<std::size_t>(w.ops[1])] == "nor_conv_3x3");
}
