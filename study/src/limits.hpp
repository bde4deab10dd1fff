#pragma once
// Upper bounds of the count and seed options, shared by the study library's declarations.
namespace nas::study {
inline constexpr long long kMaxCount = 100'000'000;
inline constexpr long long kMaxSeed = 1LL << 62;
}  // namespace nas::study
