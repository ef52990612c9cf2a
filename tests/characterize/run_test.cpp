// Orchestration of a characterization run with a fake engine and a fake bench: determinism
// across worker counts, resume after SIGKILL, retries and failures. The real-ngspice runs are
// in characterize_spice_test.
#include "characterize/run.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "characterize/fake_bench.h"
#include "core/error.h"
#include "lut/store.h"
#include "netlist/devices.h"
#include "variation/mismatch.h"

namespace cimchar::characterize {
namespace {

namespace fs = std::filesystem;

using testing::FakeBench;
using testing::FakeEngine;
using testing::TestRecipe;

RunOptions Options(const fs::path& out, int jobs, int delay_ms = 0) {
  RunOptions o;
  o.jobs = jobs;
  o.out = out;
  o.progress = false;
  o.engine = [delay_ms] { return std::make_unique<FakeEngine>(delay_ms); };
  o.bench = std::make_shared<FakeBench>();
  return o;
}

fs::path TempFile(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("cimchar_run_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

void ExpectSameData(const fs::path& a, const fs::path& b) {
  lut::Store sa = lut::Store::Open(a);
  lut::Store sb = lut::Store::Open(b);
  ASSERT_TRUE(sa.complete());
  ASSERT_TRUE(sb.complete());
  EXPECT_EQ(sa.records(), sb.records());
  auto qa = sa.Quantities();
  auto qb = sb.Quantities();
  ASSERT_EQ(qa.size(), qb.size());
  for (const auto& q : qa) {
    EXPECT_TRUE(sa.ReadTable(q.quantity, q.statistic) == sb.ReadTable(q.quantity, q.statistic))
        << q.quantity << " " << lut::StatisticName(q.statistic);
  }
  EXPECT_EQ(sa.provenance().recipe_text, sb.provenance().recipe_text);
  EXPECT_EQ(sa.provenance().input_sha256, sb.provenance().input_sha256);
}

TEST(Run, SameDataForOneAndTwoWorkers) {
  const Recipe recipe = TestRecipe();
  RunSummary s1 = RunCharacterization(recipe, Options(TempFile("j1.h5"), 1));
  RunSummary s2 = RunCharacterization(recipe, Options(TempFile("j2.h5"), 2));
  EXPECT_EQ(s1.samples_total, 2u * 3u * 12u);
  EXPECT_EQ(s1.failed, s2.failed);
  EXPECT_GT(s1.retried, 0u) << "the fake's non-convergent samples were not retried";
  EXPECT_GT(s1.failed, 0u) << "the fake's fatal samples were not recorded as failed";
  ExpectSameData(TempFile("j1.h5"), TempFile("j2.h5"));

  lut::Store st = lut::Store::Open(TempFile("j1.h5"));
  const lut::Table& mean = st.ReadTable("fake/out_v", lut::Statistic::kMean);
  EXPECT_EQ(mean.units(), "V");
  EXPECT_EQ(mean.axes().size(), 4u);  // corner, vdd, temp, code
  EXPECT_EQ(st.ReadTable("fake/out_v", lut::Statistic::kDynamicSigma).values().front(), 0.6e-3);
  EXPECT_EQ(st.Failures().by_reason.begin()->first.rfind("fatal: worker crashed", 0), 0u);
  EXPECT_EQ(st.provenance().master_seed, 11u);
}

// The tables of a run from records written by hand: the fake bench's grid is tt x {0.6, 1.0} V
// x 27 degC x code {0, 1, 2} (grid point g = 3 vdd index + code). At every point four ok samples
// of out_v are 0.1 g V + (-1.5, -0.5, 0.5, 1.5) mV: mean 0.1 g V, static sigma sqrt(5 mV^2 / 3)
// = 1.2910 mV; energy_j is 1, 2, 4, 7 fJ: mean 3.5 fJ, static sigma sqrt(7) fJ; a failed
// sample's values do not count. The dynamic sigma is what the bench states per grid point (1 mV
// per volt of supply) on out_v only: energy_j has none, so no table.
TEST(Run, TablesAreTheHandComputedStatisticsOfTheRecords) {
  const Recipe recipe = TestRecipe();
  const FakeBench bench;
  lut::RunSpec spec;
  spec.grid = {lut::Axis::Categorical("corner", {"tt"}), lut::Axis::Numeric("vdd", "V", {0.6, 1.0}),
               lut::Axis::Numeric("temp", "degC", {27.0}),
               lut::Axis::Numeric("code", "1", {0, 1, 2})};
  spec.samples_per_point = static_cast<std::uint64_t>(recipe.samples);
  spec.columns = bench.Columns();
  std::vector<lut::Record> records;
  const double die_v[] = {-1.5e-3, -0.5e-3, 0.5e-3, 1.5e-3};
  const double energy_j[] = {1e-15, 2e-15, 4e-15, 7e-15};
  for (std::uint64_t g = 0; g < 6; ++g) {
    for (std::uint64_t s = 0; s < 4; ++s) {
      records.push_back(
          {.grid_point = g, .sample = s, .values = {0.1 * g + die_v[s], energy_j[s]}});
    }
    records.push_back({.grid_point = g,
                       .sample = 4,
                       .status = lut::SampleStatus::kFailed,
                       .values = {5.0, 1.0},
                       .reason = "fatal: test"});
  }
  const std::vector<lut::QuantityTable> tables = RunTables(recipe, bench, spec, records);
  const auto find = [&](const std::string& q, lut::Statistic st) -> const lut::Table* {
    for (const auto& t : tables) {
      if (t.table.quantity() == q && t.statistic == st) {
        return &t.table;
      }
    }
    return nullptr;
  };
  const lut::Table* mean = find("fake/out_v", lut::Statistic::kMean);
  const lut::Table* stat = find("fake/out_v", lut::Statistic::kStaticSigma);
  const lut::Table* dyn = find("fake/out_v", lut::Statistic::kDynamicSigma);
  const lut::Table* e_mean = find("fake/energy_j", lut::Statistic::kMean);
  const lut::Table* e_stat = find("fake/energy_j", lut::Statistic::kStaticSigma);
  ASSERT_TRUE(mean && stat && dyn && e_mean && e_stat);
  EXPECT_EQ(find("fake/energy_j", lut::Statistic::kDynamicSigma), nullptr);
  EXPECT_EQ(tables.size(), 5u);
  constexpr double kTol = 1e-15;
  for (std::size_t g = 0; g < 6; ++g) {
    const double vdd = g < 3 ? 0.6 : 1.0;
    EXPECT_NEAR(mean->values()[g], 0.1 * static_cast<double>(g), kTol) << g;
    EXPECT_NEAR(stat->values()[g], std::sqrt(5e-6 / 3.0), kTol) << g;
    EXPECT_NEAR(dyn->values()[g], 1e-3 * vdd, kTol) << g;
    EXPECT_NEAR(e_mean->values()[g], 3.5e-15, 1e-27) << g;
    EXPECT_NEAR(e_stat->values()[g], std::sqrt(7.0) * 1e-15, 1e-27) << g;
  }
  EXPECT_EQ(dyn->axes().size(), mean->axes().size());
  EXPECT_EQ(dyn->units(), "V");
}

// The provenance names the files a run read relative to the project home, so two machines that
// hold the project in different folders record the same inputs; files outside it stay absolute.
TEST(Run, InputFilesAreNamedRelativeToTheProjectHome) {
  const Recipe recipe = TestRecipe();
  const fs::path source_dir = fs::path(testing::kData).parent_path().parent_path().parent_path();
  ::setenv("CIMCHAR_HOME", source_dir.c_str(), 1);
  RunCharacterization(recipe, Options(TempFile("home.h5"), 1));
  ::setenv("CIMCHAR_HOME", "/nowhere", 1);
  RunCharacterization(recipe, Options(TempFile("elsewhere.h5"), 1));
  ::setenv("CIMCHAR_HOME", source_dir.c_str(), 1);
  const auto inputs = [](const std::string& name) {
    std::vector<std::string> files;
    const lut::Store store = lut::Store::Open(TempFile(name));
    for (const auto& [file, hash] : store.provenance().input_sha256) {
      files.push_back(file);
    }
    return files;
  };
  EXPECT_EQ(inputs("home.h5"), std::vector<std::string>{"tests/characterize/data/fake.ini"});
  EXPECT_EQ(inputs("elsewhere.h5"),
            std::vector<std::string>{(fs::path(testing::kData) / "fake.ini").string()});
}

TEST(Run, ResumeAfterSigkillEqualsAnUninterruptedRun) {
  const Recipe recipe = TestRecipe();
  const fs::path whole = TempFile("whole.h5");
  const fs::path killed = TempFile("killed.h5");
  fs::remove(killed);
  fs::remove(fs::path(killed.string() + ".journal"));
  RunCharacterization(recipe, Options(whole, 2));

  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      RunCharacterization(recipe, Options(killed, 2, /*delay_ms=*/20));
    } catch (...) {
    }
    _exit(0);
  }
  // Kill it once part of the samples are journaled.
  const fs::path journal = killed.string() + ".journal";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline &&
         (!fs::exists(journal) || fs::file_size(journal) < 2000)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run finished before it could be killed";
  ASSERT_TRUE(fs::exists(journal));
  EXPECT_NO_THROW(lut::Store::Open(killed));  // the snapshot on disk stays readable

  EXPECT_THROW(RunCharacterization(recipe, Options(killed, 1)),
               UsageError);  // journal exists: must resume
  RunOptions resume = Options(killed, 1);
  resume.resume = true;
  RunSummary s = RunCharacterization(recipe, resume);
  EXPECT_GT(s.samples_resumed, 0u);
  EXPECT_GT(s.samples_run, 0u);
  EXPECT_FALSE(fs::exists(journal));
  ExpectSameData(whole, killed);
}

TEST(Run, ResumeOfADifferentRecipeIsRefused) {
  const Recipe recipe = TestRecipe();
  const fs::path out = TempFile("other.h5");
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      RunCharacterization(recipe, Options(out, 1, 20));
    } catch (...) {
    }
    _exit(0);
  }
  const fs::path journal = out.string() + ".journal";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline &&
         (!fs::exists(journal) || fs::file_size(journal) < 1000)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run finished before it could be killed";
  ASSERT_TRUE(fs::exists(journal) && fs::file_size(journal) >= 1000)
      << "no journal of 1000 bytes within 30 s";
  Recipe other = recipe;
  other.seed = 12;
  other.effective["seed"] = "12";
  RunOptions o = Options(out, 1);
  o.resume = true;
  EXPECT_THROW(RunCharacterization(other, o), UsageError);
  fs::remove(journal);
}

