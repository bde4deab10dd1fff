// NAS-Bench-101 and DARTS sample tables: the real files load; bad files get precise errors; an
// architecture the sample lacks is refused, never given a default.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "../test_data.hpp"
#include "nas/datasets/benchmark.hpp"
#include "nas/datasets/sample_space.hpp"
#include "nas/datasets/samples.hpp"
#include "nas/mutation/darts.hpp"
#include "nas/core/errors.hpp"
#include "nas/mutation/nb101.hpp"
#include "nas/mutation/accel.hpp"
#include "nas/datasets/tables.hpp"

#include <cmath>

using namespace nas;
using nas::datasets::TableEvaluator;

namespace {

std::string write_tmp(const std::string& name, const std::string& text) { return test::write_tmp("nas_test_samples", name, text); }

template <class Load>
std::string load_error(const SearchSpace& space, Load load, const std::string& name, const std::string& text) {
  const auto path = write_tmp(name, text);
  try {
    (void)load(space, path);
  } catch (const DataError& e) {
    return e.what();
  }
  FAIL("bad table accepted: " << name);
  return {};
}

const std::string kNb101Header = "adj_upper_tri,adj_full,ops,val_accuracy\n";
const std::string kOps = "\"input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,output\"";
const std::string kDartsHeader = "genotype,val_accuracy\n";
const std::string kGenotype =
    "\"Genotype(normal=[('max_pool_3x3', 0), ('dil_conv_3x3', 1), ('avg_pool_3x3', 1), ('avg_pool_3x3', 0), ('sep_conv_3x3', 1), "
    "('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('skip_connect', 3)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 1), "
    "('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('max_pool_3x3', 3), ('avg_pool_3x3', 0), ('max_pool_3x3', 2), "
    "('dil_conv_5x5', 3)], reduce_concat=[2, 3, 4, 5])\"";

}  // namespace

TEST_CASE("the real NB101 and NB301 samples load and answer by architecture", "[datasets][integration]") {
  nb101::Space s101;
  const auto t101 = datasets::nb101::load(s101, datasets::nb101::default_path(test::data_dir()));
  REQUIRE(t101->rows() == 500);
  CHECK_FALSE(t101->complete());
  const auto row0 = t101->find(s101.parse(
      "111101000110001110110|input,maxpool3x3,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,output"));
  REQUIRE(row0);
  CHECK(t101->line(*row0) == 2);
  CHECK(t101->value(*row0, t101->column("val_accuracy")) == Approx(92.578125));

  darts::Space s301;
  const auto t301 = datasets::darts::load(s301, datasets::darts::default_path(test::data_dir()));
  REQUIRE(t301->rows() == 725);
  const std::string first = kGenotype.substr(1, kGenotype.size() - 2);
  const auto r = t301->find(s301.parse(first));
  REQUIRE(r);
  CHECK(t301->value(*r, 0) == Approx(93.321191));

  // A sample cannot evaluate what it lacks: UnknownArchitecture that says so, for both spaces.
  Rng rng(1);
  for (const SearchSpace* sp : {static_cast<const SearchSpace*>(&s101), static_cast<const SearchSpace*>(&s301)}) {
    const auto& t = sp == &s101 ? t101 : t301;
    TableEvaluator ev(t, *sp, 0, 0);
    Genome g = sp->sample(rng);
    while (t->find(g)) g = sp->sample(rng);
    try {
      (void)ev.evaluate(g);
      FAIL("a sample table evaluated an architecture it lacks");
    } catch (const UnknownArchitecture& e) {
      CHECK_THAT(std::string(e.what()), Catch::Contains("sample") && Catch::Contains(sp->format(g)));
    }
    CHECK(ev.queries() == 0);
  }
}

TEST_CASE("bad NB101 sample tables name file, line, column and value", "[datasets]") {
  nb101::Space space;
  const auto load = [](const SearchSpace& s, const std::string& p) { return datasets::nb101::load(s, p); };
  const std::string good = "000001000000000000000,x," + kOps + ",90.5\n";
  CHECK(load(space, write_tmp("nb101_ok.csv", kNb101Header + good))->rows() == 1);
  CHECK_THAT(load_error(space, load, "nb101_noops.csv", "adj_upper_tri,val_accuracy\n000001000000000000000,90\n"),
             Catch::Contains("nb101_noops.csv:1") && Catch::Contains("missing column 'ops'"));
  CHECK_THAT(load_error(space, load, "nb101_bits.csv", kNb101Header + good + "00000100000000000002,x," + kOps + ",90\n"),
             Catch::Contains("nb101_bits.csv:3") && Catch::Contains("adj_upper_tri") && Catch::Contains("expected 21 bits"));
  CHECK_THAT(load_error(space, load, "nb101_op.csv", kNb101Header + "000001000000000000000,x,\"input,conv,conv,conv,conv,conv,output\",90\n"),
             Catch::Contains("nb101_op.csv:2") && Catch::Contains("unknown op 'conv' on node 1"));
  CHECK_THAT(load_error(space, load, "nb101_acc.csv", kNb101Header + "000001000000000000000,x," + kOps + ",n/a\n"),
             Catch::Contains("nb101_acc.csv:2") && Catch::Contains("val_accuracy") && Catch::Contains("'n/a'"));
  CHECK_THAT(load_error(space, load, "nb101_dup.csv", kNb101Header + good + good),
             Catch::Contains("nb101_dup.csv:3") && Catch::Contains("duplicate architecture") && Catch::Contains("line 2"));
}

