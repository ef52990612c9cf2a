#include "spice/worker_pool.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <thread>

#include "core/error.h"

namespace cimchar::spice {
namespace {

using Clock = std::chrono::steady_clock;

// Exit codes of a worker process.
constexpr int kExitEngineDead = 3;    // the engine said it can run no more jobs
constexpr int kExitEngineFailed = 4;  // the factory threw
constexpr int kExitProtocol = 5;      // a malformed frame from the parent

// Frame kinds, first byte of a frame's payload.
constexpr char kFrameResult = 'R';
constexpr char kFrameStartFailed = 'E';

constexpr uint32_t kMaxFrameBytes = 1u << 30;

// --- encoding: fixed-width little-endian-as-in-memory fields (both ends are one build) -------

class Writer {
 public:
  void U8(uint8_t v) { bytes_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v) { Raw(&v, sizeof v); }
  void F64(double v) { Raw(&v, sizeof v); }
  void Str(const std::string& s) {
    U32(static_cast<uint32_t>(s.size()));
    bytes_.append(s);
  }
  void Strings(const std::vector<std::string>& v) {
    U32(static_cast<uint32_t>(v.size()));
    for (const std::string& s : v) {
      Str(s);
    }
  }
  void Doubles(const std::vector<double>& v) {
    U32(static_cast<uint32_t>(v.size()));
    Raw(v.data(), v.size() * sizeof(double));
  }
  // The payload with its 4-byte length in front.
  std::string Frame() const {
    std::string frame(sizeof(uint32_t), '\0');
    const uint32_t n = static_cast<uint32_t>(bytes_.size());
    std::memcpy(frame.data(), &n, sizeof n);
    return frame + bytes_;
  }

 private:
  void Raw(const void* p, size_t n) {
    if (n > 0) {
      bytes_.append(static_cast<const char*>(p), n);
    }
  }
  std::string bytes_;
};

class Reader {
 public:
  Reader(const char* data, size_t size) : p_(data), end_(data + size) {}
  uint8_t U8() {
    uint8_t v = 0;
    Raw(&v, sizeof v);
    return v;
  }
  uint32_t U32() {
    uint32_t v = 0;
    Raw(&v, sizeof v);
    return v;
  }
  double F64() {
    double v = 0;
    Raw(&v, sizeof v);
    return v;
  }
  std::string Str() {
    const uint32_t n = U32();
    Need(n);
    std::string s(p_, n);
    p_ += n;
    return s;
  }
  std::vector<std::string> Strings() {
    std::vector<std::string> v(U32());
    for (std::string& s : v) {
      s = Str();
    }
    return v;
  }
  std::vector<double> Doubles() {
    const uint32_t n = U32();
    Need(static_cast<size_t>(n) * sizeof(double));
    std::vector<double> v(n);
    Raw(v.data(), v.size() * sizeof(double));
    return v;
  }