// A bench whose sample takes a second run: the second deck is built from the first run's
// result, gets the same die's mismatch by device name, and both results reach the measurement;
// a failed second run costs its sample, with the reason.
TEST(Run, ASecondRunIsBuiltFromTheFirstAndMeasuredWithIt) {
  const Recipe recipe = TestRecipe();
  RunOptions o = Options(TempFile("two.h5"), 2);
  const auto bench = std::make_shared<testing::TwoRunFakeBench>();
  o.bench = bench;
  RunCharacterization(recipe, o);
  const lut::Store st = lut::Store::Open(TempFile("two.h5"));
  ASSERT_TRUE(st.complete());
  const std::vector<GridPoint> grid = MakeGrid(recipe, bench->Axes());
  int measured = 0, second_failed = 0;
  for (const lut::Record& rec : st.records()) {
    const GridPoint& p = grid.at(rec.grid_point);
    if (rec.status != lut::SampleStatus::kOk) {
      if (rec.reason.rfind("second run: fatal: second run crashed", 0) == 0) {
        EXPECT_EQ(p.block[0], 1) << "only code 1's second runs crash";
        ++second_failed;
      }
      continue;
    }
    std::vector<fs::path> inputs;
    std::map<std::string, double> delvto;
    const auto devices = netlist::EnumerateDevices(bench->Deck(p, inputs));
    for (const auto& d :
         variation::DrawMismatch(devices, recipe.mismatch, recipe.seed, rec.sample)) {
      delvto[d.device->name] = d.delvto_v;
    }
    ASSERT_TRUE(delvto.contains("m1") && delvto.contains("m2"));
    // First run: vdd + code / 10 + M1's and M2's shift; the second adds M2's shift once more.
    EXPECT_NEAR(rec.values.at(0), p.vdd_v + 0.1 * p.block[0] + delvto["m1"] + 2 * delvto["m2"],
                1e-12);
    EXPECT_EQ(rec.values.at(1), 1e-15 * p.vdd_v * p.vdd_v);
    ++measured;
  }
  EXPECT_GT(measured, 0);
  EXPECT_GT(second_failed, 0) << "no second run failed";
}

}  // namespace
}  // namespace cimchar::characterize
