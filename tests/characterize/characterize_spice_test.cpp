// Characterization runs on the real ngspice (label `ngspice`): determinism across worker counts,
// SIGKILL and Ctrl-C of the real `cimchar characterize` followed by --resume, the file read by a
// third-party reader (h5py), failure paths through the real recipe loader and CLI, samples whose
// ngspice crashes or meets a singular matrix, and physics sanity of the analog path (Pelgrom
// scaling of the static sigma, energy ~ V^2). The recipe is small
// (tests/characterize/data/apath_small.ini) so the whole target runs in well under 90 s on two
// cores.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "characterize/benches/chain.h"
#include "characterize/recipe.h"
#include "characterize/run.h"
#include "core/error.h"
#include "core/paths.h"
#include "lut/store.h"

namespace cimchar::characterize {
namespace {

namespace fs = std::filesystem;
const fs::path kData = CIMCHAR_TEST_DATA;
const fs::path kRecipe = kData / "apath_small.ini";
const char* const kCimchar = CIMCHAR_BIN;

// Bands of the physics checks (stated here, asserted below).
// Pelgrom: sigma ∝ A / sqrt(W·L); halving every coefficient is 4x the area of every device and
// capacitor, so the static sigma of the line must halve: 0.5 within ±0.1.
constexpr double kPelgromRatio = 0.5;
constexpr double kPelgromTol = 0.1;
// The physics checks of static sigma integrate tightly (recipe key spice_options), so that the
// integration error is far below the mismatch they measure.
constexpr const char* kTightIntegration = "reltol=1e-6";
// 4x c_sample, c_line and the ADC's unit capacitor (capacitor mismatch only; the ADC's switches
// scale with its capacitors): each capacitor's sigma(C)/C halves, but
// the line's sigma shrinks by less than that because the switches' junction capacitance on the line
// does not scale with c_sample. Band: clearly smaller, at most 0.8 and at least 0.4.
constexpr double kCapRatioMin = 0.4;
constexpr double kCapRatioMax = 0.8;
// Energy per op vs supply: CV^2 predicts (1.0/0.6)^2 = 2.78 for E(1.0 V)/E(0.6 V); short-circuit
// and leakage currents grow faster than V^2 and the line settles to a smaller share of a low
// supply, so the band is [0.85, 1.4] times the V^2 ratio.
constexpr double kEnergyBandLo = 0.85;
constexpr double kEnergyBandHi = 1.4;

fs::path TempDir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("cimchar_spice_test_" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

// Removes the scratch folder after a run where every test passed (kept for a look otherwise).
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

std::string ReadText(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Starts `cimchar args...` with stdout/stderr going to files. In its own process group when
// `own_group`, so a test can send Ctrl-C to it and its ngspice workers like a terminal does.
pid_t Spawn(const std::vector<std::string>& args,
            const fs::path& out,
            const fs::path& err,
            bool own_group) {
  std::vector<std::string> argv_s = {kCimchar};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (own_group) {
      ::setpgid(0, 0);
    }
    const int fo = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int fe = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fo < 0 || fe < 0) {
      _exit(127);
    }
    ::dup2(fo, STDOUT_FILENO);
    ::dup2(fe, STDERR_FILENO);
    ::execv(kCimchar, argv.data());
    _exit(127);
  }
  if (pid > 0 && own_group) {
    ::setpgid(pid, pid);  // also here, so the group exists before the parent signals it
  }
  return pid;
}

struct CliResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

CliResult Finish(pid_t pid, const fs::path& out, const fs::path& err) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadText(out);
  r.err = ReadText(err);
  return r;
}

CliResult Cli(const std::vector<std::string>& args) {
  static int n = 0;
  const fs::path out = TempDir() / ("cli_" + std::to_string(n) + ".out");
  const fs::path err = TempDir() / ("cli_" + std::to_string(n++) + ".err");
  return Finish(Spawn(args, out, err, false), out, err);
}

std::string Describe(const CliResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

// Waits until `h5` exists (the journal header is then complete) and the journal has grown by at
// least `bytes` since: some samples are journaled. False when the process ended first.
bool WaitForJournaledSamples(pid_t pid, const fs::path& h5, std::uintmax_t bytes) {
  const fs::path journal = h5.string() + ".journal";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::uintmax_t start = 0;
  bool started = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, nullptr, WNOHANG) != 0) {
      return false;
    }
    std::error_code ec;
    if (!started && fs::exists(h5, ec)) {
      start = fs::file_size(journal, ec);
      started = !ec;
    }
    if (started) {
      const std::uintmax_t size = fs::file_size(journal, ec);
      if (!ec && size >= start + bytes) {
        return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

void ExpectSameData(const fs::path& a, const fs::path& b) {
  const lut::Store sa = lut::Store::Open(a);
  const lut::Store sb = lut::Store::Open(b);
  ASSERT_TRUE(sa.complete()) << a;
  ASSERT_TRUE(sb.complete()) << b;
  EXPECT_EQ(sa.records(), sb.records()) << "raw records differ: " << a << " vs " << b;
  const auto qa = sa.Quantities();
  ASSERT_EQ(qa.size(), sb.Quantities().size());
  for (const auto& q : qa) {
    EXPECT_TRUE(sa.ReadTable(q.quantity, q.statistic) == sb.ReadTable(q.quantity, q.statistic))
        << q.quantity << "/" << lut::StatisticName(q.statistic) << " differs";
  }
  EXPECT_EQ(sa.provenance().recipe_text, sb.provenance().recipe_text);
  EXPECT_EQ(sa.provenance().input_sha256, sb.provenance().input_sha256);
}

RunSummary RunLibrary(const std::map<std::string, std::string>& overrides,
                      const fs::path& out,
                      int jobs) {
  const Recipe recipe = LoadRecipe(kRecipe, "", overrides);
  RunOptions o;
  o.jobs = jobs;
  o.out = out;
  o.progress = false;
  return RunCharacterization(recipe, o);
}

// The values of a quantity statistic, row-major over (corner, vdd, temp, code).
std::vector<double> Values(const fs::path& file, const char* quantity, lut::Statistic stat) {
  return lut::Store::Open(file).ReadTable(quantity, stat).values();
}

TEST(CharacterizeSpice, SameDataForOneAndTwoWorkers) {
  const fs::path j1 = TempDir() / "det_j1.h5";
  const fs::path j2 = TempDir() / "det_j2.h5";
  const RunSummary s1 = RunLibrary({}, j1, 1);
  const RunSummary s2 = RunLibrary({}, j2, 2);
  EXPECT_EQ(s1.samples_total, 2u * 6u);
  EXPECT_EQ(s1.failed, 0u);
  EXPECT_EQ(s2.failed, 0u);
  EXPECT_GT(s1.analysis_s, 0.0) << "ngspice's analysis time is not reported";
  ExpectSameData(j1, j2);
  // Mismatch reaches the circuit: the dies differ.
  const auto sigma = Values(j1, "apath/line_v", lut::Statistic::kStaticSigma);
  EXPECT_GT(sigma.at(1), 0.0);
}

TEST(CharacterizeSpice, CliResumeAfterSigkillAndCtrlCEqualsAnUninterruptedRun) {
  // 2 supplies x 8 samples of a 4-row line: long enough to interrupt after a few journaled
  // samples, short enough for three runs and two resumes.
  const std::vector<std::string> base = {"characterize", kRecipe.string(), "--samples=8",
                                         "--apath.rows=4", "--no-progress"};
  auto args = [&](const fs::path& out, const std::string& jobs) {
    std::vector<std::string> a = base;
    a.push_back("--jobs=" + jobs);
    a.push_back("--out=" + out.string());
    return a;
  };
  constexpr std::uintmax_t kSomeRecords = 300;  // one or two records of this bench

  const fs::path whole = TempDir() / "whole.h5";
  const CliResult w = Cli(args(whole, "2"));
  ASSERT_EQ(w.exit_code, 0) << Describe(w);

  // SIGKILL of the CLI (its workers die with it), then --resume with another worker count.
  const fs::path killed = TempDir() / "killed.h5";
  const pid_t pid = Spawn(args(killed, "2"), TempDir() / "killed.out", TempDir() / "killed.err",
                          /*own_group=*/false);
  ASSERT_TRUE(WaitForJournaledSamples(pid, killed, kSomeRecords))
      << "the run ended before samples were journaled: " << ReadText(TempDir() / "killed.err");
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_TRUE(fs::exists(killed.string() + ".journal"));
  EXPECT_FALSE(lut::Store::Open(killed).complete());  // the snapshot on disk stays readable

  const CliResult again = Cli(args(killed, "1"));
  EXPECT_EQ(again.exit_code, 2) << Describe(again);
  EXPECT_NE(again.err.find("--resume"), std::string::npos) << again.err;

  std::vector<std::string> resume = args(killed, "1");
  resume.push_back("--resume");
  const CliResult r = Cli(resume);
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.out.find("(0 run now"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(", 0 from the journal)"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(killed.string() + ".journal"));
  ExpectSameData(whole, killed);

  // Ctrl-C (SIGINT to the process group, as a terminal sends it): exit 130 and a message with
  // the command that resumes; that command finishes the run.
  const fs::path stopped = TempDir() / "stopped.h5";
  const fs::path err = TempDir() / "stopped.err";
  const pid_t cpid = Spawn(args(stopped, "2"), TempDir() / "stopped.out", err, true);
  ASSERT_TRUE(WaitForJournaledSamples(cpid, stopped, kSomeRecords)) << ReadText(err);
  ::kill(-cpid, SIGINT);
  const CliResult c = Finish(cpid, TempDir() / "stopped.out", err);
  ASSERT_EQ(c.exit_code, 130) << Describe(c);
  EXPECT_NE(c.err.find("interrupted"), std::string::npos) << c.err;
  EXPECT_NE(c.err.find(stopped.string() + ".journal"), std::string::npos) << c.err;
  const std::string kHint = "resume with:  cimchar ";
  const auto at = c.err.find(kHint);
  ASSERT_NE(at, std::string::npos) << c.err;
  const std::string line =
      c.err.substr(at + kHint.size(), c.err.find('\n', at) - at - kHint.size());
  std::vector<std::string> hinted;
  std::istringstream words(line);
  for (std::string word; words >> word;) {
    hinted.push_back(word);
  }
  ASSERT_FALSE(hinted.empty());
  EXPECT_EQ(hinted.back(), "--resume") << line;
  const CliResult cr = Cli(hinted);
  ASSERT_EQ(cr.exit_code, 0) << Describe(cr);
  ExpectSameData(whole, stopped);
}

TEST(CharacterizeSpice, H5pyReadsARealRun) {
  const fs::path python = CIMCHAR_SYSTEM_PYTHON;
  ASSERT_TRUE(!python.empty() && fs::exists(python))
      << "no /usr/bin/python3: install python3 and python3-h5py (tools/deps.sh)";
  const fs::path out = TempDir() / "h5py.h5";
  const CliResult r =
      Cli({"characterize", kRecipe.string(), "--jobs=2", "--no-progress", "--out=" + out.string()});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const std::string cmd = python.string() + " " + CIMCHAR_CHECK_APATH_STORE + " " + out.string();
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;

  const CliResult inspect = Cli({"inspect", out.string()});
  ASSERT_EQ(inspect.exit_code, 0) << Describe(inspect);
  EXPECT_NE(inspect.out.find("complete"), std::string::npos) << inspect.out;
  EXPECT_NE(inspect.out.find("apath/line_v"), std::string::npos) << inspect.out;
}

TEST(CharacterizeSpice, CliRejectsBadRecipesBeforeRunning) {
  struct Case {
    std::vector<std::string> extra;
    std::string expect;  // in the message
  };
  const fs::path bad_key = TempDir() / "bad_key.ini";
  std::ofstream(bad_key) << "bench = apath\nsamplez = 3\n";
  const fs::path bad_bench = TempDir() / "bad_bench.ini";
  std::ofstream(bad_bench) << "bench = nosuch\n";
  const fs::path bad_section = TempDir() / "bad_section.ini";
  std::ofstream(bad_section) << "bench = apath\n[apath]\nrowz = 4\n";
  const std::vector<std::pair<fs::path, Case>> cases = {
      {kRecipe, {{"--vdd=-0.5"}, "-0.5"}},
      {kRecipe, {{"--vdd=0.6,abc"}, "'abc'"}},
      {kRecipe, {{"--corners=tt xx"}, "unknown corner 'xx'"}},
      {kRecipe, {{"--samples=0"}, "samples must be >= 1"}},
      {kRecipe, {{"--samples=2.5"}, "whole number"}},
      {kRecipe, {{"--temp=-300"}, "temperature"}},
      {kRecipe, {{"--apath.nosuch=1"}, "apath.nosuch"}},
      {kRecipe, {{"--apath.rows=0"}, "apath.rows"}},
      {kRecipe, {{"--mismatch.scale=-1"}, "mismatch.scale"}},
      {kRecipe, {{"--profile=slow"}, "no profile 'slow'"}},
      {kRecipe, {{"--jobs=0"}, "--jobs"}},
      {kRecipe, {{"--resume"}, "no interrupted run to resume"}},
      {kRecipe, {{"--frobnicate=1"}, "frobnicate"}},
      {bad_key, {{}, "unknown key 'samplez'"}},
      {bad_bench, {{}, "nosuch"}},
      {bad_section, {{}, "apath.rowz"}},
      {TempDir() / "missing.ini", {{}, "missing.ini"}},
  };
  int n = 0;
  for (const auto& [recipe, c] : cases) {
    const fs::path out = TempDir() / ("bad_" + std::to_string(n++) + ".h5");
    std::vector<std::string> args = {"characterize", recipe.string(), "--no-progress",
                                     "--out=" + out.string()};
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    const CliResult r = Cli(args);
    const std::string what =
        recipe.filename().string() + " " + (c.extra.empty() ? std::string() : c.extra.front());
    EXPECT_EQ(r.exit_code, 2) << what << "\n" << Describe(r);
    EXPECT_NE(r.err.find(c.expect), std::string::npos)
        << what << ": expected '" << c.expect << "' in\n"
        << r.err;
    EXPECT_FALSE(fs::exists(out)) << what << ": an output file was written";
    EXPECT_FALSE(fs::exists(out.string() + ".journal")) << what << ": a journal was written";
  }
  // Recipe-file errors name the file.
  const CliResult r = Cli({"characterize", bad_key.string(), "--no-progress"});
  EXPECT_NE(r.err.find(bad_key.string()), std::string::npos) << r.err;
}

TEST(CharacterizeSpice, InspectNamesACorruptFile) {
  const fs::path good = TempDir() / "tiny.h5";
  const CliResult run = Cli({"characterize", kRecipe.string(), "--profile=tiny", "--no-progress",
                             "--out=" + good.string()});
  ASSERT_EQ(run.exit_code, 0) << Describe(run);
  ASSERT_EQ(Cli({"inspect", good.string()}).exit_code, 0);

  const auto size = fs::file_size(good);
  struct Case {
    std::string name;
    std::function<void(const fs::path&)> corrupt;
  };
  const std::vector<Case> cases = {
      {"truncated_half.h5",
       [&](const fs::path& p) {
         fs::copy_file(good, p);
         fs::resize_file(p, size / 2);
       }},
      {"truncated_head.h5",
       [&](const fs::path& p) {
         fs::copy_file(good, p);
         fs::resize_file(p, 100);
       }},
      {"empty.h5", [](const fs::path& p) { std::ofstream(p).flush(); }},
      {"text.h5", [](const fs::path& p) { std::ofstream(p) << "not an HDF5 file\n"; }},
      {"missing.h5", [](const fs::path&) {}},
  };
  for (const auto& c : cases) {
    const fs::path p = TempDir() / c.name;
    c.corrupt(p);
    const CliResult r = Cli({"inspect", p.string()});
    EXPECT_EQ(r.exit_code, 1) << c.name << "\n" << Describe(r);
    EXPECT_NE(r.err.find(p.string()), std::string::npos)
        << c.name << ": the error does not name the file:\n"
        << r.err;
    EXPECT_LT(r.err.size(), 2000u) << c.name << ": the error is not short:\n" << r.err;
  }
}

// A bench on the real ngspice whose axis `case` picks a deck: 0 a healthy RC low-pass, 1 the
// same with a second voltage source in parallel with the first (a loop of voltage sources: the
// matrix is singular at every gmin and source step), 2 the healthy deck whose analysis starts
// with `altermod` without arguments, which makes ngspice 39 segfault.
class FaultBench : public Bench {
 public:
  std::string Name() const override { return "faults"; }
  std::vector<BenchAxis> Axes() const override { return {{"case", "1", {0, 1, 2}}}; }
  std::vector<Column> Columns() const override { return {{"out_v", "V"}}; }
  std::string Deck(const GridPoint& p, std::vector<fs::path>&) const override {
    std::ostringstream d;
    d << "rc low-pass, case " << p.block[0] << "\nv1 in 0 pulse(0 " << p.vdd_v
      << " 1e-10 1e-11 1e-11 1 2)\n"
      << (p.block[0] == 1 ? "v2 in 0 0.5\n" : "") << "r1 in out 1000\nc1 out 0 1e-13\n.end\n";
    return d.str();
  }
  std::vector<std::string> Analysis(const GridPoint& p) const override {
    if (p.block[0] == 2) {
      return {"altermod", "tran 1e-11 1e-9"};
    }
    return {"tran 1e-11 1e-9"};
  }
  std::vector<std::string> Vectors(const GridPoint&) const override { return {"v(out)"}; }
  std::vector<double> Measure(const GridPoint&, const spice::RunResult& r) const override {
    return {r.vectors.at("v(out)").back()};
  }
};

#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer's handler catches the worker's segfault and ends it with exit status 1.
constexpr const char* kCrashText = "exited with status 1";
#else
constexpr const char* kCrashText = "killed by signal SIGSEGV";
#endif

TEST(CharacterizeSpice, ACrashedOrSingularSampleCostsOnlyItselfWithItsReason) {
  constexpr int kSamples = 3;
  const Recipe recipe =
      LoadRecipe(kRecipe, "", {{"vdd", "1.0"}, {"samples", std::to_string(kSamples)}});
  RunOptions o;
  o.jobs = 2;
  o.out = TempDir() / "faults.h5";
  o.progress = false;
  o.bench = std::make_shared<FaultBench>();
  const RunSummary s = RunCharacterization(recipe, o);
  EXPECT_FALSE(s.interrupted);
  EXPECT_EQ(s.samples_run, 3u * kSamples);
  EXPECT_EQ(s.failed, 2u * kSamples);
  EXPECT_EQ(s.retried, 2u * kSamples);  // each singular sample climbs the two relaxed rungs
  EXPECT_EQ(s.failures_by_reason.at("no-convergence"), 1u * kSamples);
  EXPECT_EQ(s.failures_by_reason.at("fatal"), 1u * kSamples);

  const lut::Store store = lut::Store::Open(o.out);
  ASSERT_TRUE(store.complete());
  for (const lut::Record& r : store.records()) {
    const std::string where = "grid point " + std::to_string(r.grid_point) + ", sample " +
                              std::to_string(r.sample) + ": " + r.reason;
    switch (r.grid_point) {
      case 0:  // healthy: charged to about the supply
        ASSERT_EQ(r.status, lut::SampleStatus::kOk) << where;
        EXPECT_GT(r.values.at(0), 0.9) << where;
        break;
      case 1:
        ASSERT_EQ(r.status, lut::SampleStatus::kFailed) << where;
        EXPECT_EQ(r.reason.rfind("no-convergence: ", 0), 0u) << where;
        EXPECT_NE(r.reason.find("singular matrix"), std::string::npos) << where;
        break;
      default:
        ASSERT_EQ(r.status, lut::SampleStatus::kFailed) << where;
        EXPECT_EQ(r.reason.rfind("fatal: worker pid ", 0), 0u) << where;
        EXPECT_NE(r.reason.find(kCrashText), std::string::npos) << where;
    }
  }
  // The healthy grid point still has its tables; the failed ones are marked missing.
  const auto mean = store.ReadTable("faults/out_v", lut::Statistic::kMean).values();
  ASSERT_EQ(mean.size(), 3u);
  EXPECT_GT(mean[0], 0.9);
  EXPECT_TRUE(std::isnan(mean[1]) && std::isnan(mean[2]));
}

TEST(CharacterizeSpice, StaticSigmaHalvesWithFourTimesTheDeviceArea) {
  // Pelgrom: sigma = A / sqrt(W·L) for transistors and capacitors alike, so halving every
  // coefficient (A_VT, A_beta, capacitor sigma at 1 fF) is the same as 4x the area of every
  // device. Same seed and samples: each die keeps its normalised deviations, only their size
  // changes. One supply, 6 dies, integrated at reltol 1e-6 without bypass: at the bench's
  // default 1e-4 the integration error of the line, different in every sample, is 3-4x the
  // mismatch sigma at code 0 of an 8-row line (and 0.05 mV remain at 1e-5), so the sigma would
  // not follow the area. A 4-row line: fewer rows average less mismatch away.
  const fs::path small = TempDir() / "pelgrom_1x.h5";
  const fs::path large = TempDir() / "pelgrom_4x.h5";
  const std::map<std::string, std::string> common = {
      {"vdd", "1.0"}, {"samples", "6"}, {"apath.rows", "4"}, {"spice_options", kTightIntegration}};
  auto with_scale = [&](const char* scale) {
    auto o = common;
    o["mismatch.scale"] = scale;
    return o;
  };
  ASSERT_EQ(RunLibrary(with_scale("1"), small, 2).failed, 0u);
  ASSERT_EQ(RunLibrary(with_scale("0.5"), large, 2).failed, 0u);
  const auto s1 = Values(small, "apath/line_v", lut::Statistic::kStaticSigma);
  const auto s4 = Values(large, "apath/line_v", lut::Statistic::kStaticSigma);
  ASSERT_EQ(s1.size(), 2u);  // codes 0 and 15
  for (std::size_t f = 0; f < s1.size(); ++f) {
    ASSERT_GT(s1[f], 0.0);
    EXPECT_NEAR(s4[f] / s1[f], kPelgromRatio, kPelgromTol)
        << "code index " << f << ": sigma " << s1[f] << " V at 1x area, " << s4[f] << " V at 4x";
  }
}

TEST(CharacterizeSpice, StaticSigmaShrinksWithLargerSamplingCapacitors) {
  // Capacitor mismatch only; 4x every capacitor of the line; tight integration as above.
  const fs::path small = TempDir() / "cap_1x.h5";
  const fs::path large = TempDir() / "cap_4x.h5";
  const std::map<std::string, std::string> common = {
      {"vdd", "1.0"},        {"samples", "6"},        {"apath.rows", "4"},
      {"mismatch.avt", "0"}, {"mismatch.abeta", "0"}, {"spice_options", kTightIntegration}};
  // At 1x: c_sample 2 fF, c_line 2 fF, the ADC's default 2 fF unit (its 48 fF sampling capacitor
  // holds most of the line's charge, so it is scaled too).
  auto with_caps = [&](double k) {
    auto farads = [](double c) {
      std::ostringstream s;
      s << c;
      return s.str();
    };
    auto o = common;
    o["apath.c_sample"] = farads(2e-15 * k);
    o["apath.c_line"] = farads(2e-15 * k);
    o["apath.adc_c_unit"] = farads(2e-15 * k);
    return o;
  };
  ASSERT_EQ(RunLibrary(with_caps(1.0), small, 2).failed, 0u);
  ASSERT_EQ(RunLibrary(with_caps(4.0), large, 2).failed, 0u);
  const auto s1 = Values(small, "apath/line_v", lut::Statistic::kStaticSigma);
  const auto s4 = Values(large, "apath/line_v", lut::Statistic::kStaticSigma);
  ASSERT_EQ(s1.size(), 2u);
  for (std::size_t f = 1; f < s1.size(); ++f) {  // at code 0 no row holds charge
    ASSERT_GT(s1[f], 0.0);
    const double ratio = s4[f] / s1[f];
    EXPECT_GE(ratio, kCapRatioMin) << "code index " << f;
    EXPECT_LE(ratio, kCapRatioMax)
        << "code index " << f << ": sigma " << s1[f] << " V at 1x, " << s4[f] << " V at 4x";
  }
}

TEST(CharacterizeSpice, EnergyPerOpGrowsAsTheSupplySquared) {
  const fs::path out = TempDir() / "energy.h5";
  ASSERT_EQ(
      RunLibrary({{"vdd", "0.6 1.0"}, {"samples", "1"}, {"mismatch.scale", "0"}}, out, 2).failed,
      0u);
  const auto e = Values(out, "apath/energy_op_j", lut::Statistic::kMean);
  ASSERT_EQ(e.size(), 2u * 2u);  // (vdd, code)
  const double v2 = (1.0 / 0.6) * (1.0 / 0.6);
  for (std::size_t f = 0; f < 2; ++f) {
    ASSERT_GT(e[f], 0.0);
    const double ratio = e[2 + f] / e[f];
    EXPECT_GE(ratio, kEnergyBandLo * v2) << "code index " << f << ": E(1.0)/E(0.6) = " << ratio;
    EXPECT_LE(ratio, kEnergyBandHi * v2) << "code index " << f << ": E(1.0)/E(0.6) = " << ratio;
  }
}

// The column's ADC converting in a second run of its own (the default) gives what it gives in
// the column's circuit: the same codes on the same dies, the same held line voltages.
TEST(CharacterizeSpice, TheColumnsAdcConvertsAloneAsInTheColumn) {
  // Four vectors of uniform operands (per row W ~ Bernoulli(1/2), a uniform DAC code).
  std::vector<benches::ColumnVector> vectors;
  for (int k = 0; k < 4; ++k) {
    vectors.push_back(benches::ColumnVectors(1, 1, k, 16, 4));
  }
  std::map<std::string, std::string> overrides = {
      {"samples", "2"},
      {"vdd", "1.0"},
      {"column.rows", "16"},
      {"column.ops", benches::EncodeColumnVectors(vectors)}};
  RunOptions o;
  o.jobs = 2;
  o.progress = false;
  o.out = TempDir() / "column_separate.h5";
  RunCharacterization(LoadRecipe(core::RecipesDir() / "column.ini", "", overrides), o);
  overrides["column.adc_run"] = "joint";
  o.out = TempDir() / "column_joint.h5";
  RunCharacterization(LoadRecipe(core::RecipesDir() / "column.ini", "", overrides), o);
  const lut::Store separate = lut::Store::Open(TempDir() / "column_separate.h5");
  const lut::Store joint = lut::Store::Open(TempDir() / "column_joint.h5");
  ASSERT_EQ(separate.records().size(), 2u);
  ASSERT_EQ(joint.records().size(), 2u);
  std::set<double> codes;
  for (std::size_t d = 0; d < 2; ++d) {
    const auto& a = separate.records()[d].values;
    const auto& b = joint.records()[d].values;
    ASSERT_EQ(a.size(), 8u) << separate.records()[d].reason;
    ASSERT_EQ(b.size(), 8u) << joint.records()[d].reason;
    for (std::size_t k = 0; k < 4; ++k) {
      EXPECT_EQ(a[k], b[k]) << "die " << d << ", vector " << k << ": code";
      EXPECT_NEAR(a[4 + k], b[4 + k], 1e-4) << "die " << d << ", vector " << k << ": line (V)";
      codes.insert(a[k]);
    }
  }
  EXPECT_GT(codes.size(), 1u) << "every conversion gave one code: the comparison is blind";
}

}  // namespace
}  // namespace cimchar::characterize
