#pragma once

#include <filesystem>

namespace cimchar::core {

// The folder that holds the project's data (netlists/, characterization/): $CIMCHAR_HOME when
// set, else the source tree the binary was built from. Thread-safe; never fails (existence is
// checked by the users of the path, which name the file they miss).
std::filesystem::path ProjectHome();

// ProjectHome()/netlists.
std::filesystem::path NetlistsDir();

// ProjectHome()/characterization.
std::filesystem::path RecipesDir();

}  // namespace cimchar::core