 private:
  void Need(size_t n) const {
    if (static_cast<size_t>(end_ - p_) < n) {
      throw Error("WorkerPool: truncated frame from a worker (protocol error)");
    }
  }
  void Raw(void* out, size_t n) {
    Need(n);
    if (n > 0) {
      std::memcpy(out, p_, n);
    }
    p_ += n;
  }
  const char* p_;
  const char* end_;
};

std::string EncodeJob(const Job& job) {
  Writer w;
  w.Str(job.deck);
  w.Strings(job.commands);
  w.Strings(job.vectors);
  w.F64(job.timeout_s);
  w.U8(job.reuse_circuit ? 1 : 0);
  return w.Frame();
}

Job DecodeJob(const std::string& payload) {
  Reader r(payload.data(), payload.size());
  Job job;
  job.deck = r.Str();
  job.commands = r.Strings();
  job.vectors = r.Strings();
  job.timeout_s = r.F64();
  job.reuse_circuit = r.U8() != 0;
  return job;
}

std::string EncodeResult(const RunResult& result, bool alive) {
  Writer w;
  w.U8(static_cast<uint8_t>(kFrameResult));
  w.U8(alive ? 1 : 0);
  w.U8(static_cast<uint8_t>(result.outcome));
  w.Str(result.message);
  w.Strings(result.log);
  w.U32(static_cast<uint32_t>(result.vectors.size()));
  for (const auto& [name, values] : result.vectors) {
    w.Str(name);
    w.Doubles(values);
  }
  w.F64(result.analysis_s);
  w.F64(result.wall_s);
  return w.Frame();
}

RunResult DecodeResult(Reader& r, bool* alive) {
  RunResult result;
  *alive = r.U8() != 0;
  const uint8_t outcome = r.U8();
  if (outcome > static_cast<uint8_t>(Outcome::kDeckError)) {
    throw Error("WorkerPool: unknown outcome " + std::to_string(outcome) + " from a worker");
  }
  result.outcome = static_cast<Outcome>(outcome);
  result.message = r.Str();
  result.log = r.Strings();
  const uint32_t n = r.U32();
  for (uint32_t i = 0; i < n; ++i) {
    std::string name = r.Str();
    result.vectors[std::move(name)] = r.Doubles();
  }
  result.analysis_s = r.F64();
  result.wall_s = r.F64();
  return result;
}

// --- I/O that survives EINTR and never raises SIGPIPE ----------------------------------------

bool SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Blocking read of exactly n bytes; false on EOF or error.
bool ReadExactly(int fd, char* out, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t k = read(fd, out + got, n - got);
    if (k < 0 && errno == EINTR) {
      continue;
    }
    if (k <= 0) {
      return false;
    }
    got += static_cast<size_t>(k);
  }
  return true;
}

// Pops one whole frame's payload off `inbox`, if there is one.
bool PopFrame(std::string& inbox, std::string* payload) {
  if (inbox.size() < sizeof(uint32_t)) {
    return false;
  }
  uint32_t n = 0;
  std::memcpy(&n, inbox.data(), sizeof n);
  if (n > kMaxFrameBytes) {
    throw Error("WorkerPool: oversized frame (" + std::to_string(n) + " bytes) from a worker");
  }
  if (inbox.size() < sizeof(uint32_t) + n) {
    return false;
  }
  payload->assign(inbox, sizeof(uint32_t), n);
  inbox.erase(0, sizeof(uint32_t) + n);
  return true;
}

// The reason of a start-failure frame a dead worker left unread in its socket (appended to
// `inbox` first), or "" when there is none. Never blocks.
std::string StartFailureLeftIn(int fd, std::string& inbox) {
  char buffer[65536];
  for (;;) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0) {
      inbox.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    break;
  }
  std::string payload;
  if (!PopFrame(inbox, &payload) || payload.empty() || payload[0] != kFrameStartFailed) {
    return "";
  }
  Reader reader(payload.data(), payload.size());
  reader.U8();
  return reader.Str();
}

std::string DescribeStatus(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    const char* text = strsignal(sig);
    return std::string("killed by signal SIG") + (abbrev != nullptr ? abbrev : "?") + " (" +
           (text != nullptr ? text : "?") + ")";
  }
  if (WIFEXITED(status)) {
    const int code = WEXITSTATUS(status);
    std::string s = "exited with status " + std::to_string(code);
    if (code == kExitEngineDead) {
      s += " (its engine could run no more jobs)";
    } else if (code == kExitEngineFailed) {
      s += " (its engine could not be constructed)";
    } else if (code == kExitProtocol) {
      s += " (protocol error)";
    }
    return s;
  }
  return "ended with wait status " + std::to_string(status);
}

// Dies with `parent` (the process that forked this one); if it is already gone, stops now.
void DieWithParent(pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) {
    _exit(0);
  }
}

