// The thresholds file: what cimchar thresholds writes is what compare and plot breakdown read.
#include "mac/thresholds_file.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "core/error.h"
#include "temp_dir.h"

namespace cimchar::mac {
namespace {

namespace fs = std::filesystem;
using cimchar::testing::TempDir;
using cimchar::testing::WriteText;

ThresholdsFile Example() {
  return {
      .description = "cimchar thresholds: 2000 scaled vectors, seed 1, over 10 chip instance(s)",
      .candidates = {5, 6, 7, 8, 9, 10},
      .loss_limits = {2e-5, 5e-5, 1e-4, 2e-4, 5e-4},
      .nq_full_scale = 30,
      .found = {.thresholds = {169, 13, 0, 0, 0},
                .losses = {1.63506e-05, 4.98661e-05, 4.98661e-05, 4.98661e-05, 6e-4},
                .met = {true, true, true, true, false}}};
}

TEST(ThresholdsFile, TheTextIsTheOneResultsHolds) {
  EXPECT_EQ(FormatThresholdsFile(Example()),
            "# cimchar thresholds: 2000 scaled vectors, seed 1, over 10 chip instance(s)\n"
            "candidates = 5 6 7 8 9 10\n"
            "losses_limit = 2e-05 5e-05 0.0001 0.0002 0.0005\n"
            "nq_full_scale = 30\n"
            "thresholds = 169 13 0 0 0\n"
            "loss_reached = 1.63506e-05 4.98661e-05 4.98661e-05 4.98661e-05 0.0006\n"
            "met = yes yes yes yes no\n");
}

TEST(ThresholdsFile, WhatIsWrittenIsReadBack) {
  TempDir dir;
  const fs::path path = dir.path() / "sub" / "thresholds.txt";
  WriteThresholdsFile(path, Example());
  const ThresholdsFile back = ReadThresholdsFile(path);
  const ThresholdsFile want = Example();
  EXPECT_EQ(back.description, want.description);
  EXPECT_EQ(back.candidates, want.candidates);
  EXPECT_EQ(back.loss_limits, want.loss_limits);
  EXPECT_EQ(back.nq_full_scale, want.nq_full_scale);
  EXPECT_EQ(back.found.thresholds, want.found.thresholds);
  EXPECT_EQ(back.found.losses, want.found.losses);
  EXPECT_EQ(back.found.met, want.found.met);
}

TEST(ThresholdsFile, BadFilesAreUsageErrorsNamingTheFileAndWhat_bad) {
  TempDir dir;
  const fs::path path = dir.path() / "thresholds.txt";
  const std::string good = FormatThresholdsFile(Example());
  const auto expect_error = [&](const std::string& text, const std::string& what) {
    WriteText(path, text);
    try {
      ReadThresholdsFile(path);
      FAIL() << "no error for: " << text;
    } catch (const UsageError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(path.string()), std::string::npos) << message;
      EXPECT_NE(message.find(what), std::string::npos) << message;
    }
  };
  std::string missing = good;
  missing.erase(missing.find("nq_full_scale"),
                missing.find("thresholds =") - missing.find("nq_full_scale"));
  expect_error(missing, "nq_full_scale");
  expect_error(good + "thresholds = 1 2\n", "thresholds = 1 2");  // twice
  expect_error(good + "threshold = 1\n", "threshold = 1");        // unknown key
  std::string word = good;
  word.replace(word.find("169"), 3, "lots");
  expect_error(word, "lots");
  std::string fewer = good;
  fewer.replace(fewer.find("169 13 0 0 0"), 12, "169 13 0 0");
  expect_error(fewer, "4 thresholds for 6 candidates");
  EXPECT_THROW(ReadThresholdsFile(dir.path() / "none.txt"), Error);
}

TEST(CalibrationEval, IsTheEvaluationWithTheSeedOffset) {
  const EvalOptions eval{.samples = 123, .seed = 7, .threads = 3};
  const EvalOptions cal = CalibrationEval(eval);
  EXPECT_EQ(cal.seed, 7 + kCalibrationSeedOffset);
  EXPECT_EQ(cal.samples, 123);
  EXPECT_EQ(cal.threads, 3);
}

}  // namespace
}  // namespace cimchar::mac
