#pragma once
// Canonical architecture identity: 128 bits, printed as 32 hex digits (the NAS-Bench-101 format).
// Each search space computes it (SearchSpace::canonical_hash); isomorphic cells share it.
#include <compare>
#include <cstdint>
#include <string>

namespace nas {

struct ArchitectureHash {
  std::uint64_t hi = 0, lo = 0;
  friend auto operator<=>(const ArchitectureHash&, const ArchitectureHash&) = default;
  /// 32 lower-case hex digits, most significant byte first (same as an MD5 hexdigest).
  std::string hex() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s(32, '0');
    for (int i = 0; i < 16; ++i) {
      s[static_cast<std::size_t>(15 - i)] = kDigits[(hi >> (4 * i)) & 0xF];
      s[static_cast<std::size_t>(31 - i)] = kDigits[(lo >> (4 * i)) & 0xF];
    }
    return s;
  }
};

struct ArchitectureHashHasher {
  std::size_t operator()(const ArchitectureHash& h) const noexcept { return static_cast<std::size_t>(h.hi ^ (h.lo * 0x9e3779b97f4a7c15ULL)); }
};

}  // namespace nas
