#pragma once
// MD5 as the spaces' canonical identity (the NAS-Bench-101 reference hashes cells this way).
#include <string>
#include <string_view>

#include "nas/core/architecture_hash.hpp"

namespace nas {

/// MD5 digest of `text` (OpenSSL), as an ArchitectureHash. Thread-safe.
ArchitectureHash md5(std::string_view text);
/// MD5 hexdigest of `text`, 32 hex digits.
std::string md5_hex(std::string_view text);

}  // namespace nas
