#include "spice/ngspice_session.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "spice/decks.h"

namespace cimchar::spice {
namespace {

using testing::InverterDeck;
using testing::kVdd;

// One session per process (libngspice's rule); ctest runs each test in its own process anyway.
NgspiceSession& Session() {
  static NgspiceSession session;
  return session;
}

// The death tests come first so that they run before Session() when the whole binary runs.
// Runs `body` in a forked child that owns its own session; returns the child's exit status.
// Skips when this process already initialised ngspice (fork would copy it).
template <typename Body>
int InChildProcess(Body body) {
  if (NgspiceSession::InitialisedInProcess()) {
    return -1;
  }
  pid_t pid = fork();
  if (pid == 0) {
    int code = 1;
    try {
      code = body() ? 0 : 1;
    } catch (...) {
      code = 2;
    }
    _exit(code);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(NgspiceSessionDeath, SyntaxErrorIsADeckErrorAndKillsTheSession) {
  // ngspice 39 answers a syntax error with ControlledExit: the deck error is reported, then the
  // session is dead and says so.
  int code = InChildProcess([] {
    NgspiceSession session;
    RunResult r =
        session.Run(Job{.deck = testing::SyntaxErrorDeck(), .commands = {"op"}, .vectors = {}});
    bool good = r.outcome == Outcome::kDeckError &&
                r.message.find("deck line 4: c1 out 0 1e-12 foo=") != std::string::npos &&
                r.message.find("Expression err") != std::string::npos && !session.Alive();
    RunResult later =
        session.Run(Job{.deck = testing::RcDeck(), .commands = {"op"}, .vectors = {}});
    return good && later.outcome == Outcome::kFatal &&
           later.message.find("session is dead") != std::string::npos;
  });
  if (code == -1) {
    GTEST_SKIP() << "ngspice already initialised in this process; run under ctest";
  }
  EXPECT_EQ(code, 0);
}

TEST(NgspiceSessionDeath, QuitIsFatalAndLaterRunsFailClearly) {
  int code = InChildProcess([] {
    NgspiceSession session;
    RunResult r = session.Run(Job{.deck = testing::RcDeck(), .commands = {"quit"}, .vectors = {}});
    RunResult later =
        session.Run(Job{.deck = testing::RcDeck(), .commands = {"op"}, .vectors = {}});
    return r.outcome == Outcome::kFatal && !session.Alive() && later.outcome == Outcome::kFatal &&
           later.message.find("ControlledExit") != std::string::npos;
  });
  if (code == -1) {
    GTEST_SKIP() << "ngspice already initialised in this process; run under ctest";
  }
  EXPECT_EQ(code, 0);
}

// Time at which `v` first crosses `level` (rising or falling) after `after_s`, linearly
// interpolated; NaN when it never does.
double Crossing(const std::vector<double>& t,
                const std::vector<double>& v,
                double level,
                double after_s) {
  for (size_t i = 1; i < t.size(); ++i) {
    if (t[i] <= after_s) {
      continue;
    }
    const double a = v[i - 1] - level;
    const double b = v[i] - level;
    if ((a < 0) != (b < 0)) {
      return t[i - 1] + (t[i] - t[i - 1]) * a / (a - b);
    }
  }
  return std::nan("");
}

TEST(NgspiceSession, VersionNamesNgspice) { EXPECT_EQ(NgspiceVersion().rfind("ngspice-", 0), 0u); }

TEST(NgspiceSession, SecondSessionInProcessIsAnError) {
  Session();
  EXPECT_THROW(NgspiceSession second, Error);
}

TEST(NgspiceSession, InverterDcTransfer) {
  // Bounds for a 65 nm inverter at 1.2 V with Wp = 2 Wn: rail-to-rail output levels, and a
  // switching threshold below VDD/2 because the PTM PMOS is ~2.5x weaker per width.
  constexpr double kRailTolV = 0.01;
  constexpr double kVmMinV = 0.40;
  constexpr double kVmMaxV = 0.60;
  Job job{.deck = InverterDeck("0"),
          .commands = {"dc vin 0 1.2 0.005"},
          .vectors = {"v(in)", "v(out)"}};
  RunResult r = Session().Run(job);
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.message;
  const auto& vin = r.vectors.at("v(in)");
  const auto& vout = r.vectors.at("v(out)");
  ASSERT_EQ(vin.size(), 241u);
  ASSERT_EQ(vout.size(), vin.size());
  EXPECT_GT(vout.front(), kVdd - kRailTolV);  // VOH
  EXPECT_LT(vout.back(), kRailTolV);          // VOL
  std::vector<double> diff(vin.size());
  for (size_t i = 0; i < vin.size(); ++i) {
    diff[i] = vout[i] - vin[i];
  }
  const double vm = Crossing(vin, diff, 0.0, -1.0);
  EXPECT_GT(vm, kVmMinV);
  EXPECT_LT(vm, kVmMaxV);
  EXPECT_GT(r.analysis_s, 0.0);
  EXPECT_GE(r.wall_s, r.analysis_s);
}

TEST(NgspiceSession, InverterTransient) {
  // A 2 fF load: the propagation delays of this gate are a few ps to a few tens of ps.
  constexpr double kDelayMinS = 1e-12;
  constexpr double kDelayMaxS = 50e-12;
  constexpr double kSwingTolV = 0.02;
  Job job{.deck = InverterDeck("pulse(0 1.2 100e-12 20e-12 20e-12 400e-12 1e-9)"),
          .commands = {"tran 1e-12 1e-9"},
          .vectors = {"time", "v(in)", "v(out)"}};
  RunResult r = Session().Run(job);
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.message;
  const auto& t = r.vectors.at("time");
  const auto& vin = r.vectors.at("v(in)");
  const auto& vout = r.vectors.at("v(out)");
  ASSERT_GT(t.size(), 100u);
  EXPECT_GT(*std::max_element(vout.begin(), vout.end()), kVdd - kSwingTolV);
  EXPECT_LT(*std::min_element(vout.begin(), vout.end()), kSwingTolV);
  const double half = kVdd / 2;
  const double in_rise = Crossing(t, vin, half, 0.0);
  const double out_fall = Crossing(t, vout, half, 0.0);
  const double in_fall = Crossing(t, vin, half, in_rise + 1e-12);
  const double out_rise = Crossing(t, vout, half, out_fall + 1e-12);
  const double tphl = out_fall - in_rise;
  const double tplh = out_rise - in_fall;
  EXPECT_GT(tphl, kDelayMinS);
  EXPECT_LT(tphl, kDelayMaxS);
  EXPECT_GT(tplh, kDelayMinS);
  EXPECT_LT(tplh, kDelayMaxS);
}

TEST(NgspiceSession, SameJobGivesBitIdenticalResults) {
  Job job{.deck = InverterDeck("pulse(0 1.2 100e-12 20e-12 20e-12 400e-12 1e-9)"),
          .commands = {"tran 1e-12 1e-9"},
          .vectors = {"time", "v(out)"}};
  RunResult a = Session().Run(job);
  RunResult b = Session().Run(job);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a.vectors, b.vectors);
}

TEST(NgspiceSession, ReusedCircuitMatchesFreshLoad) {
  // The same deck with different `alter`s: keeping the parsed circuit must give what a fresh
  // load gives, as long as each job sets every parameter it changes.
  const std::string deck = InverterDeck("pulse(0 1.2 100e-12 20e-12 20e-12 400e-12 1e-9)");
  std::vector<std::vector<double>> fresh;
  std::vector<std::vector<double>> reused;
  for (bool reuse : {false, true}) {
    for (double delvto : {0.0, 0.03, -0.02, 0.0}) {
      Job job{.deck = deck,
              .commands = {"alter @mn[delvto]=" + std::to_string(delvto), "tran 1e-12 1e-9"},
              .vectors = {"v(out)"},
              .reuse_circuit = reuse};
      RunResult r = Session().Run(job);
      ASSERT_EQ(r.outcome, Outcome::kOk) << r.message;
      (reuse ? reused : fresh).push_back(r.vectors.at("v(out)"));
    }
  }
  ASSERT_EQ(fresh.size(), reused.size());
  for (size_t i = 0; i < fresh.size(); ++i) {
    EXPECT_EQ(fresh[i], reused[i]) << "sample " << i;
  }
  EXPECT_NE(fresh[0], fresh[1]);  // the alter took effect
  EXPECT_EQ(fresh[0], fresh[3]);  // and was undone by the next job's alter
}

struct BadDeck {
  const char* name;
  std::string deck;
  std::vector<std::string> expected;  // substrings of the message
};

class NgspiceSessionBadDeck : public ::testing::TestWithParam<BadDeck> {};

TEST_P(NgspiceSessionBadDeck, IsADeckErrorNamingLineAndCause) {
  const BadDeck& bad = GetParam();
  RunResult r = Session().Run(Job{.deck = bad.deck, .commands = {"op"}, .vectors = {"v(in)"}});
  EXPECT_EQ(r.outcome, Outcome::kDeckError) << r.message;
  for (const std::string& text : bad.expected) {
    EXPECT_NE(r.message.find(text), std::string::npos)
        << "message lacks '" << text << "': " << r.message;
  }
  EXPECT_TRUE(Session().Alive());
  EXPECT_EQ(Session().CircuitCount(), 0);
  // The session goes on.
  RunResult ok =
      Session().Run(Job{.deck = testing::RcDeck(), .commands = {"op"}, .vectors = {"v(out)"}});
  EXPECT_EQ(ok.outcome, Outcome::kOk) << ok.message;
}

INSTANTIATE_TEST_SUITE_P(
    Decks,
    NgspiceSessionBadDeck,
    ::testing::Values(BadDeck{"UnknownModel",
                              testing::UnknownModelDeck(),
                              {"deck line 3: m1 out in 0 0 nosuchmodel", "nosuchmodel"}},
                      BadDeck{"MissingInclude",
                              testing::MissingIncludeDeck(),
                              {"deck line 2: .include /nonexistent/cimchar/models.lib",
                               "Could not find include file"}},
                      BadDeck{"UnknownSubcircuit",
                              testing::UnknownSubcircuitDeck(),
                              {"deck line 3: x1 in 0 nosuchcell", "unknown subckt"}}),
    [](const ::testing::TestParamInfo<BadDeck>& info) { return info.param.name; });

TEST(NgspiceSession, BadCommandIsADeckError) {
  RunResult r = Session().Run(Job{.deck = testing::RcDeck(),
                                  .commands = {"alter @nosuchdevice[w]=1", "op"},
                                  .vectors = {"v(out)"}});
  EXPECT_EQ(r.outcome, Outcome::kDeckError);
  EXPECT_NE(r.message.find("nosuchdevice"), std::string::npos) << r.message;
}

TEST(NgspiceSession, MissingVectorIsADeckError) {
  RunResult r = Session().Run(
      Job{.deck = testing::RcDeck(), .commands = {"op"}, .vectors = {"v(nosuchnode)"}});
  EXPECT_EQ(r.outcome, Outcome::kDeckError);
  EXPECT_NE(r.message.find("v(nosuchnode)"), std::string::npos) << r.message;
}

TEST(NgspiceSession, NonConvergenceIsAnOutcome) {
  RunResult r = Session().Run(Job{.deck = testing::NonConvergentDeck(),
                                  .commands = {"tran 1e-11 5e-9"},
                                  .vectors = {"v(out)"}});
  EXPECT_EQ(r.outcome, Outcome::kNoConvergence) << r.message;
  EXPECT_NE(r.message.find("Timestep too small"), std::string::npos) << r.message;
  EXPECT_TRUE(Session().Alive());
}

TEST(NgspiceSession, HangingRunTimesOutAndSessionGoesOn) {
  constexpr double kTimeoutS = 1.0;
  // The run asks for 1e15 time steps (hours); the session must stop it near kTimeoutS. The
  // deadline is loose enough for a busy machine (ctest -j on shared cores).
  constexpr double kDeadlineS = 30.0;
  const auto start = std::chrono::steady_clock::now();
  RunResult r = Session().Run(Job{.deck = testing::RcDeck(),
                                  .commands = {"tran 1e-15 1"},
                                  .vectors = {"v(out)"},
                                  .timeout_s = kTimeoutS});
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.outcome, Outcome::kTimeout) << r.message;
  EXPECT_GE(elapsed, kTimeoutS);
  EXPECT_LT(elapsed, kDeadlineS);
  ASSERT_TRUE(Session().Alive());
  RunResult ok =
      Session().Run(Job{.deck = testing::RcDeck(), .commands = {"op"}, .vectors = {"v(out)"}});
  EXPECT_EQ(ok.outcome, Outcome::kOk) << ok.message;
}

long ResidentKiB() {
  std::ifstream statm("/proc/self/statm");
  long size = 0;
  long resident = 0;
  statm >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

TEST(NgspiceSession, HundredsOfRunsLeakNoState) {
  // Memory of a long sweep must stay flat: no plots, circuits or vectors left behind.
  constexpr int kWarmUp = 30;
  constexpr int kRuns = 300;
  constexpr long kMaxGrowthKiB = 4096;
  long rss_after_warm_up = 0;
  for (int i = 0; i < kRuns; ++i) {
    if (i == kWarmUp) {
      rss_after_warm_up = ResidentKiB();
    }
    RunResult r = Session().Run(Job{.deck = testing::RcDeck(1e3 + i),
                                    .commands = {"tran 1e-10 2e-8"},
                                    .vectors = {"time", "v(out)"}});
    ASSERT_EQ(r.outcome, Outcome::kOk) << r.message;
    ASSERT_EQ(Session().PlotNames(), std::vector<std::string>{"const"}) << "run " << i;
  }
  EXPECT_EQ(Session().CircuitCount(), 0);
#ifdef __SANITIZE_ADDRESS__
  GTEST_SKIP() << "RSS bound not checked under AddressSanitizer (its quarantine holds freed "
                  "memory); LeakSanitizer checks leaks instead";
#endif
  const long growth = ResidentKiB() - rss_after_warm_up;
  EXPECT_LT(growth, kMaxGrowthKiB)
      << "RSS grew by " << growth << " KiB over " << kRuns - kWarmUp << " runs";
}

}  // namespace
}  // namespace cimchar::spice
