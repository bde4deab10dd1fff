// NAS-Bench-Macro, NAS-Bench-Graph and TransNAS-Bench-101 micro tables: complete-table counts,
// multi-column architectures, two-column row filters, negated (loss) columns, the noisy
// per-seed evaluator.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "../test_data.hpp"
#include "nas/datasets/benchmark.hpp"
#include "nas/datasets/columns.hpp"
#include "nas/datasets/csv.hpp"
#include "nas/datasets/network_cost.hpp"
#include "nas/datasets/noisy.hpp"
#include "nas/datasets/tables.hpp"
#include "nas/core/errors.hpp"
#include "nas/mutation/accel.hpp"
#include "nas/mutation/macro.hpp"
#include "nas/mutation/nb201.hpp"
#include "nas/mutation/nbgraph.hpp"
#include "nas/mutation/transnas.hpp"

using namespace nas;
namespace ds = nas::datasets;

namespace {
std::string write_tmp(const std::string& name, const std::string& text) { return test::write_tmp("nas_test_more_tables", name, text); }
}  // namespace

TEST_CASE("macro table: complete, 6,561 rows, mean = average of the seeds", "[datasets][macro][integration]") {
  macro::Space space;
  const auto t = ds::macro::load(space, ds::macro::default_path(test::data_dir()));
  REQUIRE(t->rows() == 6561);
  CHECK(t->complete());
  const auto mean = t->column("test_acc_mean");
  const auto s0 = t->column("test_acc_seed0"), s1 = t->column("test_acc_seed1"), s2 = t->column("test_acc_seed2");
  for (std::size_t r = 0; r < t->rows(); ++r)
    REQUIRE(t->value(r, mean) == Approx((t->value(r, s0) + t->value(r, s1) + t->value(r, s2)) / 3).margin(1e-3));
  CHECK(t->optimum(mean, Direction::maximise) == Approx(93.13).margin(0.01));
  for (std::uint64_t i = 0; i < *space.size(); ++i) REQUIRE(t->find(space.at(i)));
}

TEST_CASE("graph tables: complete per dataset (26,206, proteins 2,021), arch from link + ops", "[datasets][nbgraph][integration]") {
  const nbgraph::Space full, proteins(nbgraph::OpSet::proteins);
  const std::string path = ds::nbgraph::default_path(test::data_dir());
  for (const auto& d : ds::nbgraph::dataset_names()) {
    INFO(d);
    const auto& space = d == "proteins" ? proteins : full;
    const auto t = ds::nbgraph::load(space, path, d);
    CHECK(t->rows() == (d == "proteins" ? 2021u : 26206u));
    CHECK(t->complete());
    // The index is the benchmark's hash, which our space computes from the architecture.
    for (std::size_t r = 0; r < t->rows(); ++r) REQUIRE(t->index(r) == nbgraph::Space::to_arch(t->genome(r)).benchmark_hash());
    const auto v = t->column("valid_perf"), te = t->column("test_perf");
    CHECK(t->optimum(v, Direction::maximise) <= 1.0);
    CHECK(t->optimum(te, Direction::maximise) > 0.0);
  }
  // Proteins with the 9-op space: the completeness check catches it.
  CHECK_THROWS_WITH(ds::nbgraph::load(full, path, "proteins"), Catch::Contains("2021 data rows") && Catch::Contains("26206"));
  CHECK_THROWS_AS(ds::nbgraph::load(full, path, "karate"), OptionError);
}

TEST_CASE("transnas micro tables: two-column filter, 711 rows per task, room_layout as a loss", "[datasets][transnas][integration]") {
  transnas::MicroSpace space;
  const std::string path = ds::transnas::default_path(test::data_dir());
  const auto raw = ds::CsvFile::read(path);
  for (const auto& task : ds::transnas::task_names()) {
    INFO(task);
    const auto t = ds::transnas::load_micro(space, path, task);
    CHECK(t->rows() == 711);
    CHECK_FALSE(t->complete());
    const auto c = t->column(ds::transnas::metric_column(task));
    if (task == "room_layout") {
      CHECK(ds::transnas::direction(task) == Direction::minimise);
      // the file stores -loss (all negative); the loaded column is the loss (all positive)
      for (double x : t->values(c)) REQUIRE(x > 0);
      // line of row 0 in the file holds minus the loaded value
      const auto row_in_file = t->line(0) - 2;
      CHECK(raw.number(row_in_file, raw.column("val_metric")) == -t->value(0, c));
    } else {
      CHECK(ds::transnas::direction(task) == Direction::maximise);
    }
  }
  CHECK_THROWS_AS(ds::transnas::direction("depth"), OptionError);
}

