// `mpirun -n R cimchar characterize` on the real ngspice (labels `mpi`, `ngspice`; built only
// with MPI): 1, 2 and 3 ranks write the datasets of one process; a rank killed with SIGKILL
// mid-run costs only its unfinished samples (the other rank stops cleanly, every journal part
// keeps its finished samples) and --resume under another number of ranks completes the run
// identically. Tests run as root here and in CI, which Open MPI refuses unless told otherwise.
#include <algorithm>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
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
const std::string kMpirun = CIMCHAR_MPIEXEC;
const std::string kRecipe = std::string(CIMCHAR_TEST_DATA) + "/dac_small.ini";
// Open MPI refuses to run as root unless allowed. Under AddressSanitizer, leak checking is off
// for the processes mpirun starts: MPI_Finalize unloads Open MPI's components before
// LeakSanitizer looks, so their never-freed start-up memory shows up in frames of an unknown
// module that no suppression can name; cimchar's own memory is leak-checked by the tests that
// run it without mpirun.
const std::vector<std::string> kMpiEnv = {
    "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1", "ASAN_OPTIONS=detect_leaks=0"};

fs::path TempDir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("cimchar_mpi_test_" + std::to_string(getpid()));
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

// The small DAC bench (2 supplies) with `samples` dies, one worker per rank.
std::vector<std::string> Characterize(const fs::path& out, const std::string& samples) {
  return {kCimchar,   "characterize",         kRecipe, "--samples=" + samples, "--no-progress",
          "--jobs=1", "--out=" + out.string()};
}

std::vector<std::string> Mpirun(int ranks, std::vector<std::string> command) {
  std::vector<std::string> argv = {kMpirun, "-n", std::to_string(ranks), "--oversubscribe"};
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

// The one-process run every distributed run must equal.
fs::path Reference(const std::string& samples) {
  const fs::path out = TempDir() / ("reference_" + samples + ".h5");
  if (!fs::exists(out)) {
    std::vector<std::string> argv = Characterize(out, samples);
    std::replace(argv.begin(), argv.end(), std::string("--jobs=1"), std::string("--jobs=2"));
    const Outcome r = testing::Run(argv, TempDir() / ("reference_" + samples));
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
  }
  return out;
}

TEST(Mpi, OneTwoAndThreeRanksWriteTheDatasetsOfOneProcess) {
  const fs::path reference = Reference("6");
  for (const int ranks : {1, 2, 3}) {
    const fs::path out = TempDir() / ("ranks" + std::to_string(ranks) + ".h5");
    const Outcome r = testing::Run(Mpirun(ranks, Characterize(out, "6")),
                                   TempDir() / ("ranks" + std::to_string(ranks)), kMpiEnv);
    ASSERT_EQ(r.exit_code, 0) << ranks << " ranks\n" << Describe(r);
    // One report for the whole run, from rank 0.
    EXPECT_NE(r.out.find("samples                      12 (12 run now, 0 from the journal)"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("recipe "), r.out.rfind("recipe ")) << "more than one report\n" << r.out;
    if (ranks > 1) {
      EXPECT_NE(r.out.find("MPI ranks                    " + std::to_string(ranks) + " x 1"),
                std::string::npos)
          << r.out;
    }
    EXPECT_TRUE(lut::JournalParts(out).empty()) << "journal parts left after the run";
    EXPECT_EQ(RawDatasets(out), RawDatasets(reference)) << ranks << " ranks";
  }
}

TEST(Mpi, KilledRankCostsOnlyItsUnfinishedSamplesAndResumesUnderOtherRanks) {
  const fs::path reference = Reference("24");  // 48 samples
  const fs::path out = TempDir() / "killed.h5";
  const testing::Started run =
      testing::Start(Mpirun(2, Characterize(out, "24")), TempDir() / "killed", kMpiEnv);
  // Once rank 1 has journaled a few samples after its part's header (a record is about 80
  // bytes), kill it.
  const fs::path part1 = lut::JournalPartPath(out, 1);
  ASSERT_TRUE(testing::WaitForBytes(run.pid, part1, 1)) << testing::ReadText(run.err);
  const std::uintmax_t header = fs::file_size(part1);
  ASSERT_TRUE(testing::WaitForBytes(run.pid, part1, header + 400))
      << "the run ended before rank 1 journaled samples\n"
      << testing::ReadText(run.err);
  const pid_t rank1 = testing::FindRank(1, out.string());
  ASSERT_GT(rank1, 0) << "rank 1 not found";
  ASSERT_EQ(::kill(rank1, SIGKILL), 0);
  const Outcome killed = testing::Wait(run);
  EXPECT_NE(killed.exit_code, 0) << Describe(killed);
  // Rank 0 was stopped by mpirun and stopped cleanly: it says so and how to resume.
  EXPECT_NE(killed.err.find("interrupted: the finished samples are kept in " + out.string() +
                            ".journal*"),
            std::string::npos)
      << Describe(killed);
  EXPECT_NE(killed.err.find("--resume"), std::string::npos) << Describe(killed);
  ASSERT_TRUE(fs::exists(lut::JournalPartPath(out, 0)));
  ASSERT_TRUE(fs::exists(part1));
  EXPECT_FALSE(lut::Store::Open(out).complete());  // the snapshot on disk stays readable

  // Resume under 3 ranks: only the unfinished samples run, and the file equals one process's.
  std::vector<std::string> resume = Characterize(out, "24");
  resume.push_back("--resume");
  const Outcome r = testing::Run(Mpirun(3, resume), TempDir() / "resumed", kMpiEnv);
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  // At least the 5 samples rank 1 had journaled when it was killed came from the journal.
  const auto at = r.out.find(" run now, ");
  ASSERT_NE(at, std::string::npos) << r.out;
  const int from_journal = std::atoi(r.out.c_str() + at + 10);
  EXPECT_GE(from_journal, 5) << r.out;
  EXPECT_LT(from_journal, 48) << r.out;
  EXPECT_TRUE(lut::JournalParts(out).empty());
  EXPECT_EQ(RawDatasets(out), RawDatasets(reference));
}

}  // namespace
}  // namespace cimchar::distribute
