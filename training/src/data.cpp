#include "nas/training/data.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>

#include <fmt/format.h>
#include <zlib.h>

#include "nas/core/errors.hpp"
#include "nas/core/rng.hpp"

namespace nas::training {
namespace fs = std::filesystem;
namespace {

// Whole file, gunzipped when it starts with the gzip magic (1f 8b). zlib's gzread also reads
// plain files, but an explicit check lets a truncated .gz be reported as such.
std::vector<std::uint8_t> read_file(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw DataError(fmt::format("{}: no such file", path));
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw DataError(fmt::format("{}: cannot read file", path));
  if (raw.size() < 2 || raw[0] != 0x1f || raw[1] != 0x8b) return raw;
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) throw DataError(fmt::format("{}: zlib initialisation failed", path));
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> chunk(1 << 20);
  z.next_in = raw.data();
  z.avail_in = static_cast<uInt>(raw.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = chunk.data();
    z.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      const std::string msg = z.msg ? z.msg : (rc == Z_BUF_ERROR ? "unexpected end of compressed data" : "inflate failed");
      inflateEnd(&z);
      throw DataError(fmt::format("{}: corrupt gzip data after {} uncompressed bytes: {}", path, out.size() + (chunk.size() - z.avail_out), msg));
    }
    out.insert(out.end(), chunk.begin(), chunk.end() - z.avail_out);
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
      inflateEnd(&z);
      throw DataError(fmt::format("{}: truncated gzip file (stream ends after {} uncompressed bytes)", path, out.size()));
    }
  }
  inflateEnd(&z);
  return out;
}

std::uint32_t be32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) | (std::uint32_t{b[at + 2]} << 8) | b[at + 3];
}

std::string existing(const std::string& dir, const std::string& name) {
  const std::string plain = dir + "/" + name;
  if (fs::is_regular_file(plain)) return plain;
  if (fs::is_regular_file(plain + ".gz")) return plain + ".gz";
  throw DataError(fmt::format("{}: no such file (nor {}.gz); expected the Fashion-MNIST idx files in {}", plain, plain, dir));
}

}  // namespace

ImageSet read_idx(const std::string& images_path, const std::string& labels_path, int max_label) {
  const auto img = read_file(images_path);
  const auto lab = read_file(labels_path);
  if (img.size() < 16) throw DataError(fmt::format("{}: {} bytes; an idx image file has a 16-byte header", images_path, img.size()));
  if (be32(img, 0) != 0x00000803)
    throw DataError(fmt::format("{}: magic number 0x{:08x}; expected 0x00000803 (idx3 unsigned-byte images)", images_path, be32(img, 0)));
  if (lab.size() < 8) throw DataError(fmt::format("{}: {} bytes; an idx label file has an 8-byte header", labels_path, lab.size()));
  if (be32(lab, 0) != 0x00000801)
    throw DataError(fmt::format("{}: magic number 0x{:08x}; expected 0x00000801 (idx1 unsigned-byte labels)", labels_path, be32(lab, 0)));
  const std::size_t n = be32(img, 4), h = be32(img, 8), w = be32(img, 12);
  if (h == 0 || w == 0 || h > 4096 || w > 4096) throw DataError(fmt::format("{}: image size {} x {}; expected 1..4096 each", images_path, h, w));
  const std::size_t want = 16 + n * h * w;
  if (img.size() < want)
    throw DataError(fmt::format("{}: truncated: header promises {} images of {} x {} ({} bytes), file has {} bytes (image {} is incomplete)",
                                images_path, n, h, w, want, img.size(), (img.size() - 16) / (h * w)));
  if (img.size() > want) throw DataError(fmt::format("{}: {} trailing bytes after {} images", images_path, img.size() - want, n));
  const std::size_t nl = be32(lab, 4);
  if (nl != n) throw DataError(fmt::format("{}: {} labels, but {} has {} images", labels_path, nl, images_path, n));
  if (lab.size() != 8 + n)
    throw DataError(fmt::format("{}: {} bytes; expected {} (8-byte header + {} labels){}", labels_path, lab.size(), 8 + n, n,
                                lab.size() < 8 + n ? ": truncated" : ""));
  ImageSet s;
  s.channels = 1;
  s.height = static_cast<int>(h);
  s.width = static_cast<int>(w);
  s.pixels.assign(img.begin() + 16, img.end());
  s.labels.assign(lab.begin() + 8, lab.end());
  for (std::size_t i = 0; i < n; ++i)
    if (s.labels[i] >= max_label)
      throw DataError(fmt::format("{}: label {} of item {}; expected 0..{}", labels_path, int{s.labels[i]}, i, max_label - 1));
  return s;
}

