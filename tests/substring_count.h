// How often a text holds a substring (overlapping matches counted), for tests that check the
// structure of generated netlists.
#pragma once

#include <string>

namespace cimchar::testing {

inline int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) {
    ++n;
  }
  return n;
}

}  // namespace cimchar::testing
