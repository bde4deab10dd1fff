// Image data readers on small files in the real formats (idx, gzipped idx, CIFAR-10 binary),
// including truncated and corrupt ones; the split; the real Fashion-MNIST package.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <zlib.h>

#include "nas/core/errors.hpp"
#include "nas/training/data.hpp"
#include "../test_data.hpp"

using namespace nas;
using namespace nas::training;
namespace fs = std::filesystem;

namespace {

ImageSet make_set(std::size_t n, int c, int h, int w, std::uint8_t salt) {
  ImageSet s;
  s.channels = c, s.height = h, s.width = w;
  for (std::size_t i = 0; i < n; ++i) {
    s.labels.push_back(static_cast<std::uint8_t>((i * 7 + salt) % 10));
    for (std::size_t k = 0; k < s.image_bytes(); ++k) s.pixels.push_back(static_cast<std::uint8_t>(i * 31 + k * 3 + salt));
  }
  return s;
}

std::string dir_for(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / "nas_test_training_data" / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void spit(const std::string& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

void gzip(const std::string& from, const std::string& to) {
  const std::string raw = slurp(from);
  gzFile f = gzopen(to.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, raw.data(), static_cast<unsigned>(raw.size())) == static_cast<int>(raw.size()));
  gzclose(f);
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no DataError)";
}

}  // namespace

TEST_CASE("idx: a written pair reads back, plain and gzipped, Fashion-MNIST folder layout", "[training][data]") {
  const auto d = dir_for("idx_roundtrip");
  const ImageSet train = make_set(12, 1, 5, 4, 1), test = make_set(5, 1, 5, 4, 2);
  write_idx(d + "/train-images-idx3-ubyte", d + "/train-labels-idx1-ubyte", train);
  write_idx(d + "/t10k-images-idx3-ubyte", d + "/t10k-labels-idx1-ubyte", test);
  // The training pair gzipped only (as Debian ships it), the test pair plain.
  for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"}) {
    gzip(d + "/" + f, d + "/" + f + ".gz");
    fs::remove(d + "/" + f);
  }
  const ImageData data = load_fashion_mnist(d);
  CHECK(data.train.count() == 12);
  CHECK(data.test.count() == 5);
  CHECK(data.train.height == 5);
  CHECK(data.train.width == 4);
  CHECK(data.train.pixels == train.pixels);
  CHECK(data.train.labels == train.labels);
  CHECK(data.test.pixels == test.pixels);
  CHECK(data.classes == 10);
}

TEST_CASE("idx: truncated, corrupt and inconsistent files are refused with the file and the reason", "[training][data]") {
  const auto d = dir_for("idx_bad");
  const ImageSet s = make_set(6, 1, 3, 3, 0);
  const std::string img = d + "/img", lab = d + "/lab";
  write_idx(img, lab, s);
  const std::string good_img = slurp(img), good_lab = slurp(lab);

  spit(img, good_img.substr(0, good_img.size() - 5));
  auto e = error_of([&] { read_idx(img, lab); });
  CHECK_THAT(e, Catch::Contains(img) && Catch::Contains("truncated") && Catch::Contains("image 5 is incomplete"));

  spit(img, good_img + "xx");
  CHECK_THAT(error_of([&] { read_idx(img, lab); }), Catch::Contains("2 trailing bytes"));

  std::string bad = good_img;
  bad[3] = 0x01;
  spit(img, bad);
  CHECK_THAT(error_of([&] { read_idx(img, lab); }), Catch::Contains("magic number 0x00000801") && Catch::Contains("expected 0x00000803"));

  spit(img, good_img);
  std::string lab9 = good_lab;
  lab9[8 + 4] = 42;
  spit(lab, lab9);
  CHECK_THAT(error_of([&] { read_idx(img, lab); }), Catch::Contains("label 42 of item 4") && Catch::Contains(lab));

  spit(lab, good_lab.substr(0, good_lab.size() - 1));
  CHECK_THAT(error_of([&] { read_idx(img, lab); }), Catch::Contains("truncated"));

  spit(lab, "");
  CHECK_THAT(error_of([&] { read_idx(img, lab); }), Catch::Contains("0 bytes"));

  CHECK_THAT(error_of([&] { read_idx(d + "/missing", lab); }), Catch::Contains("no such file"));
  CHECK_THAT(error_of([&] { load_fashion_mnist(d); }), Catch::Contains("train-images-idx3-ubyte") && Catch::Contains("no such file"));
}

