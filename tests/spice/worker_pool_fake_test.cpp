// Orchestration of the worker pool with a fake engine: no ngspice involved.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "spice/worker_pool.h"

namespace cimchar::spice {
namespace {

// Interprets the deck as a script: "value X", "sleep S", "abort", "segv", "exit N", "die",
// "throw", "big N" (a vector of N doubles), "ppid" (the worker's parent process id), "handlers"
// (1 for each of SIGINT and SIGTERM whose action is the default).
class FakeSpiceEngine : public Engine {
 public:
  RunResult Run(const Job& job) override {
    std::istringstream in(job.deck);
    std::string verb;
    double arg = 0;
    in >> verb >> arg;
    RunResult r;
    r.outcome = Outcome::kOk;
    r.log = {"stdout fake " + verb};
    if (verb == "value") {
      r.vectors["x"] = {arg, 2 * arg};
    } else if (verb == "sleep") {
      std::this_thread::sleep_for(std::chrono::duration<double>(arg));
    } else if (verb == "abort") {
      std::abort();
    } else if (verb == "segv") {
      signal(SIGSEGV, SIG_DFL);  // a real crash, even under AddressSanitizer's handler
      raise(SIGSEGV);
    } else if (verb == "exit") {
      std::exit(static_cast<int>(arg));
    } else if (verb == "die") {
      dead_ = true;
      r.outcome = Outcome::kFatal;
      r.message = "fake ControlledExit";
    } else if (verb == "throw") {
      throw std::runtime_error("fake engine failure");
    } else if (verb == "ppid") {
      r.vectors["ppid"] = {static_cast<double>(getppid())};
    } else if (verb == "handlers") {
      for (const int sig : {SIGINT, SIGTERM}) {
        struct sigaction action {};
        sigaction(sig, nullptr, &action);
        r.vectors["default"].push_back(action.sa_handler == SIG_DFL ? 1.0 : 0.0);
      }
    } else if (verb == "big") {
      r.vectors["big"].assign(static_cast<size_t>(arg), 0.25);
      r.message = job.deck.substr(0, 16);
      r.log.push_back(job.deck);
    }
    return r;
  }
  bool Alive() const override { return !dead_; }

