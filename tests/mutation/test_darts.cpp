// DARTS genotype: byte-exact strings of the NB301 sample, canonical identity, mutation, graph view.
#include <catch2/catch.hpp>

#include <unordered_set>

#include "../test_data.hpp"
#include "nas/mutation/darts.hpp"
#include "nas/core/errors.hpp"
#include "sample_csv.hpp"

using namespace nas;
using darts::Genotype;

namespace {
const char* kFirst =
    "Genotype(normal=[('max_pool_3x3', 0), ('dil_conv_3x3', 1), ('avg_pool_3x3', 1), ('avg_pool_3x3', 0), ('sep_conv_3x3', 1), "
    "('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('skip_connect', 3)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 1), "
    "('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('max_pool_3x3', 3), ('avg_pool_3x3', 0), ('max_pool_3x3', 2), "
    "('dil_conv_5x5', 3)], reduce_concat=[2, 3, 4, 5])";

std::string parse_error(const std::string& s) {
  try {
    (void)Genotype::parse(s);
  } catch (const ParseError& e) {
    return e.what();
  }
  FAIL("accepted: " << s);
  return {};
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto p = s.find(from);
  REQUIRE(p != std::string::npos);
  return s.replace(p, from.size(), to);
}
}  // namespace

TEST_CASE("every row of the NB301 sample round-trips byte for byte", "[darts][integration]") {
  const auto rows = test::read_columns(test::data_dir() + "/darts/naslib_zc_nb301_subset.csv", {"genotype"});
  REQUIRE(rows.size() == 725);
  darts::Space space;
  std::unordered_set<std::string> classes;
  for (const auto& r : rows) {
    const Genome g = space.parse(r[0]);
    REQUIRE(space.format(g) == r[0]);
    REQUIRE(space.valid(g));
    classes.insert(space.canonical_hash(g).hex());
  }
  WARN("NB301 sample: " << rows.size() << " rows, " << classes.size() << " canonical classes");
  CHECK(classes.size() == rows.size());
}

TEST_CASE("DARTS canonical identity: input order within a node is irrelevant, ops are not", "[darts]") {
  darts::Space space;
  const Genome g = space.parse(kFirst);
  const auto h = space.canonical_hash(g);
  Genotype t = Genotype::parse(kFirst);
  for (int cell = 0; cell < 2; ++cell)
    for (std::size_t node = 0; node < darts::kNumNodes; ++node) {
      Genotype s = t;
      auto& edges = cell ? s.reduce : s.normal;
      std::swap(edges[2 * node], edges[2 * node + 1]);
      const Genome sg = darts::Space::to_genome(s);
      REQUIRE_FALSE(sg == g);
      CHECK(space.canonical_hash(sg) == h);
      Genotype o = t;
      auto& oe = cell ? o.reduce : o.normal;
      oe[2 * node].op = oe[2 * node].op == darts::Op::skip_connect ? darts::Op::sep_conv_5x5 : darts::Op::skip_connect;
      CHECK(space.canonical_hash(darts::Space::to_genome(o)) != h);
    }
  // Swapping normal and reduce cells changes the architecture.
  Genotype sw = t;
  std::swap(sw.normal, sw.reduce);
  CHECK(space.canonical_hash(darts::Space::to_genome(sw)) != h);
  // The graph view and flat encoding see the same thing for the swapped forms.
  Genotype s = t;
  std::swap(s.normal[6], s.normal[7]);
  const Genome sg = darts::Space::to_genome(s);
  CHECK(space.flat_encoding(sg) == space.flat_encoding(g));
  CHECK(space.graph_view(sg).adj == space.graph_view(g).adj);
  CHECK(space.graph_view(sg).ops == space.graph_view(g).ops);
}

