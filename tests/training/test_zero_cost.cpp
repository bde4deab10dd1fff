// Zero-cost proxies: names and refusals, params/FLOPs and synflow against NASLib's stored values,
// determinism (repeat, thread count), missing scores for a cell whose scores are not finite.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "nas/core/errors.hpp"
#include "nas/core/rng.hpp"
#include "nas/datasets/csv.hpp"
#include "nas/mutation/darts.hpp"
#include "nas/mutation/nb201.hpp"
#include "nas/training/zero_cost.hpp"

using namespace nas;
using namespace nas::training;

namespace {
const std::string kData = NAS_TEST_DATA_DIR;

std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<std::size_t> o(v.size());
  std::iota(o.begin(), o.end(), 0);
  std::sort(o.begin(), o.end(), [&](auto a, auto b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (std::size_t i = 0; i < o.size();) {
    std::size_t j = i;
    while (j + 1 < o.size() && v[o[j + 1]] == v[o[i]]) ++j;
    for (std::size_t k = i; k <= j; ++k) r[o[k]] = (static_cast<double>(i) + static_cast<double>(j)) / 2;
    i = j + 1;
  }
  return r;
}
double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  const auto ra = ranks(a), rb = ranks(b);
  const double n = static_cast<double>(a.size()), mean = (n - 1) / 2;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (ra[i] - mean) * (rb[i] - mean);
    saa += (ra[i] - mean) * (ra[i] - mean);
    sbb += (rb[i] - mean) * (rb[i] - mean);
  }
  return sab / std::sqrt(saa * sbb);
}
ZcOptions small(std::vector<std::string> proxies) {
  ZcOptions o;
  o.proxies = std::move(proxies);
  o.network.channels = 4;
  o.network.cells = 1;
  o.seed = 3;
  return o;
}
const char* kArchs[] = {"|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",
                        "|skip_connect~0|+|nor_conv_1x1~0|none~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|",
                        "|nor_conv_1x1~0|+|none~0|nor_conv_3x3~1|+|nor_conv_3x3~0|skip_connect~1|none~2|"};
}  // namespace

TEST_CASE("zero-cost: proxy lists, shapes and refusals", "[training][zc]") {
  CHECK(parse_proxies("all").size() == 13);
  CHECK(parse_proxies("data-free") == std::vector<std::string>{"flops", "params", "synflow", "l2_norm", "zen"});
  CHECK(parse_proxies("synflow,nwot") == std::vector<std::string>{"synflow", "nwot"});
  CHECK_THROWS_WITH(parse_proxies("synflow,bogus"), Catch::Contains("unknown proxy 'bogus'") && Catch::Contains("jacov"));
  CHECK_THROWS_WITH(parse_proxies("snip,snip"), Catch::Contains("snip given twice"));
  CHECK_THROWS_AS(parse_proxies(""), OptionError);
  CHECK_THROWS_AS(parse_proxies("synflow,"), OptionError);
  const auto in16 = zc_shape("ImageNet16-120");
  CHECK((in16.channels == 3 && in16.height == 16 && in16.width == 16 && in16.classes == 120));
  CHECK(zc_shape("fashion-mnist").channels == 1);
  CHECK_THROWS_AS(zc_shape("mnist"), OptionError);
  // A data proxy without data: refused by name before any network is built.
  const auto none = no_zc_batch(zc_shape("cifar10"), 8);
  CHECK_THROWS_WITH(small({"synflow", "nwot"}).check(none), Catch::Contains("proxy nwot needs images"));
  CHECK_NOTHROW(small({"synflow", "zen", "l2_norm"}).check(none));
  // Real images of another shape than the dataset's.
  ImageData fake;
  fake.name = "fashion-mnist";
  fake.classes = 10;
  fake.train.channels = 1, fake.train.height = fake.train.width = 28;
  fake.train.pixels.assign(28 * 28 * 4, 0);
  fake.train.labels.assign(4, 0);
  fake.mean = {0.5f}, fake.std = {0.5f};
  CHECK_THROWS_WITH(real_zc_batch(zc_shape("cifar10"), fake, 2, 0), Catch::Contains("expects 3x32x32"));
  CHECK(real_zc_batch(zc_shape("fashion-mnist"), fake, 2, 0).size() == 2);
  CHECK_THROWS_AS(real_zc_batch(zc_shape("fashion-mnist"), fake, 5, 0), OptionError);
}