TEST_CASE("column helpers: joined arch columns, AND filters, negated columns, precise errors", "[datasets]") {
  const std::string p = write_tmp("multi.csv",
                                  "space,task,link,ops,metric\n"
                                  "sa,tx,0-1-2-3,gcn-gcn-gcn-gcn,1.5\n"
                                  "sb,tx,0-1-2-3,gcn-gcn-gcn-gat,2.5\n"
                                  "sa,ty,0-1-2-3,gcn-gcn-gcn-gat,-3\n"
                                  "sa,tx,0-1-2-3,gcn-gcn-gat-gat,4\n");
  nbgraph::Space space;
  ds::TableSpec spec;
  spec.arch_columns = {"link", "ops"};
  spec.value_columns = {"metric", "-metric"};
  spec.filter_column = "task";
  spec.filter_value = "tx";
  spec.filters = {{"space", "sa"}};
  const auto t = ds::TabularBenchmark::load(space, p, spec);
  REQUIRE(t->rows() == 2);
  const auto r = t->find(space.parse("0-1-2-3|gcn-gcn-gat-gat"));
  REQUIRE(r);
  CHECK(t->value(*r, t->column("metric")) == 4);
  CHECK(t->value(*r, t->column("-metric")) == -4);
  CHECK(t->line(*r) == 5);
  CHECK_FALSE(t->find(space.parse("0-1-2-3|gcn-gcn-gcn-gat")));  // excluded by space = sb / task = ty

  spec.filters = {{"space", "sc"}};
  CHECK_THROWS_WITH(ds::TabularBenchmark::load(space, p, spec), Catch::Contains("no row has task = tx and space = sc"));
  spec.filters = {{"colour", "sa"}};
  CHECK_THROWS_WITH(ds::TabularBenchmark::load(space, p, spec), Catch::Contains("colour"));
  spec.filters = {};
  spec.value_columns = {"-nothing"};
  CHECK_THROWS_WITH(ds::TabularBenchmark::load(space, p, spec), Catch::Contains("nothing"));
  // A joined arch that is not canonical: error names file, line and the first arch column.
  const std::string q = write_tmp("noncanon.csv", "link,ops,metric\n0-0-0-0,gcn-gat-gat-gat,1\n");
  spec.value_columns = {"metric"};
  spec.filter_column.clear();
  CHECK_THROWS_WITH(ds::TabularBenchmark::load(space, q, spec),
                    Catch::Contains("noncanon.csv:2") && Catch::Contains("link") && Catch::Contains("0-0-0-0|gat-gat-gat-gcn"));
}

TEST_CASE("noisy evaluator: one seed per query, deterministic in (run seed, query), mean reported", "[datasets][macro][integration]") {
  macro::Space space;
  const auto t = ds::macro::load(space, ds::macro::default_path(test::data_dir()));
  std::vector<std::size_t> seeds;
  for (const auto& c : ds::macro::seed_columns()) seeds.push_back(t->column(c));
  const auto mean = t->column("test_acc_mean");
  ds::NoisyTableEvaluator a(t, space, seeds, mean, 42), b(t, space, seeds, mean, 42), c(t, space, seeds, mean, 43);
  std::array<int, 3> counts{};
  int differs = 0;
  for (std::uint64_t q = 0; q < 3000; ++q) {
    const Genome g = space.at(q * 2 % 6561);
    const auto ea = a.evaluate(g), eb = b.evaluate(g), ec = c.evaluate(g);
    const std::size_t row = *t->find(g);
    REQUIRE(ea.signal == eb.signal);
    REQUIRE(ea.signal == t->value(row, seeds[a.draw(q)]));
    REQUIRE(ea.reported == t->value(row, mean));
    ++counts[a.draw(q)];
    differs += a.draw(q) != c.draw(q);
    (void)ec;
  }
  CHECK(a.queries() == 3000);
  for (int n : counts) CHECK(std::abs(n - 1000) < 120);  // ~3.7 sd
  CHECK(differs > 1500);  // another run seed draws differently (expected 2000)
  CHECK_THROWS_AS(ds::NoisyTableEvaluator(t, space, {}, mean, 1), std::invalid_argument);
}

