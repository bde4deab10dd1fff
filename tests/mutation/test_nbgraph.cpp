// NAS-Bench-Graph: the space is exactly the benchmark's architecture set, per dataset; strings,
// the benchmark hash, canonicalisation, mutation, sampling, graph view.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <unordered_set>

#include "../test_data.hpp"
#include "nas/core/errors.hpp"
#include "nas/mutation/nbgraph.hpp"
#include "sample_csv.hpp"

using namespace nas;
using nbgraph::Arch;
using nbgraph::Op;

namespace {
const std::vector<std::vector<std::string>>& graph_rows() {
  static const auto rows =
      test::read_columns(test::data_dir() + "/nas_bench_graph/nas_bench_graph_light.csv", {"dataset", "hash", "link", "ops"});
  return rows;
}
}  // namespace

TEST_CASE("graph: every row of every dataset parses, round-trips and matches the benchmark hash", "[nbgraph][integration]") {
  const nbgraph::Space full, proteins(nbgraph::OpSet::proteins);
  std::map<std::string, std::unordered_set<Genome, GenomeHasher>> per_dataset;
  REQUIRE(graph_rows().size() == 211669);
  for (const auto& r : graph_rows()) {
    const std::string text = r[2] + "|" + r[3];
    const auto& space = r[0] == "proteins" ? proteins : full;
    const Genome g = space.parse(text);
    REQUIRE(space.format(g) == text);
    REQUIRE(space.valid(g));
    REQUIRE(nbgraph::Space::to_arch(g).benchmark_hash() == std::stoll(r[1]));
    REQUIRE(per_dataset[r[0]].insert(g).second);  // no duplicates within a dataset
  }
  REQUIRE(per_dataset.size() == 9);
  for (const auto& [ds, set] : per_dataset) {
    INFO(ds);
    const auto& space = ds == "proteins" ? proteins : full;
    CHECK(set.size() == (ds == "proteins" ? 2021u : 26206u));
    CHECK(set.size() == *space.size());  // complete: every architecture of the space is a row
    for (std::uint64_t i = 0; i < *space.size(); ++i) REQUIRE(set.count(space.at(i)) == 1);
  }
}

TEST_CASE("graph: the space is the benchmark's canonical set (9 x 9^4 pairs -> 26,206)", "[nbgraph]") {
  const nbgraph::Space full, proteins(nbgraph::OpSet::proteins);
  CHECK(*full.size() == 26206);
  CHECK(*proteins.size() == 2021);
  // Enumeration is in increasing benchmark hash order.
  long long prev = -1;
  for (std::uint64_t i = 0; i < *full.size(); ++i) {
    const long long h = nbgraph::Space::to_arch(full.at(i)).benchmark_hash();
    REQUIRE(h > prev);
    prev = h;
  }
  // Any raw (link, ops) pair, with any link, canonicalises into the set, idempotently.
  std::size_t raw = 0;
  for (int l1 = 0; l1 <= 1; ++l1)
    for (int l2 = 0; l2 <= 2; ++l2)
      for (int l3 = 0; l3 <= 3; ++l3)
        for (int c = 0; c < 6561; ++c) {
          Arch a;
          a.link = {0, static_cast<std::uint8_t>(l1), static_cast<std::uint8_t>(l2), static_cast<std::uint8_t>(l3)};
          int code = c;
          for (int i = 3; i >= 0; --i, code /= 9) a.ops[static_cast<std::size_t>(i)] = static_cast<Op>(code % 9);
          if (a.all_skip()) continue;
          ++raw;
          const Arch k = a.canonical();
          REQUIRE(full.valid(nbgraph::Space::to_genome(k)));
          REQUIRE(k.canonical() == k);
        }
  CHECK(raw == 24 * 6561 - 24);
}

