#include "core/paths.h"

#include <cstdlib>

#include <gtest/gtest.h>

namespace cimchar::core {
namespace {

TEST(Paths, HomeComesFromEnvironmentWhenSet) {
  ::setenv("CIMCHAR_HOME", "/some/where", 1);
  EXPECT_EQ(ProjectHome(), std::filesystem::path("/some/where"));
  EXPECT_EQ(NetlistsDir(), std::filesystem::path("/some/where/netlists"));
  EXPECT_EQ(RecipesDir(), std::filesystem::path("/some/where/characterization"));
}

TEST(Paths, HomeFallsBackToTheSourceTree) {
  ::unsetenv("CIMCHAR_HOME");
  EXPECT_TRUE(std::filesystem::exists(ProjectHome() / "CMakeLists.txt")) << ProjectHome();
}

}  // namespace
}  // namespace cimchar::core