TEST_CASE("bad DARTS sample tables name file, line, column and value", "[datasets]") {
  darts::Space space;
  const auto load = [](const SearchSpace& s, const std::string& p) { return datasets::darts::load(s, p); };
  CHECK(load(space, write_tmp("darts_ok.csv", kDartsHeader + kGenotype + ",93.3\n"))->rows() == 1);
  CHECK_THAT(load_error(space, load, "darts_nocol.csv", "arch,val_accuracy\n" + kGenotype + ",93\n"),
             Catch::Contains("darts_nocol.csv:1") && Catch::Contains("missing column 'genotype'"));
  std::string bad = kGenotype;
  bad.replace(bad.find("'dil_conv_3x3'"), 14, "'none'");
  CHECK_THAT(load_error(space, load, "darts_none.csv", kDartsHeader + kGenotype + ",93\n" + bad + ",92\n"),
             Catch::Contains("darts_none.csv:3") && Catch::Contains("column 'genotype'") && Catch::Contains("the op 'none'"));
  CHECK_THAT(load_error(space, load, "darts_acc.csv", kDartsHeader + kGenotype + ",\n"),
             Catch::Contains("darts_acc.csv:2") && Catch::Contains("val_accuracy"));
  CHECK_THAT(load_error(space, load, "darts_dup.csv", kDartsHeader + kGenotype + ",93\n" + kGenotype + ",94\n"),
             Catch::Contains("darts_dup.csv:3") && Catch::Contains("duplicate architecture"));
}

TEST_CASE("a space restricted to a sampled table proposes only the table's cells", "[datasets][integration]") {
  auto inner = std::make_unique<nb101::Space>();
  const SearchSpace& raw = *inner;
  const auto table = datasets::nb101::load(raw, datasets::nb101::default_path(test::data_dir()));
  REQUIRE(!table->complete());
  const auto space = datasets::restrict_to_table(std::move(inner), table);
  CHECK(space->name() == "nb101");
  REQUIRE(space->size() == table->rows());
  Rng rng(3);
  for (int i = 0; i < 300; ++i) {
    const Genome parent = space->sample(rng);
    REQUIRE(table->find(parent));
    const Genome child = space->mutate(parent, rng);
    CHECK(table->find(child));
    CHECK(!(child == parent));
    CHECK(space->valid(child));
  }
  CHECK(space->at(7) == table->genome(7));
  CHECK(space->format(table->genome(0)) == raw.format(table->genome(0)));
  Rng other(4);
  for (int i = 0; i < 50; ++i) {
    const Genome g = raw.sample(other);
    CHECK(space->valid(g) == table->find(g).has_value());
  }
}

TEST_CASE("on a sample too sparse for mutations to land in, a mutation moves to a nearby row, not a random one",
          "[datasets][integration]") {
  // Accel-NASBench: 5,123 rows of a space of about 1e11 cells; a one-field mutation is almost
  // never a row, so the child is the row nearest to a mutated child.
  auto inner = std::make_unique<accel::Space>();
  const SearchSpace& raw = *inner;
  const auto table = datasets::accel::load(raw, datasets::accel::default_path(test::data_dir()), "zcu102");
  const auto space = datasets::restrict_to_table(std::move(inner), table);
  const auto distance = [&](const Genome& a, const Genome& b) {
    const auto x = raw.flat_encoding(a), y = raw.flat_encoding(b);
    double d = 0;
    for (std::size_t k = 0; k < x.size(); ++k) d += std::abs(x[k] - y[k]);
    return d / 2;  // differing fields
  };
  Rng rng(5);
  double to_child = 0, to_random = 0;
  constexpr int kDraws = 200;
  for (int i = 0; i < kDraws; ++i) {
    const Genome parent = space->sample(rng);
    const Genome child = space->mutate(parent, rng);
    REQUIRE(table->find(child));
    REQUIRE(!(child == parent));
    to_child += distance(parent, child);
    to_random += distance(parent, space->sample(rng));
  }
  INFO("mean differing fields: parent to child " << to_child / kDraws << ", parent to a random row " << to_random / kDraws);
  CHECK(to_child < 0.7 * to_random);
  // Reproducible for a seed.
  Rng a(9), b(9);
  const Genome p = table->genome(11);
  for (int i = 0; i < 20; ++i) CHECK(space->mutate(p, a) == space->mutate(p, b));
}
