#pragma once

// The cimchar binary run as a user runs it, for the command tests: a scratch folder per test
// process (removed when every test passed), the command's exit code and captured output.

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace cimchar::cli_test {

namespace fs = std::filesystem;

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline const fs::path& Dir() {
  static const fs::path dir = [] {
    const fs::path d = fs::temp_directory_path() / ("cimchar_cli_" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

// The folder goes when every test of the process passed; a failure leaves it for a look.
class RemoveDirWhenPassed : public ::testing::Environment {
 public:
  void TearDown() override {
    if (::testing::UnitTest::GetInstance()->Passed()) {
      std::error_code ec;
      fs::remove_all(Dir(), ec);
    }
  }
};
inline ::testing::Environment* const kCleanUp =
    ::testing::AddGlobalTestEnvironment(new RemoveDirWhenPassed);

inline std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the built cimchar with `args` (stdout and stderr captured to files).
inline Result Cli(const std::vector<std::string>& args) {
  static int n = 0;  // one numbering per test process
  const fs::path out = Dir() / ("run_" + std::to_string(n) + ".out");
  const fs::path err = Dir() / ("run_" + std::to_string(n++) + ".err");
  const std::string binary = CIMCHAR_BIN;
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::freopen(out.c_str(), "w", stdout);
    std::freopen(err.c_str(), "w", stderr);
    std::vector<char*> argv = {const_cast<char*>(binary.c_str())};
    for (const auto& a : args) {
      argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    std::_Exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Read(out), Read(err)};
}

inline std::string Describe(const Result& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

// A bad option: exit code 2 and the option named in the message.
inline void ExpectRefused(const std::vector<std::string>& args, const std::string& needle) {
  const Result r = Cli(args);
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_NE(r.err.find(needle), std::string::npos) << Describe(r);
}

}  // namespace cimchar::cli_test