 private:
  bool dead_ = false;
};

// GCC 12 warns about designated initializers that omit members, so tests build options here.
PoolOptions Options(int workers, double kill_grace_s = 5.0) {
  PoolOptions options;
  options.workers = workers;
  options.kill_grace_s = kill_grace_s;
  return options;
}

EngineFactory Fake() {
  return [] { return std::make_unique<FakeSpiceEngine>(); };
}

Job Script(const std::string& deck, double timeout_s = 30.0) {
  return Job{.deck = deck, .commands = {}, .vectors = {}, .timeout_s = timeout_s};
}

std::vector<RunResult> RunBatch(WorkerPool& pool, const std::vector<Job>& jobs) {
  std::vector<RunResult> results(jobs.size());
  std::vector<int> calls(jobs.size(), 0);
  pool.RunAll(jobs, [&](size_t i, RunResult&& r) {
    ++calls.at(i);
    results[i] = std::move(r);
  });
  for (size_t i = 0; i < jobs.size(); ++i) {
    EXPECT_EQ(calls[i], 1) << "job " << i << " reported " << calls[i] << " times";
  }
  return results;
}

bool NoChildrenLeft() { return waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD; }

TEST(WorkerPoolFake, DeliversEveryResultOnceToItsIndex) {
  constexpr int kJobs = 200;
  WorkerPool pool(Options(3), Fake());
  std::vector<Job> jobs;
  for (int i = 0; i < kJobs; ++i) {
    jobs.push_back(Script("value " + std::to_string(i * 1.5)));
  }
  std::vector<RunResult> results = RunBatch(pool, jobs);
  for (int i = 0; i < kJobs; ++i) {
    ASSERT_EQ(results[i].outcome, Outcome::kOk) << results[i].message;
    EXPECT_EQ(results[i].vectors.at("x"), (std::vector<double>{i * 1.5, i * 3.0}));
  }
  EXPECT_EQ(pool.replaced_workers(), 0);
}

TEST(WorkerPoolFake, CrashesCostOnlyTheirJobAndResultsMatchASequentialRun) {
  std::vector<Job> jobs;
  for (int i = 0; i < 30; ++i) {
    jobs.push_back(Script("value " + std::to_string(i)));
  }
  jobs[3] = Script("abort");
  jobs[11] = Script("segv");
  jobs[17] = Script("exit 7");
  jobs[23] = Script("die");
  jobs[27] = Script("throw");

  WorkerPool parallel(Options(2), Fake());
  std::vector<RunResult> got = RunBatch(parallel, jobs);
  EXPECT_EQ(got[3].outcome, Outcome::kFatal);
  EXPECT_NE(got[3].message.find("SIGABRT"), std::string::npos) << got[3].message;
  EXPECT_EQ(got[11].outcome, Outcome::kFatal);
  EXPECT_NE(got[11].message.find("SIGSEGV"), std::string::npos) << got[11].message;
  EXPECT_EQ(got[17].outcome, Outcome::kFatal);
  EXPECT_NE(got[17].message.find("exited with status 7"), std::string::npos) << got[17].message;
  EXPECT_EQ(got[23].outcome, Outcome::kFatal);
  EXPECT_EQ(got[23].message, "fake ControlledExit");
  EXPECT_EQ(got[27].outcome, Outcome::kFatal);
  EXPECT_NE(got[27].message.find("fake engine failure"), std::string::npos) << got[27].message;
  EXPECT_EQ(parallel.replaced_workers(), 4);  // abort, segv, exit, die; a throw keeps the worker

  WorkerPool sequential(Options(1), Fake());
  std::vector<RunResult> want = RunBatch(sequential, jobs);
  for (size_t i = 0; i < jobs.size(); ++i) {
    EXPECT_EQ(got[i].outcome, want[i].outcome) << "job " << i;
    EXPECT_EQ(got[i].vectors, want[i].vectors) << "job " << i;
    EXPECT_EQ(got[i].log, want[i].log) << "job " << i;
  }
}

TEST(WorkerPoolFake, HungWorkerIsKilledAndReportedAsTimeout) {
  constexpr double kTimeoutS = 0.2;
  constexpr double kGraceS = 0.3;
  // Far below the hung job's 100 s, far above the 0.5 s a free machine takes: a busy one
  // (ctest -j on shared cores) must not fail the test, a pool that waits for the job must.
  constexpr double kDeadlineS = 30.0;
  WorkerPool pool(Options(2, kGraceS), Fake());
  std::vector<Job> jobs = {Script("sleep 100", kTimeoutS), Script("value 1"), Script("value 2"),
                           Script("value 3")};
  const auto start = std::chrono::steady_clock::now();
  std::vector<RunResult> results = RunBatch(pool, jobs);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(results[0].outcome, Outcome::kTimeout) << results[0].message;
  EXPECT_NE(results[0].message.find("killed"), std::string::npos) << results[0].message;
  for (size_t i = 1; i < jobs.size(); ++i) {
    EXPECT_EQ(results[i].outcome, Outcome::kOk);
  }
  EXPECT_GE(elapsed, kTimeoutS + kGraceS);
  EXPECT_LT(elapsed, kDeadlineS);
  EXPECT_EQ(pool.replaced_workers(), 1);
  EXPECT_EQ(pool.Run(Script("value 5")).vectors.at("x").front(), 5.0);
}

TEST(WorkerPoolFake, ThrowingCallbackPropagatesAndPoolStaysUsable) {
  WorkerPool pool(Options(2), Fake());
  std::vector<Job> jobs(6, Script("value 1"));
  EXPECT_THROW(pool.RunAll(jobs, [](size_t, RunResult&&) { throw std::runtime_error("stop"); }),
               std::runtime_error);
  std::vector<RunResult> results = RunBatch(pool, jobs);
  for (const RunResult& r : results) {
    EXPECT_EQ(r.outcome, Outcome::kOk);
  }
}

TEST(WorkerPoolFake, EngineThatCannotStartFailsJobsClearly) {
  WorkerPool pool(Options(1), []() -> std::unique_ptr<Engine> {
    throw std::runtime_error("no licence for the fake simulator");
  });
  RunResult r = pool.Run(Script("value 1"));
  EXPECT_EQ(r.outcome, Outcome::kFatal);
  EXPECT_NE(r.message.find("no licence for the fake simulator"), std::string::npos) << r.message;
}

TEST(WorkerPoolFake, LargeFramesRoundTrip) {
  WorkerPool pool(Options(1), Fake());
  const std::string deck = "big 1000000\n" + std::string(3 << 20, 'x');
  RunResult r = pool.Run(Script(deck));
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.message;
  EXPECT_EQ(r.vectors.at("big").size(), 1000000u);
  ASSERT_EQ(r.log.size(), 2u);
  EXPECT_EQ(r.log[1], deck);
}

TEST(WorkerPoolFake, StreamRunsFollowUpJobsAndTicks) {
  // Job i (i < 10) sleeps briefly; its result asks for one follow-up job with id 100 + i.
  constexpr double kTickS = 0.01;
  WorkerPool pool(Options(2), Fake());
  std::vector<std::uint64_t> queue;
  for (std::uint64_t i = 0; i < 10; ++i) {
    queue.push_back(i);
  }
  std::vector<std::uint64_t> done;
  int ticks = 0;
  pool.Stream(
      [&](Job& job, std::uint64_t& id) {
        if (queue.empty()) {
          return false;
        }
        id = queue.front();
        queue.erase(queue.begin());
        job = Script(id < 100 ? "sleep 0.03" : "value " + std::to_string(id));
        return true;
      },
      [&](std::uint64_t id, RunResult&& r) {
        ASSERT_EQ(r.outcome, Outcome::kOk) << r.message;
        done.push_back(id);
        if (id < 100) {
          queue.push_back(100 + id);
        } else {
          EXPECT_EQ(r.vectors.at("x").front(), static_cast<double>(id));
        }
      },
      [&] { ++ticks; }, kTickS);
  std::sort(done.begin(), done.end());
  ASSERT_EQ(done.size(), 20u);
  for (std::uint64_t i = 0; i < 10; ++i) {
    EXPECT_EQ(done[i], i);
    EXPECT_EQ(done[10 + i], 100 + i);
  }
  EXPECT_GT(ticks, 0) << "on_tick was never called while jobs ran";
}

TEST(WorkerPoolFake, WorkersComeFromTheSpawnerNotFromThisProcess) {
  WorkerPool pool(Options(1), Fake());
  // What this process does after the pool exists reaches no worker, even a replacement.
  struct sigaction old_term {};
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGTERM, &ignore, &old_term);
  pool.Run(Script("segv"));  // the replacement is forked now
  const RunResult ppid = pool.Run(Script("ppid"));
  const RunResult handlers = pool.Run(Script("handlers"));
  sigaction(SIGTERM, &old_term, nullptr);
  EXPECT_EQ(pool.replaced_workers(), 1);
  ASSERT_EQ(ppid.outcome, Outcome::kOk);
  EXPECT_NE(ppid.vectors.at("ppid").front(), static_cast<double>(getpid()));
  ASSERT_EQ(handlers.outcome, Outcome::kOk);
  EXPECT_EQ(handlers.vectors.at("default"), (std::vector<double>{1.0, 1.0}));
}

TEST(WorkerPoolFake, DestructorLeavesNoProcesses) {
  {
    WorkerPool pool(Options(3), Fake());
    pool.Run(Script("value 1"));
    pool.Run(Script("abort"));
  }
  EXPECT_TRUE(NoChildrenLeft());
  {
    // Workers still busy with a long job when the pool goes away are killed, not waited for.
    WorkerPool pool(Options(2, 0.0), Fake());
    pool.Run(Script("sleep 100", 0.1));
  }
  EXPECT_TRUE(NoChildrenLeft());
}

}  // namespace
}  // namespace cimchar::spice