// The worker process: builds its engine, then runs jobs until the parent closes the pipe.
[[noreturn]] void WorkerMain(int fd, pid_t spawner, const EngineFactory& factory) {
  DieWithParent(spawner);
  // The spawner ignores these; a worker stops on them like any program.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  std::unique_ptr<Engine> engine;
  try {
    engine = factory();
  } catch (const std::exception& e) {
    Writer w;
    w.U8(static_cast<uint8_t>(kFrameStartFailed));
    w.Str(e.what());
    SendAll(fd, w.Frame());
    _exit(kExitEngineFailed);
  }
  for (;;) {
    uint32_t n = 0;
    if (!ReadExactly(fd, reinterpret_cast<char*>(&n), sizeof n)) {
      _exit(0);  // the parent closed the pipe: shut down
    }
    if (n > kMaxFrameBytes) {
      _exit(kExitProtocol);
    }
    std::string payload(n, '\0');
    if (!ReadExactly(fd, payload.data(), n)) {
      _exit(0);
    }
    RunResult result;
    try {
      result = engine->Run(DecodeJob(payload));
    } catch (const std::exception& e) {
      result = RunResult{};
      result.outcome = Outcome::kFatal;
      result.message = std::string("engine threw: ") + e.what();
    }
    const bool alive = engine->Alive();
    if (!SendAll(fd, EncodeResult(result, alive))) {
      _exit(0);
    }
    if (!alive) {
      _exit(kExitEngineDead);
    }
  }
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// --- the spawner: forks and reaps the workers on the pool's behalf ---------------------------
// Requests and replies are fixed-size records on a SOCK_SEQPACKET socketpair; a spawn reply
// carries the pool's end of the new worker's socket as SCM_RIGHTS.

constexpr char kSpawn = 'S';
constexpr char kRetire = 'R';
constexpr double kReapWaitS = 2.0;  // how long an exiting worker may take before SIGKILL

struct SpawnRequest {
  char op = 0;
  uint8_t kill_first = 0;
  int32_t pid = 0;  // kRetire: the worker
};

struct SpawnReply {
  int32_t pid = -1;    // kSpawn: the new worker, -1 on failure
  int32_t error = 0;   // errno of a failed spawn or reap
  int32_t status = 0;  // kRetire: the wait status
  uint8_t reaped = 0;  // kRetire: status is valid
};

bool SendReply(int fd, const SpawnReply& reply, int pass_fd) {
  iovec iov{.iov_base = const_cast<SpawnReply*>(&reply), .iov_len = sizeof reply};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (pass_fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
  }
  for (;;) {
    const ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    return n == static_cast<ssize_t>(sizeof reply);
  }
}

// Receives one reply (and the descriptor it carries, if any). False when the spawner is gone.
bool ReceiveReply(int fd, SpawnReply* reply, int* passed_fd) {
  *passed_fd = -1;
  iovec iov{.iov_base = reply, .iov_len = sizeof *reply};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = 0;
  do {
    n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); n > 0 && c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      std::memcpy(passed_fd, CMSG_DATA(c), sizeof(int));
    }
  }
  return n == static_cast<ssize_t>(sizeof *reply);
}

// Waits for `pid` to end, killing it first if asked or once kReapWaitS has passed.
SpawnReply Reap(pid_t pid, bool kill_first) {
  SpawnReply reply;
  reply.pid = pid;
  if (kill_first) {
    kill(pid, SIGKILL);
  }
  const auto deadline = Clock::now() + std::chrono::duration<double>(kReapWaitS);
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      reply.reaped = 1;
      reply.status = status;
      return reply;
    }
    if (r < 0 && errno != EINTR) {
      reply.error = errno;
      return reply;
    }
    if (r == 0 && Clock::now() >= deadline) {
      kill(pid, SIGKILL);
    }
    if (r == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
}