ImageData load_fashion_mnist(const std::string& dir) {
  ImageData d;
  d.name = "fashion-mnist";
  d.classes = 10;
  // One file at a time, in a fixed order, so the first missing file is the one reported.
  const std::string train_images = existing(dir, "train-images-idx3-ubyte"), train_labels = existing(dir, "train-labels-idx1-ubyte");
  const std::string test_images = existing(dir, "t10k-images-idx3-ubyte"), test_labels = existing(dir, "t10k-labels-idx1-ubyte");
  d.train = read_idx(train_images, train_labels);
  d.test = read_idx(test_images, test_labels);
  if (d.train.height != d.test.height || d.train.width != d.test.width)
    throw DataError(fmt::format("{}: training images are {} x {} but test images {} x {}", dir, d.train.height, d.train.width,
                                d.test.height, d.test.width));
  d.mean = {0.2860f};
  d.std = {0.3530f};
  return d;
}

ImageSet read_cifar10_batch(const std::string& path) {
  constexpr std::size_t kRecord = 1 + 3 * 32 * 32;
  const auto b = read_file(path);
  if (b.empty()) throw DataError(fmt::format("{}: empty file; expected CIFAR-10 binary records of {} bytes", path, kRecord));
  if (b.size() % kRecord != 0)
    throw DataError(fmt::format("{}: {} bytes is not a whole number of {}-byte CIFAR-10 records (record {} is cut after {} bytes)", path,
                                b.size(), kRecord, b.size() / kRecord, b.size() % kRecord));
  ImageSet s;
  s.channels = 3;
  s.height = s.width = 32;
  const std::size_t n = b.size() / kRecord;
  s.labels.resize(n);
  s.pixels.resize(n * (kRecord - 1));
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* r = b.data() + i * kRecord;
    if (r[0] > 9) throw DataError(fmt::format("{}: record {} (byte {}) has label {}; expected 0..9", path, i, i * kRecord, int{r[0]}));
    s.labels[i] = r[0];
    std::copy(r + 1, r + kRecord, s.pixels.begin() + static_cast<std::ptrdiff_t>(i * (kRecord - 1)));
  }
  return s;
}

ImageData load_cifar10(const std::string& dir) {
  if (!fs::is_directory(dir)) throw DataError(fmt::format("{}: no such directory; expected the CIFAR-10 binary version (data_batch_1.bin ...)", dir));
  ImageData d;
  d.name = "cifar10";
  d.classes = 10;
  d.train.channels = 3;
  d.train.height = d.train.width = 32;
  int last = 0;
  for (int k = 1; k <= 5; ++k) {
    const std::string p = fmt::format("{}/data_batch_{}.bin", dir, k);
    if (!fs::exists(p)) continue;
    if (last != k - 1) throw DataError(fmt::format("{}: present, but data_batch_{}.bin is missing", p, k - 1));
    last = k;
    ImageSet b = read_cifar10_batch(p);
    d.train.pixels.insert(d.train.pixels.end(), b.pixels.begin(), b.pixels.end());
    d.train.labels.insert(d.train.labels.end(), b.labels.begin(), b.labels.end());
  }
  if (last == 0) throw DataError(fmt::format("{}/data_batch_1.bin: no such file; expected the CIFAR-10 binary version", dir));
  d.test = read_cifar10_batch(dir + "/test_batch.bin");
  d.mean = {0.4914f, 0.4822f, 0.4465f};
  d.std = {0.2470f, 0.2435f, 0.2616f};
  return d;
}

