// The toy space and objective: a SearchSpace like the benchmarks' (sample, mutate, neighbours,
// parse/format, enumeration, graph view) with no data behind it.
#include <catch2/catch.hpp>

#include <set>

#include "nas/core/errors.hpp"
#include "nas/core/toy_space.hpp"

using namespace nas;

TEST_CASE("toy space: samples are valid, mutation changes one position, neighbours are every one-op change", "[core][toy]") {
  const ToySpace space(6, 3);
  Rng rng(1);
  for (int i = 0; i < 200; ++i) {
    const Genome g = space.sample(rng);
    REQUIRE(space.valid(g));
    const Genome m = space.mutate(g, rng);
    REQUIRE(space.valid(m));
    int differ = 0;
    for (std::size_t k = 0; k < g.size(); ++k) differ += g[k] != m[k];
    CHECK(differ == 1);
    const auto nb = space.neighbours(g);
    CHECK(nb.size() == 6 * 2);
    CHECK(std::find(nb.begin(), nb.end(), m) != nb.end());
    CHECK(space.parse(space.format(g)) == g);
  }
  // The default (byte-level) neighbourhood of the interface agrees with the toy space's own.
  const Genome g = space.at(100);
  const auto own = space.neighbours(g);
  const auto generic = space.SearchSpace::neighbours(g);
  REQUIRE(own.size() == generic.size());
  for (const auto& n : generic) CHECK(std::find(own.begin(), own.end(), n) != own.end());
}

TEST_CASE("toy space: enumeration, identity, graph view, refusals", "[core][toy]") {
  const ToySpace space(4, 3);
  REQUIRE(space.size() == 81);
  std::set<std::string> all;
  for (std::uint64_t i = 0; i < 81; ++i) all.insert(space.format(space.at(i)));
  CHECK(all.size() == 81);
  CHECK(space.format(space.at(5)) == "0-0-1-2");
  CHECK(space.canonical_hash(space.at(5)) != space.canonical_hash(space.at(6)));
  const GraphView v = space.graph_view(space.at(5));
  CHECK(v.num_nodes == 6);
  CHECK(v.num_edges() == 5);
  CHECK(space.graph_op_names()[static_cast<std::size_t>(v.ops[0])] == "input");
  CHECK(space.flat_encoding(space.at(5)).size() == 12);
  CHECK_THROWS_AS(space.parse("0-0-1"), ParseError);
  CHECK_THROWS_WITH(space.parse("0-0-1-7"), Catch::Contains("position 3"));
  CHECK_THROWS_AS(ToySpace(0, 3), OptionError);
}

TEST_CASE("toy objective: deterministic for a seed, in [0, 100], counts queries, refuses foreign genomes", "[core][toy]") {
  const ToySpace space(8, 4);
  ToyEvaluator a(space, 3), b(space, 3), c(space, 4);
  Rng rng(9);
  bool some_differ = false;
  double best = 0;
  for (std::uint64_t i = 0; i < *space.size(); i += 97) {
    const Genome g = space.at(i);
    const double v = a.evaluate(g).signal;
    CHECK(v == b.evaluate(g).signal);
    some_differ = some_differ || v != c.evaluate(g).signal;
    CHECK(v >= 0);
    CHECK(v <= 100);
    best = std::max(best, v);
  }
  CHECK(some_differ);
  CHECK(best > 30);
  CHECK(a.queries() == b.queries());
  Genome wrong;
  wrong.resize(3);
  CHECK_THROWS_AS(a.evaluate(wrong), UnknownArchitecture);
}