[[noreturn]] void SpawnerMain(int control, pid_t pool, const EngineFactory& factory) {
  DieWithParent(pool);
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  std::vector<pid_t> workers;
  for (;;) {
    SpawnRequest request;
    const ssize_t n = recv(control, &request, sizeof request, 0);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n != static_cast<ssize_t>(sizeof request)) {
      break;  // the pool closed its end: shut down
    }
    if (request.op == kRetire) {
      const SpawnReply reply = Reap(request.pid, request.kill_first != 0);
      std::erase(workers, static_cast<pid_t>(request.pid));
      SendReply(control, reply, -1);
      continue;
    }
    SpawnReply reply;
    int fds[2];
    if (request.op != kSpawn || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      reply.error = request.op != kSpawn ? EINVAL : errno;
      SendReply(control, reply, -1);
      continue;
    }
    std::fflush(nullptr);  // unwritten stdio buffers would otherwise be written again
    const pid_t self = getpid();
    const pid_t pid = fork();
    if (pid == 0) {
      close(control);
      close(fds[0]);
      WorkerMain(fds[1], self, factory);
    }
    close(fds[1]);
    if (pid < 0) {
      reply.error = errno;
    } else {
      reply.pid = pid;
      workers.push_back(pid);
    }
    SendReply(control, reply, pid > 0 ? fds[0] : -1);
    close(fds[0]);
  }
  // The pool closed the workers' sockets before its own: they are exiting.
  const auto deadline = Clock::now() + std::chrono::duration<double>(kReapWaitS);
  while (!workers.empty()) {
    for (auto it = workers.begin(); it != workers.end();) {
      const pid_t r = waitpid(*it, nullptr, WNOHANG);
      if (r == *it || (r < 0 && errno != EINTR)) {
        it = workers.erase(it);
      } else {
        if (Clock::now() >= deadline) {
          kill(*it, SIGKILL);
        }
        ++it;
      }
    }
    if (!workers.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  _exit(0);
}

}  // namespace

WorkerPool::WorkerPool(const PoolOptions& options) : WorkerPool(options, nullptr) {}

WorkerPool::WorkerPool(const PoolOptions& options, EngineFactory factory)
    : options_(options), factory_(std::move(factory)) {
  if (options_.workers < 1) {
    throw Error("WorkerPool: workers must be >= 1, got " + std::to_string(options_.workers));
  }
  if (!factory_) {
    if (NgspiceSession::InitialisedInProcess()) {
      throw Error(
          "WorkerPool: this process already initialised ngspice, and workers are forked from "
          "it; construct the pool before any NgspiceSession");
    }
    const SessionOptions session = options_.session;
    factory_ = [session] { return std::make_unique<NgspiceSession>(session); };
  }
  StartSpawner();
  workers_.resize(static_cast<size_t>(options_.workers));
  try {
    for (Worker& w : workers_) {
      Spawn(w);
    }
  } catch (...) {
    Shutdown();
    throw;
  }
}

WorkerPool::~WorkerPool() { Shutdown(); }

void WorkerPool::Shutdown() {
  // Closing a worker's pipe asks it to exit; closing the spawner's asks it to reap the workers
  // (killing those that take too long) and to exit.
  for (Worker& w : workers_) {
    if (w.fd >= 0) {
      close(w.fd);
      w.fd = -1;
    }
    w.pid = -1;
  }
  if (spawner_fd_ >= 0) {
    close(spawner_fd_);
    spawner_fd_ = -1;
  }
  while (spawner_pid_ > 0) {
    const pid_t r = waitpid(spawner_pid_, nullptr, 0);
    if (r == spawner_pid_ || (r < 0 && errno != EINTR)) {
      spawner_pid_ = -1;
    }
  }
}

void WorkerPool::StartSpawner() {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    throw Error(std::string("WorkerPool: socketpair failed: ") + std::strerror(errno));
  }
  std::fflush(nullptr);  // unwritten stdio buffers would otherwise be written again
  const pid_t self = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    close(fds[0]);
    close(fds[1]);
    throw Error(std::string("WorkerPool: fork failed: ") + std::strerror(err) +
                " (too many processes or not enough memory?)");
  }
  if (pid == 0) {
    close(fds[0]);
    SpawnerMain(fds[1], self, factory_);
  }
  close(fds[1]);
  spawner_pid_ = pid;
  spawner_fd_ = fds[0];
}