TEST_CASE("accel table: the 5,125-network sample, repeated rows averaged, rows without the device's values left out", "[datasets][accel][integration]") {
  accel::Space space;
  const auto path = ds::accel::default_path(test::data_dir());
  const auto t = ds::accel::load(space, path, "zcu102");
  CHECK(t->rows() == 5125 - 2);  // two networks lack the zcu102 measurements (lines 11 and 69)
  CHECK(t->dropped_lines() == std::vector<std::size_t>{11, 69});
  CHECK(t->averaged_rows() == 13);
  // Line 2 and its repeat: val_top1 59.368 and 59.248, latency 5.02342 and 5.02239.
  const auto row = t->find(space.parse("e6k3l1se0|e4k5l2se0|e6k3l3se0|e6k5l3se0|e6k5l2se0|e1k3l2se0|e1k3l2se0"));
  REQUIRE(row);
  CHECK(t->value(*row, t->column("val_top1")) == Approx((59.368 + 59.248) / 2));
  CHECK(t->value(*row, t->column("latency_zcu102_mean")) == Approx((5.02342 + 5.02239) / 2));
  // A throughput-only device keeps the rows that have its throughput.
  const auto a100 = ds::accel::load(space, path, "a100");
  CHECK(a100->rows() == 5125);
  CHECK_THROWS_AS(a100->column("latency_a100_mean"), OptionError);
  CHECK_THROWS_WITH(ds::accel::load(space, path, "tpu9"), Catch::Contains("zcu102, vck190"));
}

TEST_CASE("a table refuses a duplicate and an empty value unless its spec averages or drops them", "[datasets]") {
  accel::Space space;
  const std::string arch = "e6k3l1se0|e4k5l2se0|e6k3l3se0|e6k5l3se0|e6k5l2se0|e1k3l2se0|e1k3l2se0";
  const auto p = write_tmp("dups.csv", "arch,v,w\n" + arch + ",1,5\n" + arch + ",3,\n" + arch + ",5,7\n");
  ds::TableSpec spec;
  spec.value_columns = {"v", "w"};
  CHECK_THROWS_WITH(ds::TabularBenchmark::load(space, p, spec), Catch::Contains("duplicate") && Catch::Contains("first seen on line 2"));
  spec.average_duplicates = true;
  CHECK_THROWS_WITH(ds::TabularBenchmark::load(space, p, spec), Catch::Contains(":3") && Catch::Contains("'w'"));  // the empty value
  spec.average_duplicates = false;
  spec.drop_incomplete_rows = true;
  CHECK_THROWS_WITH(ds::TabularBenchmark::load(space, p, spec), Catch::Contains("duplicate"));
  spec.average_duplicates = true;
  const auto t = ds::TabularBenchmark::load(space, p, spec);
  CHECK(t->rows() == 1);
  CHECK(t->value(0, 0) == Approx(3.0));
  CHECK(t->value(0, 1) == Approx(6.0));
  CHECK(t->dropped_lines() == std::vector<std::size_t>{3});
}

TEST_CASE("nb201 network cost without torch: the benchmark's parameter counts (NASLib's zc_params) on every row of its subset", "[datasets][nb201][integration]") {
  nb201::Space space;
  CHECK(ds::nb201::network_cost(space.parse("|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_1x1~0|nor_conv_1x1~1|none~2|"), "cifar10")
            .parameters == 615386);
  const auto csv = ds::CsvFile::read(test::data_dir() + "/nasbench201/naslib_zc_nb201_subset.csv");
  const auto c_ds = csv.column("dataset"), c_arch = csv.column("arch_str"), c_params = csv.column("zc_params"), c_flops = csv.column("zc_flops");
  std::size_t mismatches = 0;
  double max_flops_gap = 0;
  for (std::size_t r = 0; r < csv.rows(); ++r) {
    const std::string d(csv.field(r, c_ds));
    const auto cost = ds::nb201::network_cost(space.parse(csv.field(r, c_arch)), d == "ImageNet16-120" ? "imagenet16" : d);
    mismatches += cost.parameters != std::llround(csv.number(r, c_params) * 1e6);
    max_flops_gap = std::max(max_flops_gap, std::abs(cost.flops / 1e6 - csv.number(r, c_flops)));
  }
  CHECK(mismatches == 0);
  CHECK(max_flops_gap < 0.002);  // MFLOPs; NASLib's values are rounded
  CHECK_THROWS_AS(ds::nb201::network_cost(space.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"), "mnist"), OptionError);
}
