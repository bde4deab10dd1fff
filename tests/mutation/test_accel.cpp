// Accel-NASBench's space: strings, mutation, encodings.
#include <catch2/catch.hpp>

#include <numeric>

#include "nas/core/errors.hpp"
#include "nas/mutation/accel.hpp"
#include "nas/mutation/spaces.hpp"

using namespace nas;

TEST_CASE("accel space: strings round-trip, a bad block is refused by position and field", "[mutation][accel]") {
  accel::Space space;
  const std::string s = "e6k3l1se0|e4k5l2se0|e6k3l3se0|e6k5l3se0|e6k5l2se0|e1k3l2se0|e1k3l2se1";
  CHECK(space.format(space.parse(s)) == s);
  CHECK(make_space("accel")->name() == "accel");
  CHECK_THROWS_WITH(space.parse("e6k3l1se0|e4k5l2se0"), Catch::Contains("2 blocks"));
  CHECK_THROWS_WITH(space.parse("e5k3l1se0|e4k5l2se0|e6k3l3se0|e6k5l3se0|e6k5l2se0|e1k3l2se0|e1k3l2se1"), Catch::Contains("block 0") && Catch::Contains("e = 5"));
  CHECK_THROWS_AS(space.parse("e6k3l1se0|e4k5l2se0|e6k3l3se0|e6k5l3se0|e6k5l2se0|e1k3l2se0|e1k3l2se1|e1k3l2se1"), ParseError);
  CHECK_THROWS_AS(space.parse("e6k3l1s0|e4k5l2se0|e6k3l3se0|e6k5l3se0|e6k5l2se0|e1k3l2se0|e1k3l2se1"), ParseError);
  CHECK_THROWS_AS(space.parse("e6k3l1se0x|e4k5l2se0|e6k3l3se0|e6k5l3se0|e6k5l2se0|e1k3l2se0|e1k3l2se1"), ParseError);
}

TEST_CASE("accel space: a mutation changes one field to another valid value, encodings", "[mutation][accel]") {
  accel::Space space;
  Rng rng(3);
  for (int i = 0; i < 500; ++i) {
    const Genome p = space.sample(rng);
    REQUIRE(space.valid(p));
    const Genome c = space.mutate(p, rng);
    REQUIRE(space.valid(c));
    int changed = 0;
    for (std::size_t k = 0; k < p.size(); ++k) changed += p[k] != c[k];
    REQUIRE(changed == 1);
    CHECK(space.parse(space.format(c)) == c);
    const auto f = space.flat_encoding(c);
    CHECK(std::accumulate(f.begin(), f.end(), 0.0f) == 28.0f);
    const auto v = space.graph_view(c);
    CHECK(v.num_nodes == 9);
    CHECK(v.num_edges() == 8);
    for (int op : v.ops) CHECK(op < static_cast<int>(space.graph_op_names().size()));
  }
  CHECK(space.graph_op_names().size() == 2 + 48);
  CHECK(space.format(space.parse("e6k3l1se0|e4k5l2se0|e6k3l3se0|e6k5l3se0|e6k5l2se0|e1k3l4se0|e1k3l2se1")).find("l4") != std::string::npos);
  CHECK_THROWS_AS(space.parse("e6k3l4se0|e4k5l2se0|e6k3l3se0|e6k5l3se0|e6k5l2se0|e1k3l2se0|e1k3l2se1"), ParseError);  // l = 4 only in block 5
  CHECK_FALSE(space.size().has_value());
}