namespace {

// One request to the spawner and its reply. Throws cimchar::Error when the spawner is gone.
SpawnReply AskSpawner(int fd, pid_t spawner, const SpawnRequest& request, int* passed_fd) {
  SpawnReply reply;
  ssize_t n = 0;
  do {
    n = send(fd, &request, sizeof request, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof request) || !ReceiveReply(fd, &reply, passed_fd)) {
    throw Error("WorkerPool: the spawner process (pid " + std::to_string(spawner) +
                ") that starts the workers is gone; was it killed?");
  }
  return reply;
}

}  // namespace

void WorkerPool::Spawn(Worker& worker) {
  int fd = -1;
  const SpawnReply reply = AskSpawner(spawner_fd_, spawner_pid_, SpawnRequest{.op = kSpawn}, &fd);
  if (reply.pid <= 0 || fd < 0) {
    if (fd >= 0) {
      close(fd);
    }
    throw Error(std::string("WorkerPool: cannot start a worker: ") + std::strerror(reply.error) +
                " (too many processes or not enough memory?)");
  }
  worker = Worker{};
  worker.pid = reply.pid;
  worker.fd = fd;
}

std::string WorkerPool::Retire(Worker& worker, bool kill_first) {
  if (worker.fd >= 0) {
    close(worker.fd);
    worker.fd = -1;
  }
  std::string how = "state unknown";
  if (worker.pid > 0) {
    int unused = -1;
    const SpawnReply reply = AskSpawner(
        spawner_fd_, spawner_pid_,
        SpawnRequest{
            .op = kRetire, .kill_first = kill_first ? uint8_t{1} : uint8_t{0}, .pid = worker.pid},
        &unused);
    how = reply.reaped != 0 ? DescribeStatus(reply.status)
                            : std::string("could not be reaped: ") + std::strerror(reply.error);
  }
  worker.pid = -1;
  worker.busy = false;
  worker.inbox.clear();
  return how;
}

void WorkerPool::Replace(Worker& worker, bool kill_first, std::string* how_it_ended) {
  std::string how = Retire(worker, kill_first);
  if (how_it_ended != nullptr) {
    *how_it_ended = std::move(how);
  }
  ++replaced_workers_;
  Spawn(worker);
}

void WorkerPool::RunAll(const std::vector<Job>& jobs, const ResultCallback& on_done) {
  size_t next = 0;
  Stream(
      [&](Job& job, std::uint64_t& id) {
        if (next >= jobs.size()) {
          return false;
        }
        job = jobs[next];
        id = next++;
        return true;
      },
      [&](std::uint64_t id, RunResult&& result) {
        on_done(static_cast<size_t>(id), std::move(result));
      });
}

