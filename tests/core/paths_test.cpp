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

TEST(Paths, ProvenanceNamesFilesInsideTheHomeRelativeToIt) {
  ::setenv("CIMCHAR_HOME", "/some/where/", 1);
  EXPECT_EQ(ProvenancePath("/some/where/netlists/blocks/strongarm.sp"),
            "netlists/blocks/strongarm.sp");
  EXPECT_EQ(ProvenancePath("/some/where/netlists/../models/ptm65.lib"), "models/ptm65.lib");
  // Outside the home (a PDK of one's own, a sibling folder that shares a prefix): absolute.
  EXPECT_EQ(ProvenancePath("/pdk/mos.lib"), "/pdk/mos.lib");
  EXPECT_EQ(ProvenancePath("/some/whereelse/x.sp"), "/some/whereelse/x.sp");
  EXPECT_EQ(ProvenancePath("/some/where/../x.sp"), "/some/x.sp");
  // A relative path is taken from the working folder.
  ::setenv("CIMCHAR_HOME", std::filesystem::current_path().c_str(), 1);
  EXPECT_EQ(ProvenancePath("results/lut/adc.h5"), "results/lut/adc.h5");
  EXPECT_EQ(ProvenancePath(std::filesystem::current_path() / "a.sp"), "a.sp");
  ::unsetenv("CIMCHAR_HOME");
}

TEST(Paths, HomeFallsBackToTheSourceTree) {
  ::unsetenv("CIMCHAR_HOME");
  EXPECT_TRUE(std::filesystem::exists(ProjectHome() / "CMakeLists.txt")) << ProjectHome();
}

}  // namespace
}  // namespace cimchar::core
