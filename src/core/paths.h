#pragma once

#include <filesystem>
#include <string>

namespace cimchar::core {

// The folder that holds the project's data (netlists/, characterization/): $CIMCHAR_HOME when
// set, else the source tree the binary was built from. Thread-safe; never fails (existence is
// checked by the users of the path, which name the file they miss).
std::filesystem::path ProjectHome();

// ProjectHome()/netlists.
std::filesystem::path NetlistsDir();

// ProjectHome()/characterization.
std::filesystem::path RecipesDir();

// How provenance names an input file: relative to ProjectHome() when it lies inside it (so a
// record reads the same on every machine: "netlists/blocks/strongarm.sp"), else absolute.
// Relative `path`s are taken from the working folder. Failures: none. Thread-safe.
std::string ProvenancePath(const std::filesystem::path& path);

}  // namespace cimchar::core