TEST_CASE("zero-cost: params and FLOPs equal NASLib's, synflow ranks as NASLib's stored values (NB201 subset)", "[training][zc][golden]") {
  nb201::Space space;
  const auto csv = datasets::CsvFile::read(kData + "/nasbench201/naslib_zc_nb201_subset.csv");
  const auto c_ds = csv.column("dataset"), c_arch = csv.column("arch_str"), c_p = csv.column("zc_params"), c_f = csv.column("zc_flops"),
             c_s = csv.column("zc_synflow");
  for (const std::string ds : {"cifar10", "ImageNet16-120"}) {
    ZcOptions o;  // the benchmark's network: C 16, N 5
    o.proxies = {"params", "flops", "synflow"};
    const auto batch = no_zc_batch(zc_shape(ds), 1);
    std::vector<double> ours, stored;
    for (std::size_t r = 0; r < csv.rows() && ours.size() < 40; ++r) {
      if (csv.field(r, c_ds) != ds || csv.field(r, c_s).empty()) continue;
      const auto s = zero_cost_scores(space, space.parse(csv.field(r, c_arch)), batch, o);
      REQUIRE(s.size() == 3);
      CHECK(std::llround(s[0].value * 1e6) == std::llround(csv.number(r, c_p) * 1e6));
      CHECK(std::abs(s[1].value - csv.number(r, c_f)) < 0.0012);
      REQUIRE(std::isfinite(s[2].value));
      ours.push_back(s[2].value);
      stored.push_back(csv.number(r, c_s));
    }
    REQUIRE(ours.size() == 40);
    const double rho = spearman(ours, stored);
    INFO(ds << ": Spearman of synflow with NASLib's zc_synflow over 40 rows: " << rho);
    CHECK(rho > 0.99);
  }
}

TEST_CASE("zero-cost: every proxy is deterministic for a seed, whatever the thread count, non-finite scores are missing",
          "[training][zc]") {
  nb201::Space space;
  const auto batch = random_zc_batch(zc_shape("cifar10"), 8, 11);
  CHECK(batch.size() == 8);
  const auto o = small(parse_proxies("all"));
  std::vector<Genome> cells;
  for (const char* a : kArchs) cells.push_back(space.parse(a));
  cells.push_back(space.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"));
  std::map<std::size_t, std::vector<ZcScore>> one, two;
  score_cells(space, cells, batch, o, 1, [&](std::size_t i, const std::vector<ZcScore>& s) { one[i] = s; });
  score_cells(space, cells, batch, o, 2, [&](std::size_t i, const std::vector<ZcScore>& s) { two[i] = s; });
  REQUIRE(one.size() == cells.size());
  REQUIRE(two.size() == cells.size());
  for (std::size_t i = 0; i < cells.size(); ++i)
    for (std::size_t p = 0; p < o.proxies.size(); ++p) {
      INFO("cell " << i << " proxy " << o.proxies[p]);
      const double a = one[i][p].value, b = two[i][p].value;
      CHECK(((std::isnan(a) && std::isnan(b)) || a == b));
      CHECK(one[i][p].seconds >= 0);
    }
  // A real cell has every score; the sign-free ones are positive.
  auto at = [&](std::size_t cell, std::string_view p) {
    return one[cell][static_cast<std::size_t>(std::find(o.proxies.begin(), o.proxies.end(), p) - o.proxies.begin())].value;
  };
  for (std::size_t p = 0; p < o.proxies.size(); ++p) CHECK(std::isfinite(one[0][p].value));
  for (const char* p : {"params", "flops", "fisher", "grad_norm", "l2_norm", "snip", "nwot"}) CHECK(at(0, p) > 0);
  // More convolutions, more parameters and a larger l2 norm.
  CHECK(at(0, "params") > at(1, "params"));
  CHECK(at(0, "l2_norm") > at(1, "l2_norm"));
  // The all-none cell: its input Jacobian is zero, so its correlation-based scores are missing (NaN),
  // never a number that could rank first.
  CHECK(std::isnan(at(3, "jacov")));
  CHECK(std::isnan(at(3, "epe_nas")));
  // Other seeds give other initial weights.
  auto o2 = o;
  o2.seed = 4;
  CHECK(zero_cost_scores(space, cells[0], batch, o2)[2].value != one[0][2].value);
}

TEST_CASE("zero-cost: DARTS cells score on every proxy, Fashion-MNIST shape", "[training][zc]") {
  darts::Space space;
  Rng rng(5);
  const Genome g = space.sample(rng);
  ZcOptions o;
  o.proxies = parse_proxies("all");
  o.network.channels = 4;
  o.network.layers = 3;
  const auto batch = random_zc_batch(zc_shape("fashion-mnist"), 4, 1);
  const auto s = zero_cost_scores(space, g, batch, o);
  REQUIRE(s.size() == 13);
  for (std::size_t p = 0; p < s.size(); ++p) {
    INFO(o.proxies[p]);
    CHECK(std::isfinite(s[p].value));
  }
}