TEST_CASE("graph: parse rejects non-canonical strings naming the canonical form", "[nbgraph]") {
  nbgraph::Space space;
  // 0-0-0-0 is four parallel nodes: the benchmark keeps their ops sorted (gat < gcn).
  CHECK_NOTHROW(space.parse("0-0-0-0|gat-gat-gat-gcn"));
  CHECK_THROWS_WITH(space.parse("0-0-0-0|gcn-gat-gat-gat"), Catch::Contains("canonical") && Catch::Contains("0-0-0-0|gat-gat-gat-gcn"));
  CHECK_THROWS_WITH(space.parse("0-1-0-0|gcn-gcn-gcn-gcn"), Catch::Contains("canonical"));  // not one of the 9 link patterns
  CHECK_THROWS_WITH(space.parse("0-2-0-0|gcn-gcn-gcn-gcn"), Catch::Contains("column 3") && Catch::Contains("earlier node"));
  CHECK_THROWS_WITH(space.parse("0-1-2-3|gcn-gat-sage-gnn"), Catch::Contains("unknown op 'gnn'"));
  CHECK_THROWS_WITH(space.parse("0-1-2-3|skip-skip-skip-skip"), Catch::Contains("all-skip"));
  CHECK_THROWS_WITH(space.parse("0-1-2-3 gcn-gat-sage-gin"), Catch::Contains("'|'"));
  CHECK_THROWS_WITH(nbgraph::Space(nbgraph::OpSet::proteins).parse("0-1-2-3|gat-gcn-gcn-gcn"), Catch::Contains("op set"));
}

TEST_CASE("graph: mutation stays in the space and always changes the architecture", "[nbgraph]") {
  for (auto set : {nbgraph::OpSet::all, nbgraph::OpSet::proteins}) {
    nbgraph::Space space(set);
    Rng rng(7);
    std::set<std::uint64_t> seen;
    for (int i = 0; i < 20000; ++i) {
      const Genome p = space.sample(rng);
      const Genome c = space.mutate(p, rng);
      REQUIRE(space.valid(c));
      REQUIRE(!(c == p));
      seen.insert(c.exact_hash());
    }
    CHECK(seen.size() > (set == nbgraph::OpSet::all ? 10000u : 1900u));
  }
}

TEST_CASE("graph: sampling is uniform over the 26,206 architectures (chi-square on link patterns)", "[nbgraph]") {
  nbgraph::Space space;
  std::array<double, 9> expected{};
  for (std::uint64_t i = 0; i < *space.size(); ++i) ++expected[static_cast<std::size_t>(nbgraph::Space::to_arch(space.at(i)).link_pattern())];
  Rng rng(1);
  constexpr int n = 50000;
  std::array<int, 9> counts{};
  for (int i = 0; i < n; ++i) ++counts[static_cast<std::size_t>(nbgraph::Space::to_arch(space.sample(rng)).link_pattern())];
  double chi2 = 0;
  for (std::size_t p = 0; p < 9; ++p) {
    const double e = expected[p] / 26206.0 * n;
    chi2 += (counts[p] - e) * (counts[p] - e) / e;
  }
  CHECK(chi2 < 26.1);  // 8 dof, p = 0.001
}

TEST_CASE("graph: graph view wires the link and sends leaves to the output", "[nbgraph]") {
  nbgraph::Space space;
  const auto v = space.graph_view(space.parse("0-0-1-3|gcn-gat-sage-gin"));
  REQUIRE(v.num_nodes == 6);
  // node1<-input, node2<-input, node3<-node1, node4<-node3; leaves: node2, node4
  CHECK(v.edge(0, 1));
  CHECK(v.edge(0, 2));
  CHECK(v.edge(1, 3));
  CHECK(v.edge(3, 4));
  CHECK(v.edge(2, 5));
  CHECK(v.edge(4, 5));
  CHECK(v.num_edges() == 6);
  CHECK(space.graph_op_names()[static_cast<std::size_t>(v.ops[1])] == "gcn");
  CHECK(space.graph_op_names()[static_cast<std::size_t>(v.ops[4])] == "gin");
  CHECK(v.ops[0] == 0);
  CHECK(v.ops[5] == 1);
  const auto chain = space.graph_view(space.parse("0-1-2-3|gcn-gcn-gcn-gcn"));
  CHECK(chain.num_edges() == 5);
  CHECK(space.flat_encoding(space.parse("0-1-2-3|gcn-gcn-gcn-gcn")).size() == space.flat_encoding_size());
}