std::vector<std::string> image_data_names() { return {"fashion-mnist", "cifar10"}; }

ImageData load_image_data(std::string_view name, const std::string& dir) {
  if (name == "fashion-mnist") return load_fashion_mnist(dir.empty() ? std::string(kFashionMnistDefaultDir) : dir);
  if (name == "cifar10") {
    if (dir.empty()) throw OptionError("--data cifar10 needs --data-path DIR (the CIFAR-10 binary version: data_batch_1..5.bin, test_batch.bin)");
    return load_cifar10(dir);
  }
  throw OptionError(fmt::format("--data {}: unknown image data; expected fashion-mnist or cifar10", name));
}

Split make_split(const ImageData& data, std::size_t train_size, std::size_t valid_size, std::size_t test_size, std::uint64_t seed) {
  const std::size_t n = data.train.count();
  if (valid_size >= n)
    throw OptionError(fmt::format("--valid-size {}: the {} training part has {} images; the validation part must leave some for training",
                                  valid_size, data.name, n));
  if (train_size > n - valid_size)
    throw OptionError(fmt::format("--train-subset {}: only {} of the {} training images remain after the {} validation images", train_size,
                                  n - valid_size, data.name, valid_size));
  if (test_size > data.test.count())
    throw OptionError(fmt::format("--test-subset {}: the {} test part has {} images", test_size, data.name, data.test.count()));
  // Fisher-Yates with the project's RNG (std::shuffle's algorithm is implementation-defined).
  auto perm = [](std::size_t m, Rng& rng) {
    std::vector<std::uint32_t> p(m);
    std::iota(p.begin(), p.end(), 0u);
    for (std::size_t i = m; i > 1; --i) std::swap(p[i - 1], p[rng.below(i)]);
    return p;
  };
  Rng rng(derive_seed(seed, 0x5e11));
  Split s;
  const auto p = perm(n, rng);
  s.valid.assign(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(valid_size));
  const std::size_t t = train_size == 0 ? n - valid_size : train_size;
  s.train.assign(p.begin() + static_cast<std::ptrdiff_t>(valid_size), p.begin() + static_cast<std::ptrdiff_t>(valid_size + t));
  const auto q = perm(data.test.count(), rng);
  s.test.assign(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(test_size == 0 ? q.size() : test_size));
  // Sorted: memory order when gathering; the trainer shuffles per epoch anyway.
  std::sort(s.train.begin(), s.train.end());
  std::sort(s.valid.begin(), s.valid.end());
  std::sort(s.test.begin(), s.test.end());
  return s;
}

void write_cifar10_batch(const std::string& path, const ImageSet& set) {
  std::ofstream out(path, std::ios::binary);
  const std::size_t ib = set.image_bytes();
  for (std::size_t i = 0; i < set.count(); ++i) {
    out.put(static_cast<char>(set.labels[i]));
    out.write(reinterpret_cast<const char*>(set.pixels.data() + i * ib), static_cast<std::streamsize>(ib));
  }
  if (!out) throw DataError(fmt::format("{}: cannot write file", path));
}

void write_idx(const std::string& images_path, const std::string& labels_path, const ImageSet& set) {
  auto put32 = [](std::ofstream& o, std::uint32_t v) {
    const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
    o.write(b, 4);
  };
  std::ofstream img(images_path, std::ios::binary);
  put32(img, 0x803);
  put32(img, static_cast<std::uint32_t>(set.count()));
  put32(img, static_cast<std::uint32_t>(set.height));
  put32(img, static_cast<std::uint32_t>(set.width));
  img.write(reinterpret_cast<const char*>(set.pixels.data()), static_cast<std::streamsize>(set.pixels.size()));
  std::ofstream lab(labels_path, std::ios::binary);
  put32(lab, 0x801);
  put32(lab, static_cast<std::uint32_t>(set.count()));
  lab.write(reinterpret_cast<const char*>(set.labels.data()), static_cast<std::streamsize>(set.labels.size()));
  if (!img || !lab) throw DataError(fmt::format("{} / {}: cannot write file", images_path, labels_path));
}

}  // namespace nas::training
