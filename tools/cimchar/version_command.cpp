#include <iostream>

#include "cimchar/command.h"
#include "core/build_info.h"
#include "core/paths.h"

namespace {

int RunVersion(const std::vector<std::string>& /*args*/) {
  std::cout << "cimchar " << cimchar::core::kVersion << " (" << cimchar::core::kGitCommit << ")\n"
            << "project home: " << cimchar::core::ProjectHome().string() << "\n";
  return 0;
}

}  // namespace

CIMCHAR_COMMAND("version", "print the version, commit and project folder", RunVersion);
