#include "core/paths.h"

#include <cstdlib>

namespace cimchar::core {

std::filesystem::path ProjectHome() {
  if (const char* home = std::getenv("CIMCHAR_HOME"); home != nullptr && *home != '\0') {
    return home;
  }
  return CIMCHAR_DEFAULT_HOME;
}

std::filesystem::path NetlistsDir() { return ProjectHome() / "netlists"; }

std::filesystem::path RecipesDir() { return ProjectHome() / "characterization"; }

}  // namespace cimchar::core
