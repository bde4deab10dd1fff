#pragma once
// The engine-facing encoding of an architecture: a short, fixed-capacity byte string whose meaning
// belongs to its search space. Value type, no allocation, cheap to hash and compare, so that the
// engine can deduplicate millions of children without knowing any space.
#include <array>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>

namespace nas {

class Genome {
 public:
  static constexpr std::size_t kCapacity = 62;
  Genome() = default;
  explicit Genome(std::span<const std::uint8_t> bytes) : size_(static_cast<std::uint8_t>(bytes.size())) {
    assert(bytes.size() <= kCapacity);
    std::memcpy(data_.data(), bytes.data(), bytes.size());
  }
  std::size_t size() const noexcept { return size_; }
  std::uint8_t operator[](std::size_t i) const noexcept { assert(i < size_); return data_[i]; }
  std::uint8_t& operator[](std::size_t i) noexcept { assert(i < size_); return data_[i]; }
  std::span<const std::uint8_t> bytes() const noexcept { return {data_.data(), size_}; }
  void resize(std::size_t n) noexcept { assert(n <= kCapacity); size_ = static_cast<std::uint8_t>(n); }
  friend bool operator==(const Genome& a, const Genome& b) noexcept {
    return a.size_ == b.size_ && std::memcmp(a.data_.data(), b.data_.data(), a.size_) == 0;
  }
  /// FNV-1a over the bytes: exact identity (two genomes are the same architecture encoding).
  std::uint64_t exact_hash() const noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL ^ size_;
    for (std::size_t i = 0; i < size_; ++i) { h ^= data_[i]; h *= 0x100000001b3ULL; }
    return h;
  }

 private:
  std::array<std::uint8_t, kCapacity> data_{};
  std::uint8_t size_ = 0;
};

struct GenomeHasher {
  std::size_t operator()(const Genome& g) const noexcept { return static_cast<std::size_t>(g.exact_hash()); }
};

}  // namespace nas
