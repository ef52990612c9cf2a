// The worker pool with real ngspice workers. Listed before the session tests in spice_test:
// a pool forks its workers from a process that must not have initialised ngspice itself.
#include "spice/worker_pool.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "spice/decks.h"

namespace cimchar::spice {
namespace {

PoolOptions Options(int workers) {
  PoolOptions options;
  options.workers = workers;
  options.kill_grace_s = 3.0;
  return options;
}

std::vector<RunResult> RunBatch(WorkerPool& pool, const std::vector<Job>& jobs) {
  std::vector<RunResult> results(jobs.size());
  pool.RunAll(jobs, [&](size_t i, RunResult&& r) { results.at(i) = std::move(r); });
  return results;
}

TEST(WorkerPoolNgspice, BatchSurvivesBadJobsAndMatchesASequentialRun) {
  if (NgspiceSession::InitialisedInProcess()) {
    GTEST_SKIP() << "ngspice already initialised in this process; run under ctest";
  }
  constexpr double kHangTimeoutS = 1.0;
  const std::string deck = testing::InverterDeck("pulse(0 1.2 100e-12 20e-12 20e-12 400e-12 1e-9)");
  std::vector<Job> jobs;
  for (int i = 0; i < 12; ++i) {
    jobs.push_back(
        Job{.deck = deck,
            .commands = {"alter @mn[delvto]=" + std::to_string(0.005 * i), "tran 1e-12 1e-9"},
            .vectors = {"time", "v(out)"}});
  }
  jobs[2].commands = {"quit"};                // ControlledExit inside ngspice
  jobs[5].deck = testing::SyntaxErrorDeck();  // deck error, then ControlledExit
  jobs[7].deck = testing::UnknownModelDeck();
  jobs[9] = Job{.deck = testing::RcDeck(),
                .commands = {"tran 1e-15 1"},
                .vectors = {"v(out)"},
                .timeout_s = kHangTimeoutS};

  WorkerPool parallel(Options(2));
  std::vector<RunResult> got = RunBatch(parallel, jobs);
  EXPECT_EQ(got[2].outcome, Outcome::kFatal) << got[2].message;
  EXPECT_NE(got[2].message.find("ControlledExit"), std::string::npos) << got[2].message;
  EXPECT_EQ(got[5].outcome, Outcome::kDeckError) << got[5].message;
  EXPECT_NE(got[5].message.find("deck line 4"), std::string::npos) << got[5].message;
  EXPECT_EQ(got[7].outcome, Outcome::kDeckError) << got[7].message;
  EXPECT_EQ(got[9].outcome, Outcome::kTimeout) << got[9].message;
  EXPECT_EQ(parallel.replaced_workers(), 2);  // after quit and after the syntax error

  WorkerPool sequential(Options(1));
  std::vector<RunResult> want = RunBatch(sequential, jobs);
  for (size_t i = 0; i < jobs.size(); ++i) {
    EXPECT_EQ(got[i].outcome, want[i].outcome) << "job " << i;
    EXPECT_EQ(got[i].vectors, want[i].vectors) << "job " << i;
    if (got[i].ok()) {
      EXPECT_GT(got[i].vectors.at("time").size(), 100u);
    }
  }
  for (size_t i : {0, 1, 3, 4, 6, 8, 10, 11}) {
    EXPECT_EQ(got[i].outcome, Outcome::kOk) << "job " << i << ": " << got[i].message;
  }
  EXPECT_NE(got[0].vectors, got[11].vectors);
}

}  // namespace
}  // namespace cimchar::spice