void WorkerPool::Stream(const JobSource& next,
                        const StreamCallback& on_done,
                        const std::function<void()>& on_tick,
                        double tick_s) {
  // On an exception (a callback threw, a worker could not start) no busy worker may keep a
  // stale job.
  struct BusyGuard {
    WorkerPool* pool;
    bool armed = true;
    ~BusyGuard() {
      if (!armed) {
        return;
      }
      for (Worker& w : pool->workers_) {
        if (w.busy) {
          try {
            pool->Replace(w, true);
          } catch (...) {
          }
        }
      }
    }
  } guard{this};

  auto last_tick = Clock::now();
  auto tick = [&] {
    last_tick = Clock::now();
    if (on_tick) {
      on_tick();
    }
  };
  // Reports the job a worker held as lost, replaces the worker (killing it if asked).
  auto lose = [&](Worker& w, bool kill_first, Outcome outcome, const std::string& why) {
    const std::uint64_t id = w.job;
    const auto started = w.started;
    const pid_t pid = w.pid;
    std::string how;
    Replace(w, kill_first, &how);
    RunResult r;
    r.outcome = outcome;
    r.message = "worker pid " + std::to_string(pid) + " " + why;
    if (why.find("%s") != std::string::npos) {
      r.message.replace(r.message.find("%s"), 2, how);
    }
    r.wall_s = Seconds(Clock::now() - started);
    on_done(id, std::move(r));
  };

  for (;;) {
    // Hand out work while workers are free and the source has some.
    bool drained = false;
    for (Worker& w : workers_) {
      while (!w.busy && !drained) {
        Job job;
        std::uint64_t id = 0;
        if (!next(job, id)) {
          drained = true;
          break;
        }
        w.busy = true;
        w.job = id;
        w.timeout_s = job.timeout_s;
        w.limit_s = job.timeout_s + options_.kill_grace_s;
        w.started = Clock::now();
        if (!SendAll(w.fd, EncodeJob(job))) {
          // A worker whose engine could not be built says why, then exits: the frame may still
          // wait in the socket when the send fails.
          const std::string why = StartFailureLeftIn(w.fd, w.inbox);
          lose(w, false, Outcome::kFatal,
               why.empty() ? std::string("died before taking the job: %s")
                           : "could not start its engine: " + why);
        }
      }
    }

    // Wait for results, for the nearest deadline or for the next tick.
    std::vector<pollfd> fds;
    std::vector<Worker*> owners;
    double wait_s = on_tick ? std::max(0.0, tick_s - Seconds(Clock::now() - last_tick)) : 3600.0;
    const auto now = Clock::now();
    for (Worker& w : workers_) {
      if (!w.busy) {
        continue;
      }
      fds.push_back(pollfd{.fd = w.fd, .events = POLLIN, .revents = 0});
      owners.push_back(&w);
      wait_s = std::min(wait_s, w.limit_s - Seconds(now - w.started));
    }
    if (fds.empty()) {
      break;  // the source has nothing more and no job is running
    }
    const int wait_ms = static_cast<int>(std::clamp(wait_s * 1000.0 + 1.0, 0.0, 3600e3));
    const int ready = poll(fds.data(), fds.size(), wait_ms);
    if (ready < 0 && errno != EINTR) {
      throw Error(std::string("WorkerPool: poll failed: ") + std::strerror(errno));
    }
    if (ready < 0) {
      tick();  // a signal: let the caller look at it now
    }

    for (size_t i = 0; ready > 0 && i < fds.size(); ++i) {
      Worker& w = *owners[i];
      if (fds[i].revents == 0) {
        continue;
      }
      char buffer[65536];
      ssize_t n = read(w.fd, buffer, sizeof buffer);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        continue;
      }
      if (n > 0) {
        w.inbox.append(buffer, static_cast<size_t>(n));
        std::string payload;
        if (!PopFrame(w.inbox, &payload)) {
          continue;
        }
        Reader reader(payload.data(), payload.size());
        const char kind = static_cast<char>(reader.U8());
        if (kind == kFrameResult) {
          bool alive = true;
          RunResult result = DecodeResult(reader, &alive);
          const std::uint64_t id = w.job;
          w.busy = false;
          if (!alive) {
            Replace(w, false);
          }
          on_done(id, std::move(result));
        } else {
          const std::string why = kind == kFrameStartFailed ? reader.Str() : "a malformed frame";
          lose(w, false, Outcome::kFatal, "could not start its engine: " + why);
        }
        continue;
      }
      // EOF or a read error: the worker died while holding the job.
      lose(w, false, Outcome::kFatal, "%s while running the job");
    }

    // Kill workers over their job's limit.
    for (Worker& w : workers_) {
      if (!w.busy) {
        continue;
      }
      const double elapsed = Seconds(Clock::now() - w.started);
      if (elapsed < w.limit_s) {
        continue;
      }
      lose(w, true, Outcome::kTimeout,
           "killed after " + std::to_string(elapsed) + " s (job limit " +
               std::to_string(w.timeout_s) + " s + grace " + std::to_string(options_.kill_grace_s) +
               " s); replaced");
    }
    if (on_tick && Seconds(Clock::now() - last_tick) >= tick_s) {
      tick();
    }
  }
  guard.armed = false;
}

RunResult WorkerPool::Run(const Job& job) {
  RunResult out;
  RunAll({job}, [&](size_t, RunResult&& r) { out = std::move(r); });
  return out;
}

}  // namespace cimchar::spice
