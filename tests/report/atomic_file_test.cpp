// Files written whole or not at all.
#include "report/atomic_file.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.h"
#include "temp_dir.h"

namespace cimchar::report {
namespace {

namespace fs = std::filesystem;
using cimchar::testing::TempDir;

using cimchar::testing::CountEntries;
using cimchar::testing::ReadText;
using cimchar::testing::WriteText;

TEST(WriteFilesAtomically, FailureOfOneFileLeavesNoneBehind_bad) {
  TempDir dir;
  const std::vector<PendingFile> files = {
      {dir.path() / "first.txt", "complete"},
      {dir.path() / "missing_folder" / "second.txt", "never written"},
  };
  EXPECT_THROW(WriteFilesAtomically(files), Error);
  EXPECT_EQ(CountEntries(dir.path()), 0u);
}

TEST(WriteFilesAtomically, ReplacesAnExistingFileWhole) {
  TempDir dir;
  const auto path = dir.path() / "a.txt";
  WriteText(path, "old contents that are longer than the new ones");
  WriteFilesAtomically({{path, "new"}});
  EXPECT_EQ(ReadText(path), "new");
  EXPECT_EQ(CountEntries(dir.path()), 1u);
}

}  // namespace
}  // namespace cimchar::report