TEST_CASE("bad DARTS strings are rejected with where and why", "[darts]") {
  CHECK_THAT(parse_error(replace(kFirst, "'dil_conv_3x3', 1", "'none', 1")), Catch::Contains("normal edge 1: the op 'none'") && Catch::Contains("column 41"));
  CHECK_THAT(parse_error(replace(kFirst, "'dil_conv_3x3'", "'conv_3x3'")), Catch::Contains("unknown op 'conv_3x3'"));
  CHECK_THAT(parse_error(replace(kFirst, "('skip_connect', 3)]", "('skip_connect', 6)]")),
             Catch::Contains("normal edge 7 (node 5): input 6; expected an earlier node, 0..4"));
  CHECK_THAT(parse_error(replace(kFirst, "('avg_pool_3x3', 1), ('avg_pool_3x3', 0)", "('avg_pool_3x3', 1), ('avg_pool_3x3', 3)")),
             Catch::Contains("input 3; expected an earlier node, 0..2"));
  CHECK_THAT(parse_error(replace(kFirst, "('avg_pool_3x3', 1), ('avg_pool_3x3', 0)", "('avg_pool_3x3', 1), ('avg_pool_3x3', 1)")),
             Catch::Contains("normal node 3: both inputs are node 1"));
  CHECK_THAT(parse_error(replace(kFirst, "normal_concat=[2, 3, 4, 5]", "normal_concat=[2, 3, 4]")), Catch::Contains("expected \"], normal_concat=[2, 3, 4, 5], reduce=[\""));
  CHECK_THAT(parse_error(replace(kFirst, "('max_pool_3x3', 0), ", "")), Catch::Contains("expected"));
  CHECK_THAT(parse_error(replace(kFirst, "', 0), ('dil", "',0), ('dil")), Catch::Contains("expected \", \""));
  CHECK_THAT(parse_error(std::string(kFirst) + " "), Catch::Contains("trailing text"));
  CHECK_THAT(parse_error(replace(kFirst, "Genotype(", "genotype(")), Catch::Contains("column 1"));
  CHECK_THAT(parse_error(replace(kFirst, "\'max_pool_3x3\', 0)", "\"max_pool_3x3\", 0)")), Catch::Contains("expected \"'\""));
}

TEST_CASE("10,000 DARTS mutations are valid, one step away, and change the canonical hash", "[darts]") {
  darts::Space space;
  Rng rng(5);
  INFO("seed 5");
  Genome g = space.sample(rng);
  int op_steps = 0, input_steps = 0;
  for (int i = 0; i < 10000; ++i) {
    const Genome child = space.mutate(g, rng);
    REQUIRE(space.valid(child));
    REQUIRE_FALSE(child == g);
    REQUIRE(space.canonical_hash(child) != space.canonical_hash(g));
    int diff_ops = 0, diff_inputs = 0;
    for (std::size_t k = 0; k < g.size(); k += 2) {
      diff_ops += g[k] != child[k];
      diff_inputs += g[k + 1] != child[k + 1];
    }
    REQUIRE(diff_ops + diff_inputs == 1);
    op_steps += diff_ops;
    input_steps += diff_inputs;
    g = child;
  }
  // Op changes are proposed half the time; input changes are impossible on node 0 only.
  CHECK(op_steps > 4500);
  CHECK(input_steps > 3000);
}

TEST_CASE("DARTS sampling, graph view and flat encoding", "[darts]") {
  darts::Space space;
  Rng rng(3);
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    const Genome g = space.sample(rng);
    REQUIRE(space.valid(g));
    REQUIRE(space.parse(space.format(g)) == g);
    seen.insert(space.canonical_hash(g).hex());
    const GraphView v = space.graph_view(g);
    REQUIRE(v.num_nodes == space.max_graph_nodes());
    REQUIRE(v.ops.front() == 0);
    REQUIRE(v.ops.back() == 1);
    for (int a = 0; a < v.num_nodes; ++a) {
      for (int b = 0; b <= a; ++b) REQUIRE_FALSE(v.edge(a, b));  // topological order
      int in = 0, out = 0;
      for (int b = 0; b < v.num_nodes; ++b) { in += v.edge(b, a); out += v.edge(a, b); }
      if (a > 0) REQUIRE(in > 0);                  // every node but the input has an input
      if (a + 1 < v.num_nodes) REQUIRE(out > 0);  // and every node but the output feeds something
      REQUIRE(v.ops[static_cast<std::size_t>(a)] < static_cast<int>(space.graph_op_names().size()));
    }
    const auto f = space.flat_encoding(g);
    REQUIRE(f.size() == space.flat_encoding_size());
    float ones = 0;
    for (float x : f) ones += x;
    REQUIRE(ones == 2.0f * 2 * darts::kNumEdges);
  }
  CHECK(seen.size() == 2000);
  // Node 0 of each cell always reads c_{k-2} and c_{k-1}.
  const auto v = space.graph_view(space.parse(kFirst));
  const auto& names = space.graph_op_names();
  CHECK(names[static_cast<std::size_t>(v.ops[1])] == "c_k-2");
  CHECK(names[static_cast<std::size_t>(v.ops[2])] == "c_k-1");
  CHECK(names[static_cast<std::size_t>(v.ops[11])] == "concat");
  CHECK(v.edge(1, 3));  // canonical order puts ('max_pool_3x3', 0) first
  CHECK(names[static_cast<std::size_t>(v.ops[3])] == "max_pool_3x3");
}
