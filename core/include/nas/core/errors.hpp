#pragma once
// Errors at the boundary (strings, files, options) carry where and why.
#include <stdexcept>
#include <string>

namespace nas {

/// A string that is not a valid architecture of a space. `what()` names the position and the
/// expectation, e.g. "nb201: at column 7 of '|conv~0|...': unknown op 'conv'; expected one of ...".
class ParseError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Malformed data file. `what()` names file, line, column and value.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Invalid option value; `what()` names the option.
class OptionError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

}  // namespace nas
