#pragma once
// Canonical architecture identity: 128 bits, printed as 32 hex digits (the NAS-Bench-101 format).
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace nas {

struct ArchitectureHash {
  std::uint64_t hi = 0, lo = 0;
  friend auto operator<=>(const ArchitectureHash&, const ArchitectureHash&) = default;
  /// 32 lower-case hex digits, most significant byte first (same as an MD5 hexdigest).
  std::string hex() const;
};

struct ArchitectureHashHasher {
  std::size_t operator()(const ArchitectureHash& h) const noexcept { return static_cast<std::size_t>(h.hi ^ (h.lo * 0x9e3779b97f4a7c15ULL)); }
};

/// MD5 digest of `text` (OpenSSL), as an ArchitectureHash. Thread-safe.
ArchitectureHash md5(std::string_view text);
/// MD5 hexdigest of `text`, 32 hex digits.
std::string md5_hex(std::string_view text);

}  // namespace nas
