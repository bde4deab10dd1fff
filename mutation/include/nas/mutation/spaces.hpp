#pragma once
// The registry of search spaces: name -> factory, as datasets/registry.hpp registers benchmarks.
// Adding a space is one class implementing SearchSpace (nas/core/search_space.hpp) and one entry
// in mutation/src/common.cpp.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nas/core/search_space.hpp"

namespace nas {

struct SpaceInfo {
  std::string name;         // --space NAME
  std::string description;  // one line
  std::function<std::unique_ptr<SearchSpace>()> make;
};

/// Every registered space, in order. Thread-safe.
const std::vector<SpaceInfo>& spaces();
/// Creates a space by name ("nb201"); throws OptionError naming the registered ones for an unknown name.
std::unique_ptr<SearchSpace> make_space(std::string_view name);
/// Names accepted by make_space, in order.
std::vector<std::string> space_names();

/// Throws ParseError ("<space>: a string of N bytes; ...") when `text` is longer than the limit.
void check_architecture_text(std::string_view space, std::string_view text);

}  // namespace nas
