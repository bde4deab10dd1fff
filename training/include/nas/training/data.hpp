#pragma once
// Image classification data for real training: Fashion-MNIST (idx files, gzipped or not) and
// CIFAR-10 (the "binary version": data_batch_1..5.bin, test_batch.bin). Torch-free: images are
// kept as bytes (N x C x H x W, row-major) and turned into tensors by the trainer, so the data is
// read once per process and shared read-only by every training (thread-safe after loading).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nas::training {

/// N images of C x H x W bytes and their labels in [0, classes).
struct ImageSet {
  int channels = 0, height = 0, width = 0;
  std::vector<std::uint8_t> pixels;  // size() == count() * channels * height * width
  std::vector<std::uint8_t> labels;
  std::size_t count() const noexcept { return labels.size(); }
  std::size_t image_bytes() const noexcept { return static_cast<std::size_t>(channels) * height * width; }
};

/// A dataset as published: its training and test parts, the number of classes and the
/// per-channel normalisation (mean, std on the [0, 1] scale).
struct ImageData {
  std::string name;  // "fashion-mnist" | "cifar10"
  int classes = 0;
  ImageSet train, test;
  std::vector<float> mean, std;
};

/// The Debian package's folder (`dataset-fashion-mnist`).
inline constexpr std::string_view kFashionMnistDefaultDir = "/usr/share/datasets/fashion-mnist";

/// Reads one idx image file (magic 0x00000803) or label file (0x00000801), gzipped or plain (the
/// gzip magic decides). Throws DataError naming the file and what is wrong: missing, bad magic,
/// truncated (fewer bytes than the header promises), trailing bytes, a label >= `max_label`.
ImageSet read_idx(const std::string& images_path, const std::string& labels_path, int max_label = 10);

/// Fashion-MNIST from `dir`: {train,t10k}-{images-idx3,labels-idx1}-ubyte, each either plain or
/// with `.gz` (plain wins if both exist). 60,000 + 10,000 images of 1 x 28 x 28, 10 classes.
/// Throws DataError naming the missing or malformed file.
ImageData load_fashion_mnist(const std::string& dir = std::string(kFashionMnistDefaultDir));

/// Reads CIFAR-10 binary records (1 label byte + 3,072 pixel bytes, channel-major 3 x 32 x 32)
/// from `path`. Throws DataError if the file is missing, empty, not a whole number of records
/// (naming the record where it is cut) or has a label > 9 (naming the record).
ImageSet read_cifar10_batch(const std::string& path);

/// CIFAR-10 from `dir`: the training part is every data_batch_K.bin present for K = 1..5 (at least
/// data_batch_1.bin; a gap, e.g. 1, 2 and 4, is an error); the test part is test_batch.bin.
ImageData load_cifar10(const std::string& dir);

/// By name: "fashion-mnist" (default dir: the Debian package's) or "cifar10" (dir required).
/// Throws OptionError for an unknown name or a missing dir.
ImageData load_image_data(std::string_view name, const std::string& dir = "");
std::vector<std::string> image_data_names();

/// A fixed split of a dataset for one search: a validation part held out of the *training* data,
/// a training subset drawn from the rest, and a test subset. Drawn from `seed` only.
struct Split {
  std::vector<std::uint32_t> train, valid, test;  // indices into ImageData::train / ::test
};

/// `valid_size` images of the training part go to validation, then `train_size` of the others
/// (0 = all) to training; `test_size` of the test part (0 = all). Throws OptionError if the
/// sizes do not fit the data.
Split make_split(const ImageData& data, std::size_t train_size, std::size_t valid_size, std::size_t test_size,
                 std::uint64_t seed);

/// Writes `set` as a CIFAR-10 binary file / as an idx image + label pair (uncompressed). Used by
/// tests to make small files in the real formats; throws DataError if a file cannot be written.
void write_cifar10_batch(const std::string& path, const ImageSet& set);
void write_idx(const std::string& images_path, const std::string& labels_path, const ImageSet& set);

}  // namespace nas::training
