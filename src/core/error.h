#pragma once

#include <stdexcept>
#include <string>

namespace cimchar {

// The one exception type of the project. A message says what was being done, with which file or
// parameter, and what to do about it. Expected outcomes (a SPICE run that did not converge) are
// values in results, never errors.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Bad user input (options, recipes, files): tools map it to exit code 2.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& what) : Error(what) {}
};

}  // namespace cimchar
