#pragma once

// Starting `cimchar` (directly or under mpirun) from the distribution tests: output captured in
// files, optional extra environment, waiting with a deadline, and finding the process of one
// MPI rank by its environment.

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace cimchar::distribute::testing {

inline std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Outcome {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

inline std::string Describe(const Outcome& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

// A started process whose stdout/stderr go to files.
struct Started {
  pid_t pid = -1;
  std::filesystem::path out;
  std::filesystem::path err;
};

// Starts argv[0] with `argv` and the extra environment `env` (NAME=VALUE).
inline Started Start(const std::vector<std::string>& argv,
                     const std::filesystem::path& log_stem,
                     const std::vector<std::string>& env = {}) {
  Started s;
  s.out = log_stem.string() + ".out";
  s.err = log_stem.string() + ".err";
  std::vector<std::string> args = argv;
  std::vector<char*> c_args;
  for (auto& a : args) {
    c_args.push_back(a.data());
  }
  c_args.push_back(nullptr);
  s.pid = ::fork();
  if (s.pid == 0) {
    for (const auto& e : env) {
      const auto eq = e.find('=');
      ::setenv(e.substr(0, eq).c_str(), e.substr(eq + 1).c_str(), 1);
    }
    const int fo = ::open(s.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int fe = ::open(s.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fo < 0 || fe < 0) {
      _exit(127);
    }
    ::dup2(fo, STDOUT_FILENO);
    ::dup2(fe, STDERR_FILENO);
    ::execv(c_args[0], c_args.data());
    _exit(127);
  }
  return s;
}

inline Outcome Wait(const Started& s) {
  int status = 0;
  ::waitpid(s.pid, &status, 0);
  Outcome r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadText(s.out);
  r.err = ReadText(s.err);
  return r;
}

inline Outcome Run(const std::vector<std::string>& argv,
                   const std::filesystem::path& log_stem,
                   const std::vector<std::string>& env = {}) {
  return Wait(Start(argv, log_stem, env));
}

inline std::string ReadProc(pid_t pid, const char* what) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + what, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline pid_t ParentOf(pid_t pid) {
  std::istringstream stat(ReadProc(pid, "stat"));
  std::string skip;
  pid_t ppid = -1;
  // pid (comm) state ppid: comm has no spaces for the processes looked at here.
  stat >> skip >> skip >> skip >> ppid;
  return ppid;
}

// The process of MPI rank `rank` whose command line contains `marker` (its worker-pool
// processes, forked from it, have the same environment and command line: the one asked for is
// the one whose parent is not among them). -1 when there is none.
inline pid_t FindRank(int rank, const std::string& marker) {
  std::set<pid_t> matches;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) {
    return -1;
  }
  const std::string want = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
  while (const dirent* e = ::readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) {
      continue;
    }
    const std::string cmdline = ReadProc(pid, "cmdline");
    if (cmdline.find(marker) == std::string::npos) {
      continue;
    }
    const std::string environ = ReadProc(pid, "environ");
    std::istringstream vars(environ);
    for (std::string var; std::getline(vars, var, '\0');) {
      if (var == want) {
        matches.insert(pid);
        break;
      }
    }
  }
  ::closedir(proc);
  for (const pid_t pid : matches) {
    if (!matches.contains(ParentOf(pid))) {
      return pid;
    }
  }
  return -1;
}

// Waits until `file` holds at least `bytes` bytes; false when `pid` ended or 60 s passed first.
inline bool WaitForBytes(pid_t pid, const std::filesystem::path& file, std::uintmax_t bytes) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
        info.si_pid == pid) {
      return false;  // ended (not reaped: Wait still reports how)
    }
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (!ec && size >= bytes) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace cimchar::distribute::testing
