// Shards of a real characterization through the `cimchar` binary (label `ngspice`): three
// `--shard K/3` runs merged by `cimchar merge` give the datasets of one process, and the
// merges that must be refused are refused with their reason and exit code 2.
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "distribute/process.h"
#include "lut/raw_datasets.h"
#include "lut/store.h"

namespace cimchar::distribute {
namespace {

namespace fs = std::filesystem;
using lut::testing::RawDatasets;
using testing::Describe;
using testing::Outcome;

const std::string kCimchar = CIMCHAR_BIN;
const std::string kRecipe = std::string(CIMCHAR_TEST_DATA) + "/dac_small.ini";

fs::path TempDir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("cimchar_shard_test_" + std::to_string(getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

class RemoveTempDirWhenPassed : public ::testing::Environment {
 public:
  void TearDown() override {
    if (::testing::UnitTest::GetInstance()->Passed()) {
      std::error_code ec;
      fs::remove_all(TempDir(), ec);
    }
  }
};
[[maybe_unused]] ::testing::Environment* const kCleanUp =
    ::testing::AddGlobalTestEnvironment(new RemoveTempDirWhenPassed);

Outcome Cimchar(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv = {kCimchar};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::Run(argv, TempDir() / log);
}

// The small DAC bench: 2 supplies, `samples` dies (12 samples by default).
std::vector<std::string> Characterize(const fs::path& out,
                                      const std::vector<std::string>& extra,
                                      const std::string& samples = "6") {
  std::vector<std::string> args = {"characterize", kRecipe, "--samples=" + samples, "--no-progress",
                                   "--out=" + out.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(ShardsSpice, MergedShardsEqualTheOneProcessRun) {
  const fs::path whole = TempDir() / "whole.h5";
  const Outcome w = Cimchar(Characterize(whole, {"--jobs=2"}), "whole");
  ASSERT_EQ(w.exit_code, 0) << Describe(w);

  std::vector<std::string> merge = {"merge", (TempDir() / "merged.h5").string()};
  for (int k = 1; k <= 3; ++k) {
    const fs::path shard = TempDir() / ("shard" + std::to_string(k) + ".h5");
    const Outcome s = Cimchar(Characterize(shard, {"--shard=" + std::to_string(k) + "/3"}),
                              "shard" + std::to_string(k));
    ASSERT_EQ(s.exit_code, 0) << Describe(s);
    EXPECT_NE(s.out.find("samples                      4 (4 run now"), std::string::npos) << s.out;
    merge.push_back(shard.string());
  }
  const Outcome inspect = Cimchar({"inspect", merge[3]}, "inspect");
  ASSERT_EQ(inspect.exit_code, 0) << Describe(inspect);
  EXPECT_NE(inspect.out.find("shard         2/3 of the run"), std::string::npos) << inspect.out;

  const Outcome m = Cimchar(merge, "merge");
  ASSERT_EQ(m.exit_code, 0) << Describe(m);
  EXPECT_NE(m.out.find("merged 3 files, 12 samples (0 failed)"), std::string::npos) << m.out;
  EXPECT_EQ(RawDatasets(TempDir() / "merged.h5"), RawDatasets(whole));
  const lut::Store a = lut::Store::Open(TempDir() / "merged.h5");
  const lut::Store b = lut::Store::Open(whole);
  EXPECT_EQ(a.spec(), b.spec());
  EXPECT_EQ(a.provenance().recipe_text, b.provenance().recipe_text);
  EXPECT_EQ(a.provenance().input_sha256, b.provenance().input_sha256);
  EXPECT_EQ(a.provenance().master_seed, b.provenance().master_seed);
  EXPECT_EQ(a.provenance().cimchar_commit, b.provenance().cimchar_commit);

  // Refused: a shard missing, a shard of another run (another seed), a shard given twice.
  const fs::path other = TempDir() / "other_seed.h5";
  const Outcome o = Cimchar(Characterize(other, {"--shard=2/3", "--seed=5"}), "other");
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  struct Case {
    std::vector<std::string> files;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {{merge[2], merge[4]}, "no file holds shard 2/3"},
      {{merge[2], other.string(), merge[4]}, "the master seed (20240612 in"},
      {{merge[2], merge[3], merge[3], merge[4]}, "the shards overlap"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"merge", (TempDir() / "refused.h5").string()};
    args.insert(args.end(), c.files.begin(), c.files.end());
    const Outcome r = Cimchar(args, "refused");
    EXPECT_EQ(r.exit_code, 2) << Describe(r);
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.expect << "\n" << Describe(r);
    EXPECT_FALSE(fs::exists(TempDir() / "refused.h5"));
  }
  const Outcome bad = Cimchar(Characterize(TempDir() / "bad.h5", {"--shard=4/3"}), "bad");
  EXPECT_EQ(bad.exit_code, 2) << Describe(bad);
  EXPECT_NE(bad.err.find("--shard '4/3' is not K/N"), std::string::npos) << Describe(bad);
}

}  // namespace
}  // namespace cimchar::distribute