TEST_CASE("idx: a truncated or corrupt gzip file is refused", "[training][data]") {
  const auto d = dir_for("idx_gz_bad");
  const ImageSet s = make_set(50, 1, 8, 8, 3);
  write_idx(d + "/img", d + "/lab", s);
  gzip(d + "/img", d + "/img.gz");
  const std::string gz = slurp(d + "/img.gz");
  spit(d + "/cut.gz", gz.substr(0, gz.size() / 2));
  CHECK_THAT(error_of([&] { read_idx(d + "/cut.gz", d + "/lab"); }), Catch::Contains("cut.gz") && Catch::Contains("gzip"));
  std::string flipped = gz;
  for (std::size_t i = 20; i < 60 && i < flipped.size(); ++i) flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
  spit(d + "/flip.gz", flipped);
  CHECK_THAT(error_of([&] { read_idx(d + "/flip.gz", d + "/lab"); }), Catch::Contains("flip.gz"));
}

TEST_CASE("CIFAR-10 binary: batches load in order, cut records, bad labels and gaps are refused", "[training][data]") {
  const auto d = dir_for("cifar");
  const ImageSet b1 = make_set(7, 3, 32, 32, 1), b2 = make_set(4, 3, 32, 32, 2), t = make_set(3, 3, 32, 32, 3);
  write_cifar10_batch(d + "/data_batch_1.bin", b1);
  write_cifar10_batch(d + "/data_batch_2.bin", b2);
  write_cifar10_batch(d + "/test_batch.bin", t);
  const ImageData data = load_cifar10(d);
  CHECK(data.train.count() == 11);
  CHECK(data.test.count() == 3);
  CHECK(data.train.channels == 3);
  CHECK(std::equal(b2.pixels.begin(), b2.pixels.end(), data.train.pixels.begin() + static_cast<std::ptrdiff_t>(b1.pixels.size())));
  CHECK(data.test.labels == t.labels);
  CHECK(load_image_data("cifar10", d).train.count() == 11);

  const std::string good = slurp(d + "/data_batch_2.bin");
  spit(d + "/data_batch_2.bin", good.substr(0, 2 * 3073 + 100));
  CHECK_THAT(error_of([&] { load_cifar10(d); }), Catch::Contains("data_batch_2.bin") && Catch::Contains("record 2 is cut after 100 bytes"));
  std::string badlab = good;
  badlab[3073] = 10;
  spit(d + "/data_batch_2.bin", badlab);
  CHECK_THAT(error_of([&] { load_cifar10(d); }), Catch::Contains("record 1") && Catch::Contains("label 10"));
  spit(d + "/data_batch_2.bin", "");
  CHECK_THAT(error_of([&] { load_cifar10(d); }), Catch::Contains("empty file"));
  fs::remove(d + "/data_batch_2.bin");
  write_cifar10_batch(d + "/data_batch_3.bin", b2);
  CHECK_THAT(error_of([&] { load_cifar10(d); }), Catch::Contains("data_batch_2.bin is missing"));
  CHECK_THROWS_AS(load_image_data("cifar10", ""), OptionError);
  CHECK_THROWS_AS(load_image_data("mnist", ""), OptionError);
  CHECK_THAT(error_of([&] { load_cifar10(d + "/nope"); }), Catch::Contains("no such directory"));
}

TEST_CASE("split: validation held out of the training data, disjoint, fixed by the seed", "[training][data]") {
  ImageData data;
  data.name = "synthetic";
  data.train = make_set(100, 1, 2, 2, 0);
  data.test = make_set(40, 1, 2, 2, 1);
  const Split a = make_split(data, 50, 20, 10, 5), b = make_split(data, 50, 20, 10, 5), c = make_split(data, 50, 20, 10, 6);
  CHECK(a.train.size() == 50);
  CHECK(a.valid.size() == 20);
  CHECK(a.test.size() == 10);
  CHECK(a.train == b.train);
  CHECK(a.valid == b.valid);
  CHECK(a.test == b.test);
  CHECK(a.valid != c.valid);
  for (auto v : a.valid) CHECK(std::find(a.train.begin(), a.train.end(), v) == a.train.end());
  CHECK(make_split(data, 0, 20, 0, 5).train.size() == 80);
  CHECK(make_split(data, 0, 20, 0, 5).test.size() == 40);
  CHECK_THROWS_AS(make_split(data, 81, 20, 0, 5), OptionError);
  CHECK_THROWS_AS(make_split(data, 0, 100, 0, 5), OptionError);
  CHECK_THROWS_AS(make_split(data, 0, 20, 41, 5), OptionError);
}

TEST_CASE("Fashion-MNIST from the Debian package: 60,000 + 10,000 images of 1 x 28 x 28", "[training][data][integration]") {
  INFO("needs Debian's dataset-fashion-mnist (scripts/setup.sh installs it) in " << kFashionMnistDefaultDir);
  const ImageData d = load_fashion_mnist();
  CHECK(d.train.count() == 60000);
  CHECK(d.test.count() == 10000);
  CHECK(d.train.height == 28);
  CHECK(d.train.width == 28);
  std::array<int, 10> per_class{};
  for (auto l : d.test.labels) ++per_class[l];
  for (int n : per_class) CHECK(n == 1000);
}
