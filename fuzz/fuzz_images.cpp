// The image readers (Fashion-MNIST idx, gzipped or not; CIFAR-10 binary batches): any file either
// throws a project error or gives a set whose sizes agree and whose labels are in range, and which
// written back reads back identical. Input: first byte picks the reader.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "nas/core/errors.hpp"
#include "nas/training/data.hpp"

namespace {
std::string temp_path(const std::string& tag) { return "/tmp/nas-fuzz-images-" + std::to_string(getpid()) + tag; }
void write(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}
void check(const nas::training::ImageSet& s, int classes) {
  if (s.labels.size() != s.count() || s.pixels.size() != s.count() * s.channels * s.height * s.width) std::abort();
  for (auto l : s.labels)
    if (l >= classes) std::abort();
}
bool same(const nas::training::ImageSet& a, const nas::training::ImageSet& b) {
  return a.pixels == b.pixels && a.labels == b.labels && a.channels == b.channels && a.height == b.height && a.width == b.width;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  using namespace nas::training;
  try {
    if (data[0] % 2 == 0) {
      // idx: the rest is split at the second byte's proportion into an images and a labels file.
      const std::size_t cut = 2 + (size - 2) * data[1] / 256;
      const std::string img = temp_path("-images.idx"), lab = temp_path("-labels.idx");
      write(img, data + 2, cut - 2);
      write(lab, data + cut, size - cut);
      const ImageSet s = read_idx(img, lab);
      check(s, 10);
      write_idx(img, lab, s);
      if (!same(read_idx(img, lab), s)) std::abort();
    } else {
      const std::string p = temp_path("-batch.bin");
      write(p, data + 1, size - 1);
      const ImageSet s = read_cifar10_batch(p);
      check(s, 10);
      write_cifar10_batch(p, s);
      if (!same(read_cifar10_batch(p), s)) std::abort();
    }
  } catch (const nas::DataError&) {
  } catch (const nas::OptionError&) {
  }
  return 0;
}
